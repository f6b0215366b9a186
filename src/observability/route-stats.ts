// Per-route downstream statistics as plain numbers: requests by method and status class, the duration
// histogram and body bytes each way, for one (listener, route, cluster). prom-client hashes the label
// object on every inc/observe; here the labels are fixed when a route's stats are created (once per
// snapshot) and a request only adds to typed arrays. They reach Prometheus as prom-client metric JSON,
// merged with every other worker's by the admin's aggregator.
import { HistogramCells } from './histogram-cells.js';
import { METHOD_LABELS, OTHER_METHOD } from './method-index.js';
import { summedMetric, type MetricJson, type MetricSample } from './metric-json.js';
import { metricNames } from './metric-names.js';
import { STATUS_CLASSES, statusClassIndex } from './status-class.js';

export const DURATION_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;

export class RouteStats {
  readonly listener: string;
  readonly route: string;
  readonly cluster: string;
  /** Requests by `method index × status classes + status class index`. */
  readonly #requests = new Float64Array(METHOD_LABELS.length * STATUS_CLASSES.length);
  readonly #durations = new HistogramCells(DURATION_BUCKETS_SECONDS);
  #bytesIn = 0;
  #bytesOut = 0;

  constructor(listener: string, route: string, cluster: string) {
    this.listener = listener;
    this.route = route;
    this.cluster = cluster;
  }

  /** A request (`method`: a `methodIndex`) answered with `status` after `seconds`, with body bytes received and sent. */
  record(method: number, status: number, seconds: number, bytesIn: number, bytesOut: number): void {
    this.#requests[method * STATUS_CLASSES.length + statusClassIndex(status)]!++;
    this.#durations.observe(seconds);
    this.#bytesIn += bytesIn;
    this.#bytesOut += bytesOut;
  }

  /** A request answered with `status` whose head was refused: no method, no meaningful duration. */
  count(status: number): void {
    this.#requests[OTHER_METHOD * STATUS_CLASSES.length + statusClassIndex(status)]!++;
  }

  get #labels() {
    return { listener: this.listener, route: this.route, cluster: this.cluster };
  }

  requestSamples(): MetricSample[] {
    const samples: MetricSample[] = [];
    this.#requests.forEach((value, cell) => {
      if (value === 0) return;
      const method = METHOD_LABELS[(cell / STATUS_CLASSES.length) | 0]!;
      samples.push({ labels: { ...this.#labels, method, code_class: STATUS_CLASSES[cell % STATUS_CLASSES.length]! }, value });
    });
    return samples;
  }

  durationSamples(): MetricSample[] {
    return this.#durations.samples(metricNames.requestDuration, this.#labels);
  }

  bytesSamples(direction: 'in' | 'out'): MetricSample[] {
    const value = direction === 'in' ? this.#bytesIn : this.#bytesOut;
    return value === 0 ? [] : [{ labels: this.#labels, value }];
  }
}

/** Every RouteStats of a worker, one per (listener, route, cluster) for the worker's life, so counters stay monotonic across reloads. */
export class RouteStatsSet {
  readonly #stats = new Map<string, RouteStats>();

  for(listener: string, route: string, cluster: string): RouteStats {
    const key = `${listener}\u0000${route}\u0000${cluster}`;
    let stats = this.#stats.get(key);
    if (stats === undefined) this.#stats.set(key, (stats = new RouteStats(listener, route, cluster)));
    return stats;
  }

  toJson(): MetricJson[] {
    const all = [...this.#stats.values()];
    return [
      summedMetric(metricNames.requests, 'Downstream requests answered, by listener, route, cluster, method and status class.', 'counter',
        all.flatMap((stats) => stats.requestSamples())),
      summedMetric(metricNames.requestDuration, 'Time from the request head to the last byte of the response, by listener, route and cluster.', 'histogram',
        all.flatMap((stats) => stats.durationSamples())),
      summedMetric(metricNames.requestBodyBytes, 'Request body bytes received from clients.', 'counter',
        all.flatMap((stats) => stats.bytesSamples('in'))),
      summedMetric(metricNames.responseBodyBytes, 'Response body bytes sent to clients.', 'counter',
        all.flatMap((stats) => stats.bytesSamples('out'))),
    ];
  }
}
