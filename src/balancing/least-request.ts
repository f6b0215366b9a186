// Least request by the power of two choices over the cluster-wide ACTIVE counts of the EndpointTable:
// draw two distinct endpoints, send to the less loaded. With unequal weights the draws are
// proportional to weight and the winner has the higher weight / (active + 1), Envoy's dynamic weight
// with active_request_bias 1.0 (Envoy feeds it to a weighted schedule; here it decides the duel).
import type { Balancer, BalancerDeps, BalancerEndpoint, PickContext } from './balancer.js';
import type { EndpointTable } from './endpoint-table.js';
import { availableWeight, indexWeights, searchCumulative, walkAvailable, type WeightIndex } from './endpoint-weights.js';
import type { Random } from './random.js';

class LeastRequestBalancer<E extends BalancerEndpoint> implements Balancer<E> {
  readonly #endpoints: readonly E[];
  readonly #weights: WeightIndex;
  readonly #table: EndpointTable;
  readonly #random: Random;

  constructor(endpoints: readonly E[], deps: BalancerDeps) {
    this.#endpoints = endpoints;
    this.#weights = indexWeights(endpoints);
    this.#table = deps.table;
    this.#random = deps.random;
  }

  pick(ctx: PickContext): E | undefined {
    const endpoints = this.#endpoints;
    if (endpoints.length <= 1) return endpoints[0];
    const exclude = ctx.exclude;
    if (exclude !== undefined && exclude.size > 0) {
      const available = availableWeight(endpoints, exclude, -1);
      // Nothing available: the exclusion is ignored rather than failing the request.
      if (available > 0 && available < this.#weights.total) return endpoints[this.#duelAvailable(exclude, available)];
    }
    return endpoints[this.#weights.uniform ? this.#duelUniform() : this.#duelWeighted()];
  }

  #duelUniform(): number {
    const count = this.#endpoints.length;
    const first = Math.min(Math.floor(this.#random.next() * count), count - 1);
    // Draw among the other count-1 endpoints: shifting past `first` keeps the two distinct.
    let second = Math.min(Math.floor(this.#random.next() * (count - 1)), count - 2);
    if (second >= first) second++;
    return this.#lessLoaded(first, second);
  }

  #duelWeighted(): number {
    const { cumulative, total } = this.#weights;
    const first = searchCumulative(cumulative, this.#random.next() * total);
    // Draw over the total without `first`'s weight range, then step over that range: distinct, and
    // still proportional to weight among the others.
    const firstWeight = this.#endpoints[first].weight;
    let x = this.#random.next() * (total - firstWeight);
    if (x >= cumulative[first] - firstWeight) x += firstWeight;
    const second = searchCumulative(cumulative, x);
    return this.#lessLoaded(first, second);
  }

  #duelAvailable(exclude: ReadonlySet<number>, available: number): number {
    const endpoints = this.#endpoints;
    const first = walkAvailable(endpoints, exclude, -1, this.#random.next() * available);
    const othersWeight = available - endpoints[first].weight;
    if (othersWeight <= 0) return first;
    const second = walkAvailable(endpoints, exclude, first, this.#random.next() * othersWeight);
    return this.#lessLoaded(first, second);
  }

  /** The better of two candidates; a tie goes to the first drawn. */
  #lessLoaded(first: number, second: number): number {
    const a = this.#endpoints[first];
    const b = this.#endpoints[second];
    const activeA = this.#table.active(a.slot);
    const activeB = this.#table.active(b.slot);
    // Equal load keeps the first drawn, which was drawn in proportion to weight: without this an idle
    // cluster would send everything to its heaviest endpoint.
    if (this.#weights.uniform || activeA === activeB) return activeB < activeA ? second : first;
    // b.weight / (activeB + 1) > a.weight / (activeA + 1), without the divisions.
    return b.weight * (activeA + 1) > a.weight * (activeB + 1) ? second : first;
  }
}

export function leastRequestBalancer<E extends BalancerEndpoint>(endpoints: readonly E[], deps: BalancerDeps): Balancer<E> {
  return new LeastRequestBalancer(endpoints, deps);
}
