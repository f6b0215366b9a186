// Smooth weighted round robin (nginx's algorithm): every pick adds each candidate's weight to its
// current weight, takes the largest, and subtracts the total from the winner. Weights 5,1,1 give
// a a b a c a a: heavy endpoints are spread out, not served in bursts. State is per endpoint of the
// cluster, so it carries over when the candidate set changes (another zone, an endpoint ejected).
import type { BalancerEndpoint, PickContext, Policy } from './balancer.js';
import type { CandidateSet } from './candidate-set.js';

class SmoothRoundRobinPolicy<E extends BalancerEndpoint> implements Policy<E> {
  readonly zoneAware = true;
  readonly slowStart = true;
  readonly #current: Float64Array;

  constructor(endpointCount: number) {
    this.#current = new Float64Array(endpointCount);
  }

  /** One nginx round over the members not excluded (like nginx skipping tried peers); -1 if none. */
  select(set: CandidateSet<E>, exclude: ReadonlySet<number> | undefined, _ctx: PickContext): number {
    const { endpoints, weights, positions } = set;
    const current = this.#current;
    let total = 0;
    let best = -1;
    let bestPosition = -1;
    for (let i = 0; i < endpoints.length; i++) {
      if (exclude !== undefined && exclude.has(endpoints[i]!.slot)) continue;
      const position = positions[i]!;
      current[position] += weights[i]!;
      total += weights[i]!;
      if (best < 0 || current[position]! > current[bestPosition]!) {
        best = i;
        bestPosition = position;
      }
    }
    if (best >= 0) current[bestPosition] -= total;
    return best;
  }
}

export function smoothRoundRobinPolicy<E extends BalancerEndpoint>(endpoints: readonly E[]): Policy<E> {
  return new SmoothRoundRobinPolicy<E>(endpoints.length);
}
