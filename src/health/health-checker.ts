// Active health checks on the main thread: one check loop per endpoint of every cluster with a
// `healthCheck`, following snapshot changes (start, keep, restart or stop per endpoint). Results go
// through each endpoint's HealthState into the EndpointTable's UNHEALTHY / UNCHECKED flags, which
// every worker's balancer reads. It never proxies and never touches outlier ejection.
import { EndpointState, type EndpointTable } from '../balancing/endpoint-table.js';
import type { Random } from '../balancing/random.js';
import type { Scheduler } from '../control/scheduler.js';
import type { HealthCheckSnapshot, HealthCheckType, Snapshot } from '../snapshot.js';
import { HealthState, type HealthStatus } from './health-state.js';
import { probes as defaultProbes, type Probe, type ProbeTarget } from './probes.js';

export interface HealthEvents {
  /** One finished check. */
  result(cluster: string, passed: boolean): void;
}

interface EndpointCheck {
  readonly cluster: string;
  readonly slot: number;
  readonly target: ProbeTarget;
  readonly check: HealthCheckSnapshot;
  /** What makes two snapshots' checks of this endpoint the same check. */
  readonly identity: string;
  readonly state: HealthState;
  cancel: (() => void) | undefined;
  /** Bumped when the loop stops, so a probe still in flight from before cannot resume it. */
  round: number;
}

const { UNHEALTHY, UNCHECKED } = EndpointState;

export class HealthChecker {
  readonly #table: EndpointTable;
  readonly #scheduler: Scheduler;
  readonly #random: Random;
  readonly #events: HealthEvents;
  readonly #probes: Readonly<Record<HealthCheckType, Probe>>;
  /** By `cluster/address`. */
  readonly #checks = new Map<string, EndpointCheck>();
  #started = false;

  constructor(table: EndpointTable, scheduler: Scheduler, random: Random, events: HealthEvents, probes = defaultProbes) {
    this.#table = table;
    this.#scheduler = scheduler;
    this.#random = random;
    this.#events = events;
    this.#probes = probes;
  }

  update(snapshot: Snapshot): void {
    const wanted = new Set<string>();
    for (const cluster of snapshot.clusters) {
      const check = cluster.healthCheck;
      if (check === undefined) continue;
      for (const endpoint of cluster.endpoints) {
        const key = `${cluster.name}/${endpoint.address}`;
        const target: ProbeTarget = {
          host: endpoint.host, port: endpoint.port, address: endpoint.address, protocol: cluster.protocol, ...(cluster.tls === undefined ? {} : { tls: cluster.tls }),
        };
        const identity = JSON.stringify([endpoint.slot, target, check]);
        wanted.add(key);
        const existing = this.#checks.get(key);
        if (existing?.identity === identity) continue;
        if (existing !== undefined) this.#halt(existing);
        const entry: EndpointCheck = {
          cluster: cluster.name, slot: endpoint.slot, target, check, identity,
          state: new HealthState(check, existing?.state.status ?? this.#statusInTable(endpoint.slot)),
          cancel: undefined, round: 0,
        };
        this.#checks.set(key, entry);
        if (this.#started) this.#schedule(entry, 0);
      }
    }
    for (const [key, entry] of this.#checks) {
      if (wanted.has(key)) continue;
      this.#checks.delete(key);
      this.#halt(entry);
      // No longer checked: nothing may keep it out any more.
      const now = this.#scheduler.now();
      this.#table.clearFlag(entry.slot, UNHEALTHY, now);
      this.#table.clearFlag(entry.slot, UNCHECKED, now);
    }
  }

  /** Checks every endpoint at once, then every interval (plus jitter). */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    for (const entry of this.#checks.values()) this.#schedule(entry, 0);
  }

  stop(): void {
    this.#started = false;
    for (const entry of this.#checks.values()) this.#halt(entry);
  }

  /** The active-health status of a slot, if a check covers it. */
  status(slot: number): HealthStatus | undefined {
    for (const entry of this.#checks.values()) if (entry.slot === slot) return entry.state.status;
    return undefined;
  }

  #statusInTable(slot: number): HealthStatus {
    const state = this.#table.state(slot);
    if ((state & UNHEALTHY) !== 0) return 'unhealthy';
    return (state & UNCHECKED) !== 0 ? 'unchecked' : 'healthy';
  }

  #schedule(entry: EndpointCheck, delayMs: number): void {
    const round = entry.round;
    entry.cancel = this.#scheduler.after(delayMs, () => {
      entry.cancel = undefined;
      void this.#probes[entry.check.type](entry.target, entry.check).then((passed) => {
        if (entry.round === round) this.#onResult(entry, passed);
      });
    });
  }

  #onResult(entry: EndpointCheck, passed: boolean): void {
    this.#events.result(entry.cluster, passed);
    const status = entry.state.record(passed);
    const now = this.#scheduler.now();
    const table = this.#table;
    if (status === 'healthy') {
      table.clearFlag(entry.slot, UNHEALTHY, now);
      table.clearFlag(entry.slot, UNCHECKED, now);
    } else if (status === 'unhealthy') {
      table.setFlag(entry.slot, UNHEALTHY);
      table.clearFlag(entry.slot, UNCHECKED, now);
    }
    const { intervalMs, jitterMs } = entry.check;
    this.#schedule(entry, intervalMs + Math.floor(this.#random.next() * jitterMs));
  }

  #halt(entry: EndpointCheck): void {
    entry.round++;
    entry.cancel?.();
    entry.cancel = undefined;
  }
}
