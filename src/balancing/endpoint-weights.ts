// Weight arithmetic the policies share: validation of configured weights, binary search over
// cumulative weights, and an allocation-free walk around excluded endpoints of a candidate set.
import type { BalancerEndpoint } from './balancer.js';
import type { CandidateSet } from './candidate-set.js';

/** Refuses, at compile time of a balancer, weights the policies cannot draw or schedule by. */
export function assertPositiveWeights(endpoints: readonly BalancerEndpoint[]): void {
  for (const { weight, slot } of endpoints) {
    if (!Number.isFinite(weight) || weight <= 0) {
      throw new RangeError(`endpoint in slot ${slot} has weight ${weight}; weights must be positive finite numbers`);
    }
  }
}

/** The index whose cumulative range holds x, for 0 <= x < total. */
export function searchCumulative(cumulative: Float64Array, x: number): number {
  let low = 0;
  let high = cumulative.length - 1;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (cumulative[middle]! > x) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** Total weight of the members not in `exclude`, leaving out the member at index `skip` (-1: none). */
export function availableWeight(set: CandidateSet<BalancerEndpoint>, exclude: ReadonlySet<number>, skip: number): number {
  const { endpoints, weights } = set;
  let total = 0;
  for (let i = 0; i < endpoints.length; i++) {
    if (i !== skip && !exclude.has(endpoints[i]!.slot)) total += weights[i]!;
  }
  return total;
}

/** Walks the members not excluded (as in availableWeight) to the one whose weight range holds x. */
export function walkAvailable(set: CandidateSet<BalancerEndpoint>, exclude: ReadonlySet<number>, skip: number, x: number): number {
  const { endpoints, weights } = set;
  let last = -1;
  for (let i = 0; i < endpoints.length; i++) {
    if (i === skip || exclude.has(endpoints[i]!.slot)) continue;
    x -= weights[i]!;
    if (x < 0) return i;
    last = i;
  }
  // Only reached when rounding left x a hair above the available total.
  return last;
}
