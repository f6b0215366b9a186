// Upstream statistics of a worker as plain numbers: requests per endpoint by status class, and per
// cluster the request timeouts and the connect-time histogram. Resolved once per snapshot (`update`);
// series of endpoints and clusters that left the configuration are dropped with them.
import type { ErrorCode } from '../errors.js';
import type { ClusterSnapshot } from '../snapshot.js';
import { HistogramCells } from './histogram-cells.js';
import { summedMetric, type Labels, type MetricJson, type MetricSample } from './metric-json.js';
import { metricNames } from './metric-names.js';
import { STATUS_CLASSES, statusClassIndex } from './status-class.js';

export const CONNECT_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** Requests sent to one endpoint, or to one cluster when endpoint labels are off. */
export class UpstreamStats {
  readonly cluster: ClusterStats;
  readonly #labels: Labels;
  readonly #byClass = new Float64Array(STATUS_CLASSES.length);

  constructor(cluster: ClusterStats, labels: Labels) {
    this.cluster = cluster;
    this.#labels = labels;
  }

  /**
   * The request to the endpoint ended with `status` (a gateway failure: the status Sluice answered);
   * `error`: the code of that failure, if any (a timeout is also counted for the cluster).
   */
  record(status: number, error?: ErrorCode): void {
    this.#byClass[statusClassIndex(status)]!++;
    if (error === 'upstream_timeout') this.cluster.countTimeout();
  }

  samples(): MetricSample[] {
    const samples: MetricSample[] = [];
    this.#byClass.forEach((value, statusClass) => {
      if (value > 0) samples.push({ labels: { ...this.#labels, code_class: STATUS_CLASSES[statusClass]! }, value });
    });
    return samples;
  }
}

export class ClusterStats {
  readonly name: string;
  /** Seconds from starting a TCP connect to an endpoint until it is established. */
  readonly connectTimes = new HistogramCells(CONNECT_BUCKETS_SECONDS);
  #timeouts = 0;

  constructor(name: string) {
    this.name = name;
  }

  /** A request ran past its deadline (answered 504 `upstream_timeout`). */
  countTimeout(): void {
    this.#timeouts++;
  }

  get timeouts(): number {
    return this.#timeouts;
  }
}

export type UpstreamStatsOf = (cluster: string, address: string) => UpstreamStats;

export class UpstreamStatsSet {
  #endpoints = new Map<string, UpstreamStats>();
  #clusters = new Map<string, ClusterStats>();

  /** The stats of every endpoint of `clusters` (kept from the last snapshot where the labels are the same). */
  update(clusters: readonly ClusterSnapshot[], endpointLabels: boolean): UpstreamStatsOf {
    const endpoints = new Map<string, UpstreamStats>();
    const clusterStats = new Map<string, ClusterStats>();
    for (const cluster of clusters) {
      const stats = this.#clusters.get(cluster.name) ?? new ClusterStats(cluster.name);
      clusterStats.set(cluster.name, stats);
      for (const { address } of endpointLabels ? cluster.endpoints : [{ address: '' }]) {
        const key = `${cluster.name}\u0000${address}`;
        const labels: Labels = endpointLabels ? { cluster: cluster.name, endpoint: address } : { cluster: cluster.name };
        endpoints.set(key, endpoints.get(key) ?? this.#endpoints.get(key) ?? new UpstreamStats(stats, labels));
      }
    }
    this.#endpoints = endpoints;
    this.#clusters = clusterStats;
    return endpointLabels
      ? (cluster, address) => endpoints.get(`${cluster}\u0000${address}`)!
      : (cluster) => endpoints.get(`${cluster}\u0000`)!;
  }

  cluster(name: string): ClusterStats {
    return this.#clusters.get(name)!;
  }

  toJson(): MetricJson[] {
    const clusters = [...this.#clusters.values()];
    return [
      summedMetric(metricNames.upstreamRequests, 'Requests sent to endpoints, by cluster, endpoint and status class (gateway failures as the status Sluice answered).', 'counter',
        [...this.#endpoints.values()].flatMap((stats) => stats.samples())),
      summedMetric(metricNames.upstreamTimeouts, 'Requests that ran past their deadline, by cluster.', 'counter',
        clusters.filter((stats) => stats.timeouts > 0).map((stats) => ({ labels: { cluster: stats.name }, value: stats.timeouts }))),
      summedMetric(metricNames.upstreamConnectDuration, 'Time to establish a TCP connection to an endpoint, by cluster.', 'histogram',
        clusters.flatMap((stats) => stats.connectTimes.samples(metricNames.upstreamConnectDuration, { cluster: stats.name }))),
    ];
  }
}
