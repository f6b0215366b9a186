// The main thread's half of outlier detection, per cluster and every `interval` (Envoy's interval
// timer): returns ejected endpoints whose time is up, ejects on success rate and failure percentage,
// decays the back-off of endpoints that stayed in, and keeps the books on the ejections workers make
// for consecutive errors. It never sees requests: outcomes arrive through the EndpointTable.
import { EndpointState, type EndpointTable } from '../balancing/endpoint-table.js';
import type { Random } from '../balancing/random.js';
import type { Scheduler } from '../control/scheduler.js';
import type { OutlierDetectionSnapshot, OutlierReason, Snapshot } from '../snapshot.js';
import { eject, ejectionDurationMs, enforces, type EjectionResult } from './ejection.js';
import type { ConsecutiveErrorReport } from './outcome-recorder.js';
import { statisticalOutliers, type IntervalSample } from './success-rate.js';

/** Where the detector's counts go (main-thread metrics); "detected" and "enforced" apart, as in Envoy. */
export interface OutlierEvents {
  detected(cluster: string, reason: OutlierReason): void;
  enforced(cluster: string, reason: OutlierReason): void;
  /** Detected, but ejecting it would take the cluster past maxEjectionPercent. */
  overflow(cluster: string, reason: OutlierReason): void;
}

/** An endpoint's ejection as the admin shows it. */
export interface EjectionView {
  readonly ejected: boolean;
  /** The back-off count (grows per ejection, decays while the endpoint stays in). */
  readonly count: number;
  readonly ejectedAt?: number;
  readonly returnsAt?: number;
}

interface ClusterState {
  readonly name: string;
  readonly config: OutlierDetectionSnapshot;
  readonly configKey: string;
  slots: readonly number[];
  cancel: (() => void) | undefined;
}

interface SlotRecord {
  ejectedAt?: number;
  unejectedAt?: number;
}

const { EJECTED } = EndpointState;

export class OutlierDetector {
  readonly #table: EndpointTable;
  readonly #scheduler: Scheduler;
  readonly #random: Random;
  readonly #events: OutlierEvents;
  readonly #clusters = new Map<string, ClusterState>();
  readonly #records = new Map<number, SlotRecord>();
  #started = false;

  constructor(table: EndpointTable, scheduler: Scheduler, random: Random, events: OutlierEvents) {
    this.#table = table;
    this.#scheduler = scheduler;
    this.#random = random;
    this.#events = events;
  }

  /** Follows a new snapshot: new clusters are watched, changed ones re-armed, dropped ones let go. */
  update(snapshot: Snapshot): void {
    const seen = new Set<string>();
    const watchedSlots = new Set<number>();
    for (const cluster of snapshot.clusters) {
      const config = cluster.outlierDetection;
      if (config === undefined) continue;
      seen.add(cluster.name);
      const slots = cluster.endpoints.map((endpoint) => endpoint.slot);
      for (const slot of slots) watchedSlots.add(slot);
      const configKey = JSON.stringify(config);
      const existing = this.#clusters.get(cluster.name);
      if (existing !== undefined && existing.configKey === configKey) {
        this.#releaseSlots(existing.slots.filter((slot) => !slots.includes(slot)));
        existing.slots = slots;
        continue;
      }
      existing?.cancel?.();
      const state: ClusterState = { name: cluster.name, config, configKey, slots, cancel: undefined };
      this.#clusters.set(cluster.name, state);
      if (this.#started) this.#arm(state);
    }
    for (const [name, state] of this.#clusters) {
      if (seen.has(name)) continue;
      state.cancel?.();
      this.#clusters.delete(name);
      this.#releaseSlots(state.slots.filter((slot) => !watchedSlots.has(slot)));
    }
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    for (const state of this.#clusters.values()) this.#arm(state);
  }

  stop(): void {
    this.#started = false;
    for (const state of this.#clusters.values()) {
      state.cancel?.();
      state.cancel = undefined;
    }
  }

  /** A worker's consecutive-error detection (it has ejected the endpoint already when it could). */
  onWorkerReport(report: ConsecutiveErrorReport): void {
    const state = this.#clusters.get(report.cluster);
    if (state === undefined || !state.slots.includes(report.slot)) {
      // The cluster lost outlier detection (or the endpoint) while the report was on its way.
      if (report.result === 'ejected') this.#uneject(report.slot);
      return;
    }
    this.#count(state.name, report.reason, report.result);
    if (report.result === 'ejected') this.#recordOf(report.slot).ejectedAt = this.#scheduler.now();
  }

  ejection(slot: number): EjectionView {
    const ejected = (this.#table.state(slot) & EJECTED) !== 0;
    const count = this.#table.ejectionCount(slot);
    const ejectedAt = this.#records.get(slot)?.ejectedAt;
    if (!ejected || ejectedAt === undefined) return { ejected, count };
    const config = [...this.#clusters.values()].find((state) => state.slots.includes(slot))?.config;
    return config === undefined ? { ejected, count, ejectedAt } : { ejected, count, ejectedAt, returnsAt: ejectedAt + ejectionDurationMs(count, config) };
  }

  /** One interval of one cluster, in Envoy's order. */
  #sweep(state: ClusterState): void {
    const now = this.#scheduler.now();
    const { config, slots } = state;
    const table = this.#table;
    const samples: IntervalSample[] = [];
    for (const slot of slots) {
      const ejected = (table.state(slot) & EJECTED) !== 0;
      if (ejected) this.#returnIfDue(slot, config, now);
      // Every slot's interval counters restart, ejected or not (Envoy swaps every bucket).
      const successes = table.takeIntervalSuccesses(slot);
      const total = successes + table.takeIntervalFailures(slot);
      if (!ejected && total > 0) samples.push({ slot, successes, total });
    }
    const outliers = statisticalOutliers(samples, slots.length, config);
    for (const slot of outliers.successRate) this.#ejectOutlier(state, slot, 'success_rate', now);
    for (const slot of outliers.failurePercentage) {
      if ((table.state(slot) & EJECTED) === 0) this.#ejectOutlier(state, slot, 'failure_percentage', now);
    }
    for (const slot of slots) {
      if ((table.state(slot) & EJECTED) !== 0) continue;
      const unejectedAt = this.#records.get(slot)?.unejectedAt;
      const count = table.ejectionCount(slot);
      if (unejectedAt !== undefined && now - unejectedAt >= config.intervalMs && count > 0) table.setEjectionCount(slot, count - 1);
    }
  }

  #arm(state: ClusterState): void {
    state.cancel = this.#scheduler.after(state.config.intervalMs, () => {
      this.#sweep(state);
      if (this.#clusters.get(state.name) === state && this.#started) this.#arm(state);
    });
  }

  #returnIfDue(slot: number, config: OutlierDetectionSnapshot, now: number): void {
    const record = this.#recordOf(slot);
    // Ejected by a worker whose report has not arrived yet: its time starts now.
    record.ejectedAt ??= now;
    if (now - record.ejectedAt >= ejectionDurationMs(this.#table.ejectionCount(slot), config)) this.#uneject(slot);
  }

  #ejectOutlier(state: ClusterState, slot: number, reason: OutlierReason, now: number): void {
    const result = eject(this.#table, state.slots, slot, state.config, enforces(state.config.enforcing[reason], this.#random));
    this.#count(state.name, reason, result);
    if (result === 'ejected') this.#recordOf(slot).ejectedAt = now;
  }

  #count(cluster: string, reason: OutlierReason, result: EjectionResult): void {
    if (result === 'already_ejected') return;
    this.#events.detected(cluster, reason);
    if (result === 'ejected') this.#events.enforced(cluster, reason);
    else if (result === 'overflow') this.#events.overflow(cluster, reason);
  }

  #uneject(slot: number): void {
    const now = this.#scheduler.now();
    this.#table.clearFlag(slot, EJECTED, now);
    // A clean record, so a couple of errors right after the return do not eject it again.
    this.#table.clearConsecutive(slot);
    const record = this.#recordOf(slot);
    record.ejectedAt = undefined;
    record.unejectedAt = now;
  }

  /** Slots no longer watched: back in service, their records forgotten. */
  #releaseSlots(slots: readonly number[]): void {
    for (const slot of slots) {
      if ((this.#table.state(slot) & EJECTED) !== 0) this.#uneject(slot);
      this.#records.delete(slot);
    }
  }

  #recordOf(slot: number): SlotRecord {
    let record = this.#records.get(slot);
    if (record === undefined) this.#records.set(slot, (record = {}));
    return record;
  }
}
