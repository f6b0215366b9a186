// The balancer contracts and the registry of policies by name. Policies know endpoints, weights and the
// EndpointTable; they never know sockets or pools.
import type { BalancerName } from '../snapshot.js';
import type { EndpointTable } from './endpoint-table.js';
import { leastRequestBalancer } from './least-request.js';
import type { Random } from './random.js';
import { weightedRandomBalancer } from './random-balancer.js';
import { smoothRoundRobinBalancer } from './round-robin.js';

export interface BalancerEndpoint {
  /** Slot in the EndpointTable. */
  readonly slot: number;
  /** Positive relative weight. */
  readonly weight: number;
}

export interface PickContext {
  /** 0 for the first try, 1 for the first retry, … */
  readonly attempt: number;
  /** Slots already tried: skipped while any other endpoint remains. */
  readonly exclude?: ReadonlySet<number>;
}

/** `pick` is synchronous, does no I/O, allocates nothing and never throws; undefined = no endpoint. */
export interface Balancer<E extends BalancerEndpoint> {
  pick(ctx: PickContext): E | undefined;
}

export interface BalancerDeps {
  readonly table: EndpointTable;
  readonly random: Random;
}

/** Builds a policy over a fixed endpoint list; throws on invalid input (the snapshot is then rejected). */
export type BalancerFactory = <E extends BalancerEndpoint>(endpoints: readonly E[], deps: BalancerDeps) => Balancer<E>;

export const balancerFactories: Readonly<Record<BalancerName, BalancerFactory>> = Object.freeze({
  least_request: leastRequestBalancer,
  round_robin: smoothRoundRobinBalancer,
  random: weightedRandomBalancer,
});

export function createBalancer<E extends BalancerEndpoint>(
  name: BalancerName,
  endpoints: readonly E[],
  deps: BalancerDeps,
): Balancer<E> {
  if (!Object.hasOwn(balancerFactories, name)) {
    throw new Error(`unknown balancer "${name}"; known: ${Object.keys(balancerFactories).join(', ')}`);
  }
  return balancerFactories[name](endpoints, deps);
}
