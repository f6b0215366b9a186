// Smooth weighted round robin (nginx's algorithm): every pick adds each endpoint's weight to its
// current weight, takes the largest, and subtracts the total from the winner. Weights 5,1,1 give
// a a b a c a a: heavy endpoints are spread out, not served in bursts. State is per balancer.
import type { Balancer, BalancerEndpoint, PickContext } from './balancer.js';
import { assertPositiveWeights } from './endpoint-weights.js';

class SmoothRoundRobinBalancer<E extends BalancerEndpoint> implements Balancer<E> {
  readonly #endpoints: readonly E[];
  readonly #current: Float64Array;

  constructor(endpoints: readonly E[]) {
    assertPositiveWeights(endpoints);
    this.#endpoints = endpoints;
    this.#current = new Float64Array(endpoints.length);
  }

  pick(ctx: PickContext): E | undefined {
    const endpoints = this.#endpoints;
    if (endpoints.length <= 1) return endpoints[0];
    const exclude = ctx.exclude;
    const best = exclude !== undefined && exclude.size > 0 ? this.#step(exclude) : -1;
    // Either no exclusion, or everything was excluded: then the exclusion is ignored.
    return endpoints[best >= 0 ? best : this.#step(undefined)];
  }

  /** One nginx round over the endpoints not excluded (like nginx skipping tried peers); -1 if none. */
  #step(exclude: ReadonlySet<number> | undefined): number {
    const endpoints = this.#endpoints;
    const current = this.#current;
    let total = 0;
    let best = -1;
    for (let i = 0; i < endpoints.length; i++) {
      const endpoint = endpoints[i];
      if (exclude !== undefined && exclude.has(endpoint.slot)) continue;
      current[i] += endpoint.weight;
      total += endpoint.weight;
      if (best < 0 || current[i] > current[best]) best = i;
    }
    if (best >= 0) current[best] -= total;
    return best;
  }
}

export function smoothRoundRobinBalancer<E extends BalancerEndpoint>(endpoints: readonly E[]): Balancer<E> {
  return new SmoothRoundRobinBalancer(endpoints);
}
