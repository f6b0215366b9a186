// Endpoint weights for the policies: validation; for weighted draws, cumulative weights built once per
// endpoint list, a binary search for the common case and an allocation-free walk around excluded endpoints.
import type { BalancerEndpoint } from './balancer.js';

export interface WeightIndex {
  /** cumulative[i] = weight of endpoints 0..i. */
  readonly cumulative: Float64Array;
  readonly total: number;
  /** Every weight is the same: a draw is a plain uniform index. */
  readonly uniform: boolean;
}

/** Refuses, at compile time of a balancer, weights the policies cannot draw or schedule by. */
export function assertPositiveWeights(endpoints: readonly BalancerEndpoint[]): void {
  for (const { weight, slot } of endpoints) {
    if (!Number.isFinite(weight) || weight <= 0) {
      throw new RangeError(`endpoint in slot ${slot} has weight ${weight}; weights must be positive finite numbers`);
    }
  }
}

export function indexWeights(endpoints: readonly BalancerEndpoint[]): WeightIndex {
  assertPositiveWeights(endpoints);
  const cumulative = new Float64Array(endpoints.length);
  let total = 0;
  let uniform = true;
  for (let i = 0; i < endpoints.length; i++) {
    const weight = endpoints[i].weight;
    if (weight !== endpoints[0].weight) uniform = false;
    total += weight;
    cumulative[i] = total;
  }
  return { cumulative, total, uniform };
}

/** The index whose cumulative range holds x, for 0 <= x < total. */
export function searchCumulative(cumulative: Float64Array, x: number): number {
  let low = 0;
  let high = cumulative.length - 1;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (cumulative[middle] > x) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** Total weight of the endpoints not in `exclude`, leaving out the endpoint at index `skip` (-1: none). */
export function availableWeight(endpoints: readonly BalancerEndpoint[], exclude: ReadonlySet<number>, skip: number): number {
  let total = 0;
  for (let i = 0; i < endpoints.length; i++) {
    const endpoint = endpoints[i];
    if (i !== skip && !exclude.has(endpoint.slot)) total += endpoint.weight;
  }
  return total;
}

/** Walks the available endpoints (as in availableWeight) to the one whose weight range holds x. */
export function walkAvailable(endpoints: readonly BalancerEndpoint[], exclude: ReadonlySet<number>, skip: number, x: number): number {
  let last = -1;
  for (let i = 0; i < endpoints.length; i++) {
    const endpoint = endpoints[i];
    if (i === skip || exclude.has(endpoint.slot)) continue;
    x -= endpoint.weight;
    if (x < 0) return i;
    last = i;
  }
  // Only reached when rounding left x a hair above the available total.
  return last;
}
