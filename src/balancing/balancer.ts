// The balancer contracts and the registry of policies by name. Policies know endpoints, weights and the
// EndpointTable; they never know sockets or pools. Every policy runs inside one ClusterBalancer, which
// owns availability, panic, zones, slow start and affinity, so each policy only chooses within a set.
import type { BalancerName } from '../snapshot.js';
import type { CandidateSet } from './candidate-set.js';
import { ClusterBalancer } from './cluster-balancer.js';
import type { ClusterView, ZoneRoutingOptions } from './cluster-view.js';
import type { EndpointTable } from './endpoint-table.js';
import { leastRequestPolicy } from './least-request.js';
import { maglevPolicy } from './maglev.js';
import type { Random } from './random.js';
import { weightedRandomPolicy } from './random-balancer.js';
import { ringHashPolicy } from './ring-hash.js';
import { smoothRoundRobinPolicy } from './round-robin.js';
import type { SlowStartOptions } from './slow-start.js';

export interface BalancerEndpoint {
  /** Slot in the EndpointTable. */
  readonly slot: number;
  /** Positive relative weight. */
  readonly weight: number;
  /** Zone of the endpoint ('' or absent: unknown). */
  readonly zone?: string;
  /** Identity for consistent hashing (the configured address); the slot when absent. */
  readonly address?: string;
  /** What the affinity cookie carries for this endpoint (a hash, never the address). */
  readonly affinityToken?: number;
}

export interface PickContext {
  /** 0 for the first try, 1 for the first retry, … */
  readonly attempt: number;
  /** Slots already tried: skipped while any other endpoint remains. */
  readonly exclude?: ReadonlySet<number>;
  /** The request's hash for ring_hash and maglev (hashPolicy); absent: a random point. */
  readonly hash?: number;
  /** The affinity cookie's endpoint token, when the request carried one. */
  readonly affinity?: number;
}

/** `pick` is synchronous, does no I/O, allocates nothing and never throws; undefined = no endpoint. */
export interface Balancer<E extends BalancerEndpoint> {
  pick(ctx: PickContext): E | undefined;
}

export interface BalancerDeps {
  readonly table: EndpointTable;
  readonly random: Random;
  /** Wall clock, ms since 1970 (slow start compares it with the table's available-since stamps); Date.now by default. */
  readonly now?: () => number;
}

export interface BalancerOptions {
  /** least_request: endpoints drawn per pick (P2C = 2). */
  readonly choiceCount: number;
  /** least_request with unequal weights: weight / (active + 1)^bias. */
  readonly activeRequestBias: number;
  /** 0..1 (Envoy's healthy_panic_threshold / 100). */
  readonly panicThreshold: number;
  readonly zoneRouting?: ZoneRoutingOptions;
  readonly slowStart?: SlowStartOptions;
  readonly ringHash: { readonly minRingSize: number; readonly maxRingSize: number };
  /** Cookie affinity: a request naming an available endpoint goes there. */
  readonly affinity: boolean;
}

export const defaultBalancerOptions: BalancerOptions = Object.freeze({
  choiceCount: 2,
  activeRequestBias: 1,
  panicThreshold: 0.5,
  ringHash: Object.freeze({ minRingSize: 1024, maxRingSize: 8_388_608 }),
  affinity: false,
});

/** One policy's choice within a candidate set. */
export interface Policy<E extends BalancerEndpoint> {
  /** Whether zone routing applies (not for the hash policies: zones would move keys around). */
  readonly zoneAware: boolean;
  /** Whether slow start scales the weights it chooses by. */
  readonly slowStart: boolean;
  /** The view was rebuilt (availability changed): rebuild whatever depends on it. */
  viewChanged?(view: ClusterView<E>): void;
  /** An index into `set`, or -1 when every member is excluded; `set` is never empty. */
  select(set: CandidateSet<E>, exclude: ReadonlySet<number> | undefined, ctx: PickContext): number;
}

/** Builds a policy over a fixed endpoint list; throws on invalid input (the snapshot is then rejected). */
export type PolicyFactory = <E extends BalancerEndpoint>(endpoints: readonly E[], deps: BalancerDeps, options: BalancerOptions) => Policy<E>;

export const policyFactories: Readonly<Record<BalancerName, PolicyFactory>> = Object.freeze({
  least_request: leastRequestPolicy,
  round_robin: smoothRoundRobinPolicy,
  random: weightedRandomPolicy,
  ring_hash: ringHashPolicy,
  maglev: maglevPolicy,
});

export function createBalancer<E extends BalancerEndpoint>(
  name: BalancerName,
  endpoints: readonly E[],
  deps: BalancerDeps,
  options: BalancerOptions = defaultBalancerOptions,
): Balancer<E> {
  if (!Object.hasOwn(policyFactories, name)) {
    throw new Error(`unknown balancer "${name}"; known: ${Object.keys(policyFactories).join(', ')}`);
  }
  return new ClusterBalancer(endpoints, deps, options, policyFactories[name](endpoints, deps, options));
}
