// Weighted random: each pick draws a candidate with probability proportional to its weight.
import type { BalancerDeps, BalancerEndpoint, PickContext, Policy } from './balancer.js';
import type { CandidateSet } from './candidate-set.js';
import { availableWeight, walkAvailable } from './endpoint-weights.js';
import type { Random } from './random.js';

class WeightedRandomPolicy<E extends BalancerEndpoint> implements Policy<E> {
  readonly zoneAware = true;
  readonly slowStart = true;
  readonly #random: Random;

  constructor(random: Random) {
    this.#random = random;
  }

  select(set: CandidateSet<E>, exclude: ReadonlySet<number> | undefined, _ctx: PickContext): number {
    if (exclude !== undefined) {
      const available = availableWeight(set, exclude, -1);
      if (available <= 0) return -1;
      if (available < set.total) return walkAvailable(set, exclude, -1, this.#random.next() * available);
    }
    return set.size === 1 ? 0 : set.draw(this.#random.next());
  }
}

export function weightedRandomPolicy<E extends BalancerEndpoint>(_endpoints: readonly E[], deps: BalancerDeps): Policy<E> {
  return new WeightedRandomPolicy<E>(deps.random);
}
