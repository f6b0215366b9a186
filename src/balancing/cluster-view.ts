// A cluster's view of its endpoints as the EndpointTable stands: the available ones (or all of them in
// panic), the same per zone, and the zone routing plan. Rebuilt only when the table's generation moves
// (one Atomics.load per pick); slow start rescales weights in place while an endpoint ramps up.
import type { BalancerEndpoint } from './balancer.js';
import { CandidateSet } from './candidate-set.js';
import type { EndpointTable } from './endpoint-table.js';
import type { SlowStartOptions } from './slow-start.js';
import { planZoneRouting, type ZonePlan } from './zone-plan.js';

export interface ZoneRoutingOptions {
  readonly localZone: string;
  readonly fleet: ReadonlyMap<string, number>;
  readonly minClusterSize: number;
}

export interface ClusterViewOptions {
  /** 0..1: below this share of available endpoints the cluster balances over all of them (Envoy's panic). */
  readonly panicThreshold: number;
  readonly zoneRouting?: ZoneRoutingOptions;
  readonly slowStart?: SlowStartOptions;
}

export interface ClusterView<E extends BalancerEndpoint> {
  /** What picks choose among: the available endpoints, or every endpoint in panic. */
  readonly all: CandidateSet<E>;
  readonly panic: boolean;
  /** `all` split by zone, in the plan's order (the local zone first); present with `plan`. */
  readonly zones: readonly CandidateSet<E>[];
  readonly plan: ZonePlan | undefined;
  /** 1 at the cluster position of every endpoint in `all`. */
  readonly member: Uint8Array;
}

/** Slow start weights are recomputed at most this often (the table stamps times in 100 ms units). */
const SLOW_START_REFRESH_MS = 100;

export class ClusterViews<E extends BalancerEndpoint> {
  readonly #endpoints: readonly E[];
  readonly #table: EndpointTable;
  readonly #options: ClusterViewOptions;
  readonly #now: () => number;
  /** Upstream zones in plan order: the local zone first when the cluster has endpoints there. */
  readonly #zoneNames: readonly string[];
  readonly #zoneOf: Int32Array;
  /** When each endpoint became available, NaN when it is not in slow start. */
  readonly #since: Float64Array;
  #generation = -1;
  #view!: ClusterView<E>;
  /** 0: nothing ramps up; else the wall-clock ms of the next weight refresh. */
  #slowStartRefreshAt = 0;

  constructor(endpoints: readonly E[], table: EndpointTable, options: ClusterViewOptions, now: () => number) {
    this.#endpoints = endpoints;
    this.#table = table;
    this.#options = options;
    this.#now = now;
    this.#since = new Float64Array(endpoints.length);
    const localZone = options.zoneRouting?.localZone;
    const others = [...new Set(endpoints.map((endpoint) => endpoint.zone ?? ''))].filter((zone) => zone !== localZone).sort();
    this.#zoneNames = endpoints.some((endpoint) => endpoint.zone === localZone) ? [localZone!, ...others] : others;
    this.#zoneOf = Int32Array.from(endpoints, (endpoint) => this.#zoneNames.indexOf(endpoint.zone ?? ''));
  }

  /** The view for the table's current generation; rebuilt only when it moved. */
  current(): ClusterView<E> {
    const generation = this.#table.generation();
    if (generation !== this.#generation) {
      this.#generation = generation;
      this.#view = this.#build();
    }
    if (this.#slowStartRefreshAt !== 0) this.#refreshSlowStart();
    return this.#view;
  }

  #build(): ClusterView<E> {
    const endpoints = this.#endpoints;
    const table = this.#table;
    const member = new Uint8Array(endpoints.length);
    let available = 0;
    for (let p = 0; p < endpoints.length; p++) {
      if (table.isAvailable(endpoints[p]!.slot)) {
        member[p] = 1;
        available++;
      }
    }
    // Envoy: in panic when the available share is below the threshold; an empty cluster is not.
    const panic = endpoints.length > 0 && available < this.#options.panicThreshold * endpoints.length;
    if (panic) member.fill(1);
    const positions = positionsWhere(member, 1);
    const all = new CandidateSet(positions.map((p) => endpoints[p]!), positions);
    const { zones, plan } = panic ? { zones: [], plan: undefined } : this.#zoneSplit(member);
    const view: ClusterView<E> = { all, panic, zones, plan, member };
    this.#stampSlowStart(member);
    if (this.#slowStartRefreshAt !== 0) this.#applySlowStart(view, this.#now());
    return view;
  }

  #zoneSplit(member: Uint8Array): { zones: CandidateSet<E>[]; plan: ZonePlan | undefined } {
    const routing = this.#options.zoneRouting;
    if (routing === undefined) return { zones: [], plan: undefined };
    const byZone = this.#zoneNames.map(() => [] as number[]);
    for (let p = 0; p < member.length; p++) if (member[p] === 1) byZone[this.#zoneOf[p]!]!.push(p);
    const plan = planZoneRouting({
      localZone: routing.localZone,
      fleet: routing.fleet,
      zones: this.#zoneNames,
      available: byZone.map((positions) => positions.length),
      minClusterSize: routing.minClusterSize,
    });
    if (plan === undefined) return { zones: [], plan };
    return { zones: byZone.map((positions) => new CandidateSet(positions.map((p) => this.#endpoints[p]!), positions)), plan };
  }

  /**
   * Endpoints that became available after the table was made and less than a window ago ramp up.
   * Those present since the start (stamped with the table's epoch) do not: as in Envoy, only new or
   * returning hosts are in slow start.
   */
  #stampSlowStart(member: Uint8Array): void {
    const slowStart = this.#options.slowStart;
    this.#slowStartRefreshAt = 0;
    if (slowStart === undefined) return;
    const now = this.#now();
    const epoch = this.#table.epochMs;
    for (let p = 0; p < this.#endpoints.length; p++) {
      const since = this.#table.availableSince(this.#endpoints[p]!.slot);
      const ramping = member[p] === 1 && since > epoch && now - since < slowStart.windowMs;
      this.#since[p] = ramping ? since : Number.NaN;
      if (ramping) this.#slowStartRefreshAt = now;
    }
  }

  #refreshSlowStart(): void {
    const now = this.#now();
    if (now >= this.#slowStartRefreshAt) this.#applySlowStart(this.#view, now);
  }

  #applySlowStart(view: ClusterView<E>, now: number): void {
    const slowStart = this.#options.slowStart!;
    let ramping = view.all.applySlowStart(slowStart, this.#since, now);
    for (const zone of view.zones) ramping = zone.applySlowStart(slowStart, this.#since, now) || ramping;
    this.#slowStartRefreshAt = ramping ? now + SLOW_START_REFRESH_MS : 0;
  }
}

function positionsWhere(flags: Uint8Array, value: number): number[] {
  const positions: number[] = [];
  for (let p = 0; p < flags.length; p++) if (flags[p] === value) positions.push(p);
  return positions;
}
