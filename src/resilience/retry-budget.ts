// How many retries may be in flight at once for a cluster: the retry budget when the route sets one,
// else the cluster's `maxRetries` circuit breaker (as in Envoy, a budget replaces that breaker). Pure.
import type { RetryPolicy } from './retry-policy.js';

/** The cap on concurrent retries when `activeRequests` are in flight to the cluster (all workers). */
export function retryLimit(policy: RetryPolicy, maxRetries: number, activeRequests: number): number {
  const budget = policy.budget;
  if (budget === undefined) return maxRetries;
  return Math.max(budget.minConcurrency, Math.floor((budget.percent * activeRequests) / 100));
}
