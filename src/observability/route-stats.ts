// Per-route request counters and duration histograms as plain numbers. prom-client hashes the label
// object on every inc/observe; here the labels are fixed when a route's stats are created (once per
// snapshot) and a request only adds to typed arrays. They reach Prometheus as prom-client metric JSON,
// merged with every other worker's by the admin's aggregator.
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import { metricNames } from './metric-names.js';

export const DURATION_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;
const STATUS_CLASSES = ['other', '1xx', '2xx', '3xx', '4xx', '5xx'] as const;

type MetricJson = MetricObjectWithValues<MetricValue<string>>;

export class RouteStats {
  readonly route: string;
  readonly cluster: string;
  /** Requests by `status / 100` (0: no status, e.g. the client went away first). */
  readonly #byClass = new Float64Array(STATUS_CLASSES.length);
  /** Observations per bucket, not cumulative; the last slot is +Inf. */
  readonly #buckets = new Float64Array(DURATION_BUCKETS_SECONDS.length + 1);
  #sum = 0;
  #count = 0;

  constructor(route: string, cluster: string) {
    this.route = route;
    this.cluster = cluster;
  }

  /** A request answered with `status` after `seconds`. */
  record(status: number, seconds: number): void {
    this.count(status);
    let bucket = 0;
    while (bucket < DURATION_BUCKETS_SECONDS.length && seconds > DURATION_BUCKETS_SECONDS[bucket]!) bucket++;
    this.#buckets[bucket]!++;
    this.#sum += seconds;
    this.#count++;
  }

  /** A request answered with `status` whose duration means nothing (its head was refused). */
  count(status: number): void {
    const statusClass = (status / 100) | 0;
    this.#byClass[statusClass < STATUS_CLASSES.length ? statusClass : 0]!++;
  }

  requestValues(): MetricValue<string>[] {
    const values: MetricValue<string>[] = [];
    this.#byClass.forEach((value, statusClass) => {
      if (value > 0) values.push({ labels: { route: this.route, cluster: this.cluster, code_class: STATUS_CLASSES[statusClass]! }, value });
    });
    return values;
  }

  durationValues(): MetricValue<string>[] {
    if (this.#count === 0) return [];
    const labels = { route: this.route, cluster: this.cluster };
    const values: MetricValue<string>[] = [];
    let cumulative = 0;
    for (let bucket = 0; bucket <= DURATION_BUCKETS_SECONDS.length; bucket++) {
      cumulative += this.#buckets[bucket]!;
      const le = bucket < DURATION_BUCKETS_SECONDS.length ? DURATION_BUCKETS_SECONDS[bucket]! : '+Inf';
      values.push({ labels: { ...labels, le }, value: cumulative, metricName: `${metricNames.requestDuration}_bucket` } as MetricValue<string>);
    }
    values.push({ labels, value: this.#sum, metricName: `${metricNames.requestDuration}_sum` } as MetricValue<string>);
    values.push({ labels, value: this.#count, metricName: `${metricNames.requestDuration}_count` } as MetricValue<string>);
    return values;
  }
}

/** Every RouteStats of a worker, one per (route, cluster) for the worker's life, so counters stay monotonic across reloads. */
export class RouteStatsSet {
  readonly #stats = new Map<string, RouteStats>();

  for(route: string, cluster: string): RouteStats {
    const key = `${route}\u0000${cluster}`;
    let stats = this.#stats.get(key);
    if (stats === undefined) this.#stats.set(key, (stats = new RouteStats(route, cluster)));
    return stats;
  }

  /** In the JSON form `getMetricsAsJSON` produces (prom-client's typings describe the live objects). */
  toJson(): MetricJson[] {
    const all = [...this.#stats.values()];
    return [
      {
        name: metricNames.requests,
        help: 'Downstream requests answered, by route, cluster and status class.',
        type: 'counter',
        aggregator: 'sum',
        values: all.flatMap((stats) => stats.requestValues()),
      } as unknown as MetricJson,
      {
        name: metricNames.requestDuration,
        help: 'Time from the request head to the last byte of the response, by route and cluster.',
        type: 'histogram',
        aggregator: 'sum',
        values: all.flatMap((stats) => stats.durationValues()),
      } as unknown as MetricJson,
    ];
  }
}
