// The metrics a worker records. Per-request series live in RouteStats (resolved once per snapshot,
// plain numbers per request); the rest are ordinary prom-client metrics touched per connection.
import { Counter, Gauge, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { errorTable, type ErrorCode } from '../errors.js';
import { breakerNames, type BreakerName } from '../resilience/circuit-breakers.js';
import { metricNames } from './metric-names.js';
import { RouteStatsSet, type RouteStats } from './route-stats.js';

export class WorkerMetrics {
  readonly registry = new Registry();
  readonly #routes = new RouteStatsSet();
  readonly connections = new Gauge({
    name: metricNames.activeConnections,
    help: 'Downstream connections open.',
    registers: [this.registry],
  });
  /** HTTP/2 connections cut off by the rapid-reset guard. */
  readonly rapidResetCloses = new Counter({
    name: metricNames.http2RapidResetCloses,
    help: 'HTTP/2 connections closed because the client reset more than http2.maxResetsPerSecond streams in a second.',
    registers: [this.registry],
  });
  readonly #retries = new Counter({
    name: metricNames.retries,
    help: 'Retries sent to a cluster (tries after the first).',
    labelNames: ['cluster'] as const,
    registers: [this.registry],
  });
  readonly #overflows = new Counter({
    name: metricNames.circuitBreakerOverflows,
    help: 'Requests, connections and retries refused by a cluster\'s circuit breakers (retries: also the retry budget).',
    labelNames: ['cluster', 'breaker'] as const,
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
    const localReplies = new Counter({
      name: metricNames.localReplies,
      help: 'Replies Sluice generated itself, by error code.',
      labelNames: ['code'] as const,
      registers: [this.registry],
    });
    const children = {} as Record<ErrorCode, Counter.Internal>;
    for (const code of Object.keys(errorTable) as ErrorCode[]) children[code] = localReplies.labels({ code });
    this.localReplies = children;
  }

  /** A cluster's retry counter and overflow counters, resolved once per snapshot. */
  clusterResilience(cluster: string): { retries: Counter.Internal; overflows: Record<BreakerName, Counter.Internal> } {
    const overflows = {} as Record<BreakerName, Counter.Internal>;
    for (const breaker of breakerNames) overflows[breaker] = this.#overflows.labels({ cluster, breaker });
    return { retries: this.#retries.labels({ cluster }), overflows };
  }

  /** The stats of one route (and cluster); the same object for the same labels across snapshots. */
  routeStats(route: string, cluster: string): RouteStats {
    return this.#routes.for(route, cluster);
  }

  /** Everything this worker records, as prom-client metric JSON for the admin's aggregator. */
  async toJson(): Promise<MetricObjectWithValues<MetricValue<string>>[]> {
    return [...(await this.registry.getMetricsAsJSON()), ...this.#routes.toJson()];
  }
}
