// Least request by the power of `choiceCount` choices over the cluster-wide ACTIVE counts of the
// EndpointTable: draw candidates, keep the less loaded. With unequal (or slow-start) weights the draws
// are proportional to weight and the winner has the higher weight / (active + 1)^activeRequestBias,
// Envoy's dynamic weight (Envoy feeds it to a weighted schedule; here it decides the duel).
import type { BalancerDeps, BalancerEndpoint, BalancerOptions, PickContext, Policy } from './balancer.js';
import type { CandidateSet } from './candidate-set.js';
import type { EndpointTable } from './endpoint-table.js';
import { availableWeight, searchCumulative, walkAvailable } from './endpoint-weights.js';
import type { Random } from './random.js';

class LeastRequestPolicy<E extends BalancerEndpoint> implements Policy<E> {
  readonly zoneAware = true;
  readonly slowStart = true;
  readonly #table: EndpointTable;
  readonly #random: Random;
  /** Extra draws after the first duel (choiceCount - 2). */
  readonly #extraChoices: number;
  readonly #bias: number;

  constructor(deps: BalancerDeps, options: BalancerOptions) {
    if (!Number.isInteger(options.choiceCount) || options.choiceCount < 2) {
      throw new RangeError(`choiceCount must be an integer of at least 2, got ${options.choiceCount}`);
    }
    this.#table = deps.table;
    this.#random = deps.random;
    this.#extraChoices = options.choiceCount - 2;
    this.#bias = options.activeRequestBias;
  }

  select(set: CandidateSet<E>, exclude: ReadonlySet<number> | undefined, _ctx: PickContext): number {
    if (exclude !== undefined) {
      const available = availableWeight(set, exclude, -1);
      if (available <= 0) return -1;
      if (available < set.total) return this.#duelAvailable(set, exclude, available);
    }
    if (set.size === 1) return 0;
    let best = set.draw(this.#random.next());
    // Each further candidate is drawn apart from the best so far; a tie keeps the best.
    for (let choice = this.#extraChoices + 1; choice > 0; choice--) {
      best = this.#lessLoaded(set, best, set.uniform ? this.#uniformOther(set.size, best) : this.#weightedOther(set, best));
    }
    return best;
  }

  /** A uniform draw among the count-1 others: shifting past `taken` keeps the two distinct. */
  #uniformOther(count: number, taken: number): number {
    let other = Math.min(Math.floor(this.#random.next() * (count - 1)), count - 2);
    if (other >= taken) other++;
    return other;
  }

  /**
   * Draws over the total without `taken`'s weight range, then steps over that range: distinct, and
   * still proportional to weight among the others.
   */
  #weightedOther(set: CandidateSet<E>, taken: number): number {
    const takenWeight = set.weights[taken]!;
    let x = this.#random.next() * (set.total - takenWeight);
    if (x >= set.cumulative[taken]! - takenWeight) x += takenWeight;
    return searchCumulative(set.cumulative, x);
  }

  #duelAvailable(set: CandidateSet<E>, exclude: ReadonlySet<number>, available: number): number {
    let best = walkAvailable(set, exclude, -1, this.#random.next() * available);
    for (let choice = this.#extraChoices + 1; choice > 0; choice--) {
      const othersWeight = available - set.weights[best]!;
      if (othersWeight <= 0) return best;
      best = this.#lessLoaded(set, best, walkAvailable(set, exclude, best, this.#random.next() * othersWeight));
    }
    return best;
  }

  /** The better of two members; a tie goes to `first` (drawn first, or the best so far). */
  #lessLoaded(set: CandidateSet<E>, first: number, second: number): number {
    const activeA = this.#table.active(set.endpoints[first]!.slot);
    const activeB = this.#table.active(set.endpoints[second]!.slot);
    // Equal load keeps the first drawn, which was drawn in proportion to weight: without this an idle
    // cluster would send everything to its heaviest endpoint.
    if (set.uniform || activeA === activeB) return activeB < activeA ? second : first;
    const weightA = set.weights[first]!;
    const weightB = set.weights[second]!;
    const bias = this.#bias;
    // weightB / (activeB + 1)^bias > weightA / (activeA + 1)^bias, without divisions when bias is 1.
    if (bias === 1) return weightB * (activeA + 1) > weightA * (activeB + 1) ? second : first;
    if (bias === 0) return weightB > weightA ? second : first;
    return weightB * Math.pow(activeA + 1, bias) > weightA * Math.pow(activeB + 1, bias) ? second : first;
  }
}

export function leastRequestPolicy<E extends BalancerEndpoint>(_endpoints: readonly E[], deps: BalancerDeps, options: BalancerOptions): Policy<E> {
  return new LeastRequestPolicy<E>(deps, options);
}
