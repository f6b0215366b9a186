// The metrics a worker records. Label children are resolved once per snapshot (`routeStats`), so the
// per-request cost is an increment and an observe on objects that already exist.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { errorTable, type ErrorCode } from '../errors.js';
import { metricNames } from './metric-names.js';

/** Per route (and cluster) recording handles; index `status / 100` for the status class. */
export interface RouteStats {
  readonly byClass: readonly Counter.Internal[];
  readonly duration: Histogram.Internal<string>;
}

export class WorkerMetrics {
  readonly registry = new Registry();
  readonly #requests = new Counter({
    name: metricNames.requests,
    help: 'Downstream requests answered, by route, cluster and status class.',
    labelNames: ['route', 'cluster', 'code_class'] as const,
    registers: [this.registry],
  });
  readonly #duration = new Histogram({
    name: metricNames.requestDuration,
    help: 'Time from the request head to the last byte of the response, by route and cluster.',
    labelNames: ['route', 'cluster'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly #localReplies = new Counter({
    name: metricNames.localReplies,
    help: 'Replies Sluice generated itself, by error code.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly connections = new Gauge({
    name: metricNames.activeConnections,
    help: 'Downstream connections open.',
    registers: [this.registry],
  });
  /** Connections this worker accepted. */
  readonly accepted: Counter.Internal;
  /** One child per error code, resolved at start. */
  readonly localReplies: Readonly<Record<ErrorCode, Counter.Internal>>;

  constructor(workerIndex: number) {
    this.accepted = new Counter({
      name: metricNames.workerConnections,
      help: 'Downstream connections accepted, by worker.',
      labelNames: ['worker'] as const,
      registers: [this.registry],
    }).labels({ worker: String(workerIndex) });
    const children = {} as Record<ErrorCode, Counter.Internal>;
    for (const code of Object.keys(errorTable) as ErrorCode[]) children[code] = this.#localReplies.labels({ code });
    this.localReplies = children;
  }

  routeStats(route: string, cluster: string): RouteStats {
    const byClass: Counter.Internal[] = [];
    for (let cls = 0; cls <= 5; cls++) {
      byClass.push(this.#requests.labels({ route, cluster, code_class: cls === 0 ? 'other' : `${cls}xx` }));
    }
    return { byClass, duration: this.#duration.labels({ route, cluster }) };
  }
}
