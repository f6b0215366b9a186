// Weighted random: each pick draws an endpoint with probability proportional to its weight.
import type { Balancer, BalancerDeps, BalancerEndpoint, PickContext } from './balancer.js';
import { availableWeight, indexWeights, searchCumulative, walkAvailable, type WeightIndex } from './endpoint-weights.js';
import type { Random } from './random.js';

class WeightedRandomBalancer<E extends BalancerEndpoint> implements Balancer<E> {
  readonly #endpoints: readonly E[];
  readonly #weights: WeightIndex;
  readonly #random: Random;

  constructor(endpoints: readonly E[], random: Random) {
    this.#endpoints = endpoints;
    this.#weights = indexWeights(endpoints);
    this.#random = random;
  }

  pick(ctx: PickContext): E | undefined {
    const endpoints = this.#endpoints;
    const count = endpoints.length;
    if (count <= 1) return endpoints[0];
    const exclude = ctx.exclude;
    if (exclude !== undefined && exclude.size > 0) {
      const available = availableWeight(endpoints, exclude, -1);
      // Nothing available: the exclusion is ignored rather than failing the request.
      if (available > 0 && available < this.#weights.total) {
        return endpoints[walkAvailable(endpoints, exclude, -1, this.#random.next() * available)];
      }
    }
    const { uniform, cumulative, total } = this.#weights;
    const index = uniform
      ? Math.min(Math.floor(this.#random.next() * count), count - 1)
      : searchCumulative(cumulative, this.#random.next() * total);
    return endpoints[index];
  }
}

export function weightedRandomBalancer<E extends BalancerEndpoint>(endpoints: readonly E[], deps: BalancerDeps): Balancer<E> {
  return new WeightedRandomBalancer(endpoints, deps.random);
}
