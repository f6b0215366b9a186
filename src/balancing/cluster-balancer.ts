// The one Balancer every policy runs inside: takes the cluster's current view (availability, panic,
// zones), honours cookie affinity, chooses the zone by the plan, lets the policy choose within it,
// and falls back (other zones, then ignoring the retry exclusion) rather than fail a request.
import type { Balancer, BalancerDeps, BalancerEndpoint, BalancerOptions, PickContext, Policy } from './balancer.js';
import type { CandidateSet } from './candidate-set.js';
import { ClusterViews, type ClusterView } from './cluster-view.js';
import { assertPositiveWeights } from './endpoint-weights.js';
import type { Random } from './random.js';
import { chooseZone } from './zone-plan.js';

export class ClusterBalancer<E extends BalancerEndpoint> implements Balancer<E> {
  readonly #endpoints: readonly E[];
  readonly #views: ClusterViews<E>;
  readonly #policy: Policy<E>;
  readonly #random: Random;
  /** Affinity token → cluster position (only with cookie affinity). */
  readonly #affinity: ReadonlyMap<number, number> | undefined;
  #lastView: ClusterView<E> | undefined;

  constructor(endpoints: readonly E[], deps: BalancerDeps, options: BalancerOptions, policy: Policy<E>) {
    assertPositiveWeights(endpoints);
    this.#endpoints = endpoints;
    this.#policy = policy;
    this.#random = deps.random;
    // Hash policies map keys to endpoints; zones would move keys around, so they ignore zone routing.
    const zoneRouting = policy.zoneAware ? options.zoneRouting : undefined;
    const slowStart = policy.slowStart ? options.slowStart : undefined;
    this.#views = new ClusterViews(endpoints, deps.table, { panicThreshold: options.panicThreshold, zoneRouting, slowStart }, deps.now ?? Date.now);
    this.#affinity = options.affinity
      ? new Map(endpoints.flatMap((endpoint, position) => (endpoint.affinityToken === undefined ? [] : [[endpoint.affinityToken, position] as const])))
      : undefined;
  }

  pick(ctx: PickContext): E | undefined {
    const view = this.#views.current();
    if (view !== this.#lastView) {
      this.#lastView = view;
      this.#policy.viewChanged?.(view);
    }
    const all = view.all;
    if (all.size === 0) return undefined;
    const exclude = ctx.exclude !== undefined && ctx.exclude.size > 0 ? ctx.exclude : undefined;
    if (this.#affinity !== undefined && ctx.affinity !== undefined) {
      const position = this.#affinity.get(ctx.affinity);
      if (position !== undefined && view.member[position] === 1) {
        const pinned = this.#endpoints[position]!;
        if (exclude === undefined || !exclude.has(pinned.slot)) return pinned;
      }
    }
    let set: CandidateSet<E> = all;
    if (view.plan !== undefined) {
      const zone = view.zones[chooseZone(view.plan, this.#random)]!;
      // Fail open: a zone without an available endpoint never fails a request.
      if (zone.size > 0) set = zone;
    }
    let index = this.#policy.select(set, exclude, ctx);
    if (index < 0 && set !== all) {
      set = all;
      index = this.#policy.select(set, exclude, ctx);
    }
    // Every candidate was tried already: trying one again beats failing the request.
    if (index < 0) index = this.#policy.select(set, undefined, ctx);
    return set.endpoints[index];
  }
}
