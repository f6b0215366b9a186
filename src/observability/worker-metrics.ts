// The metrics a worker records. Per-request series live in RouteStats and UpstreamStats (resolved once
// per snapshot, plain numbers per request); the rest are ordinary prom-client metrics touched per
// connection, or read when gathered.
import { Counter, Gauge, Registry } from 'prom-client';
import { errorTable, type ErrorCode } from '../errors.js';
import { breakerNames, type BreakerName } from '../resilience/circuit-breakers.js';
import type { ClusterSnapshot } from '../snapshot.js';
import type { MetricJson } from './metric-json.js';
import { metricNames } from './metric-names.js';
import { RouteStatsSet, type RouteStats } from './route-stats.js';

/** RFC 9113 §7 error names, indexed by code. */
const HTTP2_ERROR_NAMES = [
  'NO_ERROR', 'PROTOCOL_ERROR', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR', 'SETTINGS_TIMEOUT', 'STREAM_CLOSED', 'FRAME_SIZE_ERROR',
  'REFUSED_STREAM', 'CANCEL', 'COMPRESSION_ERROR', 'CONNECT_ERROR', 'ENHANCE_YOUR_CALM', 'INADEQUATE_SECURITY', 'HTTP_1_1_REQUIRED',
] as const;
import { UpstreamStatsSet, type ClusterStats, type UpstreamStatsOf } from './upstream-stats.js';

/** A listener's TLS handshake counters, resolved once per snapshot. */
export interface TlsHandshakeCounters {
  readonly completed: Counter.Internal;
  readonly failed: Counter.Internal;
}

export class WorkerMetrics {
  readonly registry = new Registry();
  readonly #routes = new RouteStatsSet();
  readonly #upstreams = new UpstreamStatsSet();
  /** Every listener name this worker has run, by its stable id; names are only ever added. */
  readonly #listenerNames: string[] = [];
  /** Downstream requests in flight: exchanges add and subtract, the gauge reads it when gathered. */
  activeRequests = 0;
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
  readonly #tlsHandshakes = new Counter({
    name: metricNames.tlsHandshakes,
    help: 'TLS handshakes completed, by listener.',
    labelNames: ['listener'] as const,
    registers: [this.registry],
  });
  readonly #tlsHandshakeErrors = new Counter({
    name: metricNames.tlsHandshakeErrors,
    help: 'TLS handshakes that failed, by listener.',
    labelNames: ['listener'] as const,
    registers: [this.registry],
  });
  /** Connections this worker accepted. */
  readonly accepted: Counter.Internal;
  /** One child per error code, resolved at start. */
  readonly localReplies: Readonly<Record<ErrorCode, Counter.Internal>>;
  /** By HTTP/2 error code (RFC 9113 §7; the index is the code); codes past the table count as UNKNOWN. */
  readonly #http2ConnectionErrors: readonly Counter.Internal[];

  constructor(workerIndex: number) {
    const metrics = this;
    new Gauge({
      name: metricNames.activeRequests,
      help: 'Downstream requests in flight.',
      registers: [this.registry],
      collect() { this.set(metrics.activeRequests); },
    });
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
    const http2ConnectionErrors = new Counter({
      name: metricNames.http2ConnectionErrors,
      help: 'HTTP/2 connections Sluice\'s engine closed with a GOAWAY for a protocol error or a flood, by error code.',
      labelNames: ['code'] as const,
      registers: [this.registry],
    });
    this.#http2ConnectionErrors = [...HTTP2_ERROR_NAMES, 'UNKNOWN'].map((code) => http2ConnectionErrors.labels({ code }));
  }

  /** An HTTP/2 connection closed by Sluice's engine for a connection error with `code`. */
  http2ConnectionError(code: number): void {
    const errors = this.#http2ConnectionErrors;
    errors[Math.min(code, errors.length - 1)]!.inc();
  }

  /** A cluster's retry counter and overflow counters, resolved once per snapshot. */
  clusterResilience(cluster: string): { retries: Counter.Internal; overflows: Record<BreakerName, Counter.Internal> } {
    const overflows = {} as Record<BreakerName, Counter.Internal>;
    for (const breaker of breakerNames) overflows[breaker] = this.#overflows.labels({ cluster, breaker });
    return { retries: this.#retries.labels({ cluster }), overflows };
  }

  /**
   * A listener's id for the worker's life. A connection keeps the listener it was accepted on across
   * reloads, so route stats are indexed by this id, never by a position in one snapshot.
   */
  listenerId(name: string): number {
    const id = this.#listenerNames.indexOf(name);
    return id >= 0 ? id : this.#listenerNames.push(name) - 1;
  }

  /** The stats of one route on one listener; the same object for the same labels across snapshots. */
  routeStats(listener: string, route: string, cluster: string): RouteStats {
    return this.#routes.for(listener, route, cluster);
  }

  /** The stats of one route on every listener, indexed by `listenerId`. */
  routeStatsByListener(route: string, cluster: string): RouteStats[] {
    return this.#listenerNames.map((listener) => this.#routes.for(listener, route, cluster));
  }

  /** Upstream stats for a snapshot's clusters: per endpoint, or per cluster when `endpointLabels` is false. */
  updateUpstreams(clusters: readonly ClusterSnapshot[], endpointLabels: boolean): UpstreamStatsOf {
    return this.#upstreams.update(clusters, endpointLabels);
  }

  /** Timeouts and connect times of a cluster of the last `updateUpstreams`. */
  clusterStats(cluster: string): ClusterStats {
    return this.#upstreams.cluster(cluster);
  }

  tlsHandshakeCounters(listener: string): TlsHandshakeCounters {
    return { completed: this.#tlsHandshakes.labels({ listener }), failed: this.#tlsHandshakeErrors.labels({ listener }) };
  }

  /** Everything this worker records, as prom-client metric JSON for the admin's aggregator. */
  async toJson(): Promise<MetricJson[]> {
    return [...(await this.registry.getMetricsAsJSON()), ...this.#routes.toJson(), ...this.#upstreams.toJson()];
  }
}
