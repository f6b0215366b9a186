// How long to wait before a retry: Envoy's fully jittered exponential back-off. Pure; the random
// source is injected (seeded in tests).
import type { Random } from '../balancing/random.js';

/**
 * The wait before retry number `retryIndex` (0 = the first retry): uniform in [0, interval) where the
 * interval is `baseMs × 2^retryIndex`, capped at `maxMs` (Envoy's JitteredExponentialBackOffStrategy).
 */
export function retryBackoffMs(retryIndex: number, baseMs: number, maxMs: number, random: Random): number {
  const interval = Math.min(baseMs * 2 ** retryIndex, maxMs);
  return Math.floor(random.next() * interval);
}
