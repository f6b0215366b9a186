// The main thread's metrics (config version, reloads, live workers, per-endpoint in-flight requests
// read from the EndpointTable at scrape time) and the merge of them with every worker's registry.
import { AggregatorRegistry, Counter, Gauge, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { EndpointTable } from '../balancing/endpoint-table.js';
import type { Snapshot } from '../snapshot.js';
import { metricNames } from './metric-names.js';

export type ReloadResult = 'ok' | 'failed';

/** What the scrape-time gauges read; the supervisor provides it. */
export interface MainMetricsSource {
  readonly snapshot: () => Snapshot | undefined;
  readonly table: EndpointTable;
  readonly liveWorkers: () => number;
}

export class MainMetrics {
  readonly registry = new Registry();
  readonly #reloads: Readonly<Record<ReloadResult, Counter.Internal>>;

  constructor(source: MainMetricsSource) {
    new Gauge({
      name: metricNames.configVersion,
      help: 'Version of the snapshot the control plane publishes.',
      registers: [this.registry],
      collect() { this.set(source.snapshot()?.version ?? 0); },
    });
    new Gauge({
      name: metricNames.workers,
      help: 'Live worker threads.',
      registers: [this.registry],
      collect() { this.set(source.liveWorkers()); },
    });
    new Gauge({
      name: metricNames.endpointActiveRequests,
      help: 'Requests in flight to each endpoint, across all workers.',
      labelNames: ['cluster', 'endpoint', 'zone'] as const,
      registers: [this.registry],
      collect() {
        // Endpoints removed by a reload must disappear from the output, so the series are rebuilt.
        this.reset();
        for (const cluster of source.snapshot()?.clusters ?? []) {
          for (const endpoint of cluster.endpoints) {
            this.set({ cluster: cluster.name, endpoint: endpoint.address, zone: endpoint.zone }, source.table.active(endpoint.slot));
          }
        }
      },
    });
    const reloads = new Counter({
      name: metricNames.configReloads,
      help: 'Configuration reloads, by result.',
      labelNames: ['result'] as const,
      registers: [this.registry],
    });
    this.#reloads = { ok: reloads.labels({ result: 'ok' }), failed: reloads.labels({ result: 'failed' }) };
  }

  countReload(result: ReloadResult): void {
    this.#reloads[result].inc();
  }

  /** Prometheus text of the workers' metrics merged with the main thread's. */
  async render(workerMetrics: readonly MetricObjectWithValues<MetricValue<string>>[][]): Promise<{ contentType: string; text: string }> {
    const own = await this.registry.getMetricsAsJSON();
    const merged = AggregatorRegistry.aggregate([...workerMetrics, own]);
    return { contentType: merged.contentType, text: await merged.metrics() };
  }
}
