// A cluster's circuit breakers: limits on requests, pending requests, connections and retries, counted
// cluster-wide (every worker) in the cluster's own EndpointTable slot. Answers "may I?" and counts the
// refusals; what to answer the client (503 `overflow`) is the exchange's business.
import { ClusterField, type EndpointTable } from '../balancing/endpoint-table.js';
import type { CircuitBreakersSnapshot } from '../snapshot.js';
import { retryLimit } from './retry-budget.js';
import type { RetryPolicy } from './retry-policy.js';

export type BreakerName = 'connections' | 'pending' | 'requests' | 'retries';
export const breakerNames: readonly BreakerName[] = ['connections', 'pending', 'requests', 'retries'];

export interface OverflowCounter { inc(): void }

export class CircuitBreakers {
  readonly #table: EndpointTable;
  readonly #slot: number;
  readonly #limits: CircuitBreakersSnapshot;
  readonly #overflows: Readonly<Record<BreakerName, OverflowCounter>>;

  constructor(table: EndpointTable, slot: number, limits: CircuitBreakersSnapshot, overflows: Readonly<Record<BreakerName, OverflowCounter>>) {
    this.#table = table;
    this.#slot = slot;
    this.#limits = limits;
    this.#overflows = overflows;
  }

  /** A request may go to the cluster; pair with `endRequest`. */
  beginRequest(): boolean {
    return this.#acquire(ClusterField.REQUESTS, this.#limits.maxRequests, 'requests');
  }

  endRequest(): void { this.#table.release(this.#slot, ClusterField.REQUESTS); }

  /** A retry may start, under the route's budget or the cluster's `maxRetries`; pair with `endRetry`. */
  beginRetry(policy: RetryPolicy): boolean {
    const limit = retryLimit(policy, this.#limits.maxRetries, this.#table.count(this.#slot, ClusterField.REQUESTS));
    return this.#acquire(ClusterField.RETRIES, limit, 'retries');
  }

  endRetry(): void { this.#table.release(this.#slot, ClusterField.RETRIES); }

  /** A new connection may be opened; pair with `connectionClosed`. */
  openConnection(): boolean {
    return this.#acquire(ClusterField.CONNECTIONS, this.#limits.maxConnections, 'connections');
  }

  connectionClosed(): void { this.#table.release(this.#slot, ClusterField.CONNECTIONS); }

  /** A request may wait for a connection being established; pair with `endPending`. */
  beginPending(): boolean {
    return this.#acquire(ClusterField.PENDING, this.#limits.maxPendingRequests, 'pending');
  }

  endPending(): void { this.#table.release(this.#slot, ClusterField.PENDING); }

  #acquire(field: number, limit: number, name: BreakerName): boolean {
    if (this.#table.acquireUpTo(this.#slot, field, limit)) return true;
    this.#overflows[name].inc();
    return false;
  }
}
