// The main thread's metrics (config version, reloads, live workers, outlier ejections, health check
// results, per-endpoint gauges read from the EndpointTable at scrape time) and the merge of them with
// every worker's registry.
import { AggregatorRegistry, Counter, Gauge, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { EndpointState, type EndpointTable } from '../balancing/endpoint-table.js';
import type { HealthEvents } from '../health/health-checker.js';
import type { KubernetesEvents } from '../kubernetes/kubernetes-source.js';
import type { OutlierEvents } from '../outlier/outlier-detector.js';
import type { Snapshot } from '../snapshot.js';
import { metricNames } from './metric-names.js';

export type ReloadResult = 'ok' | 'failed';

/** What the scrape-time gauges read; the supervisor provides it. */
export interface MainMetricsSource {
  readonly snapshot: () => Snapshot | undefined;
  readonly table: EndpointTable;
  readonly liveWorkers: () => number;
}

/**
 * A gauge read from the EndpointTable at scrape time: per endpoint (labels cluster, endpoint, zone), or
 * summed per cluster when the snapshot turns endpoint labels off.
 */
function endpointGauge(registry: Registry, source: MainMetricsSource, name: string, help: string, read: (slot: number) => number): void {
  new Gauge({
    name,
    help,
    labelNames: ['cluster', 'endpoint', 'zone'] as const,
    registers: [registry],
    collect() {
      // Endpoints removed by a reload must disappear from the output, so the series are rebuilt.
      this.reset();
      const snapshot = source.snapshot();
      for (const cluster of snapshot?.clusters ?? []) {
        if (snapshot!.metrics.endpointLabels) {
          for (const { slot, address, zone } of cluster.endpoints) this.set({ cluster: cluster.name, endpoint: address, zone }, read(slot));
        } else {
          this.set({ cluster: cluster.name }, cluster.endpoints.reduce((sum, { slot }) => sum + read(slot), 0));
        }
      }
    },
  });
}

/** The Kubernetes source's counters; they appear once a Kubernetes source reports (a few events a minute, so labels are looked up per event). */
function kubernetesEvents(registry: Registry): KubernetesEvents {
  const events = new Counter({
    name: metricNames.kubernetesWatchEvents,
    help: 'Kubernetes watch events received, by resource and event type.',
    labelNames: ['resource', 'type'] as const,
    registers: [registry],
  });
  const perResource = (name: string, help: string) => new Counter({ name, help, labelNames: ['resource'] as const, registers: [registry] });
  const lists = perResource(metricNames.kubernetesLists, 'Full Kubernetes lists (the first sync and every relist), by resource.');
  const errors = perResource(metricNames.kubernetesWatchErrors, 'Failed Kubernetes lists and watches, by resource (each is retried).');
  const lastSync = new Gauge({
    name: metricNames.kubernetesLastSync,
    help: 'When the Kubernetes cache last heard from the API server (a list or a watch event), by resource; unix seconds.',
    labelNames: ['resource'] as const,
    registers: [registry],
  });
  return {
    watchEvent: (resource, type) => events.labels({ resource, type }).inc(),
    listed: (resource) => lists.labels({ resource }).inc(),
    heard: (resource, timeMs) => lastSync.labels({ resource }).set(timeMs / 1000),
    failed: (resource) => errors.labels({ resource }).inc(),
  };
}

export class MainMetrics {
  readonly registry = new Registry();
  readonly #reloads: Readonly<Record<ReloadResult, Counter.Internal>>;
  readonly outlierEvents: OutlierEvents;
  readonly healthEvents: HealthEvents;
  readonly kubernetesEvents: KubernetesEvents;

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
    const { table } = source;
    endpointGauge(this.registry, source, metricNames.endpointActiveRequests, 'Requests in flight to each endpoint, across all workers.',
      (slot) => source.table.active(slot));
    endpointGauge(this.registry, source, metricNames.endpointConnections, 'Open upstream connections to each endpoint, across all workers.',
      (slot) => source.table.connections(slot));
    endpointGauge(this.registry, source, metricNames.endpointHealthy, '1 unless active health checks keep the endpoint out (unhealthy or not yet passed).',
      (slot) => ((table.state(slot) & (EndpointState.UNHEALTHY | EndpointState.UNCHECKED)) === 0 ? 1 : 0));
    endpointGauge(this.registry, source, metricNames.endpointEjected, '1 while outlier detection has ejected the endpoint.',
      (slot) => ((table.state(slot) & EndpointState.EJECTED) === 0 ? 0 : 1));
    const outlierCounter = (name: string, help: string) =>
      new Counter({ name, help, labelNames: ['cluster', 'reason'] as const, registers: [this.registry] });
    const detected = outlierCounter(metricNames.outlierDetected, 'Outliers detected, by cluster and reason (ejected or not).');
    const enforced = outlierCounter(metricNames.outlierEnforced, 'Outliers ejected, by cluster and reason.');
    const overflow = outlierCounter(metricNames.outlierOverflow, 'Outliers left in because ejecting them would pass maxEjectionPercent.');
    this.outlierEvents = {
      detected: (cluster, reason) => detected.labels({ cluster, reason }).inc(),
      enforced: (cluster, reason) => enforced.labels({ cluster, reason }).inc(),
      overflow: (cluster, reason) => overflow.labels({ cluster, reason }).inc(),
    };
    const checks = new Counter({
      name: metricNames.healthChecks,
      help: 'Finished active health checks, by cluster and result.',
      labelNames: ['cluster', 'result'] as const,
      registers: [this.registry],
    });
    this.healthEvents = { result: (cluster, passed) => checks.labels({ cluster, result: passed ? 'pass' : 'fail' }).inc() };
    const reloads = new Counter({
      name: metricNames.configReloads,
      help: 'Configuration reloads, by result.',
      labelNames: ['result'] as const,
      registers: [this.registry],
    });
    this.#reloads = { ok: reloads.labels({ result: 'ok' }), failed: reloads.labels({ result: 'failed' }) };
    this.kubernetesEvents = kubernetesEvents(this.registry);
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
