// The control plane's conductor: turns configuration into snapshots, owns the listening sockets and
// the EndpointTable, runs the workers and the admin endpoint, reloads on demand and drains on stop.
import path from 'node:path';
import { EndpointTable } from '../balancing/endpoint-table.js';
import { systemRandom } from '../balancing/random.js';
import { SlotAllocator } from '../balancing/slot-allocator.js';
import { buildSnapshot, formatProblems, loadConfigFile, type ConfigResult, type SluiceConfig, type ZoneSources } from '../config/index.js';
import { HealthChecker } from '../health/health-checker.js';
import { KubernetesOverlay } from '../kubernetes/kubernetes-overlay.js';
import { configureLog, log, logLevel, type LogLevel } from '../log.js';
import { MainMetrics } from '../observability/main-metrics.js';
import { OutlierDetector } from '../outlier/outlier-detector.js';
import type { Snapshot } from '../snapshot.js';
import { formatHostPort, type HostPort } from './admin-address.js';
import { startAdminServer, type AdminServer, type AdminView, type ListenerAddress, type ReloadError } from './admin-server.js';
import { watchFiles, type ConfigWatcher } from './config-watcher.js';
import { ListenerSockets } from './listener-sockets.js';
import { systemScheduler } from './scheduler.js';
import { WorkerPool, type ApplyOutcome } from './worker-pool.js';

export const ENDPOINT_TABLE_CAPACITY = 16_384;
/** Workers get the snapshot's drain timeout plus this much before they are terminated. */
const DRAIN_GRACE_MS = 5_000;
const METRICS_WAIT_MS = 2_000;

export interface SupervisorOptions {
  /** The validated configuration to start with. */
  readonly config: SluiceConfig;
  /** Reloaded on SIGHUP (`reload()`) and whenever it changes; without it the configuration is fixed. */
  readonly configFile?: string;
  readonly workers: number;
  readonly admin: HostPort;
  readonly logLevel: LogLevel;
  /** The admin bearer token from the command line or the environment; wins over the file's `admin.token`. */
  readonly adminToken?: string;
  /** The proxy's zone from --zone (beats the configuration) and from SLUICE_ZONE (loses to it). */
  readonly zoneSources?: ZoneSources;
}

const endpointKey = (cluster: string, address: string) => `${cluster}/${address}`;

function endpointKeys(snapshot: Snapshot): string[] {
  // The empty address is the cluster's own slot (circuit-breaker counters).
  return snapshot.clusters.flatMap((cluster) => [endpointKey(cluster.name, ''), ...cluster.endpoints.map((endpoint) => endpointKey(cluster.name, endpoint.address))]);
}

/** Listener certificates and keys, and the CA files of clusters: a change to any of them reloads. */
function certificateFiles(snapshot: Snapshot): string[] {
  const listenerFiles = snapshot.listeners.flatMap(({ tls }) => (tls === undefined ? [] : [...tls.certificates, tls.defaultCertificate])
    .flatMap((certificate) => ('certFile' in certificate ? [certificate.certFile, certificate.keyFile] : [])));
  const caFiles = snapshot.clusters.flatMap(({ tls }) => (tls?.caFile === undefined ? [] : [tls.caFile]));
  return [...listenerFiles, ...caFiles];
}

function describeFailures(outcomes: readonly ApplyOutcome[]): string[] {
  return outcomes.flatMap((outcome) =>
    outcome.result === 'rejected' ? [`worker ${outcome.index} rejected it: ${outcome.error}`]
      : outcome.result === 'exited' ? [`worker ${outcome.index} exited before applying it`]
      : []);
}

export class Supervisor {
  readonly #options: SupervisorOptions;
  readonly #table = EndpointTable.create(ENDPOINT_TABLE_CAPACITY);
  readonly #slots = new SlotAllocator(this.#table);
  readonly #sockets = new ListenerSockets();
  readonly #pool: WorkerPool;
  readonly #metrics: MainMetrics;
  readonly #outliers: OutlierDetector;
  readonly #health: HealthChecker;
  #snapshot: Snapshot | undefined;
  /** The configuration file as last read (valid); the current snapshot is built from it plus what Kubernetes adds. */
  #fileConfig: SluiceConfig;
  /** The next rebuild reads the configuration file again (a reload, not a Kubernetes change). */
  #fileChanged = false;
  #kubernetes: KubernetesOverlay | undefined;
  #lastReloadError: ReloadError | null = null;
  #draining = false;
  #admin: AdminServer | undefined;
  #watcher: ConfigWatcher | undefined;
  #reloading: Promise<void> | undefined;
  #reloadAgain = false;
  #stopping: Promise<void> | undefined;

  constructor(options: SupervisorOptions) {
    this.#options = options;
    this.#fileConfig = options.config;
    this.#pool = new WorkerPool({
      count: options.workers,
      shared: { endpointTable: this.#table.buffer, logLevel: options.logLevel },
      currentSnapshot: () => this.#snapshot,
      duplicatesFor: (snapshot) => this.#sockets.duplicatesFor(snapshot.listeners),
      onOutlier: (report) => this.#outliers.onWorkerReport(report),
      onRejected: (index, version, error) => {
        log.error('worker rejected snapshot', { worker: index, version, error });
        this.#recordError(`worker ${index} rejected version ${version}: ${error}`);
      },
    });
    this.#metrics = new MainMetrics({ snapshot: () => this.#snapshot, table: this.#table, liveWorkers: () => this.#pool.liveCount });
    this.#outliers = new OutlierDetector(this.#table, systemScheduler, systemRandom, this.#metrics.outlierEvents);
    this.#health = new HealthChecker(this.#table, systemScheduler, systemRandom, this.#metrics.healthEvents);
  }

  /** Binds the listeners and the admin endpoint, starts the workers and waits until all run version 1. */
  async start(): Promise<void> {
    // Before anything binds: a kubeconfig that cannot be read stops the start with its reason.
    this.#kubernetes = this.#kubernetesOverlay();
    const snapshot = this.#build(this.#options.config, 1);
    this.#sockets.open(snapshot.listeners);
    try {
      this.#admin = await startAdminServer(this.#adminView(), this.#options.admin);
      this.#publishToMainThread(snapshot);
      const failures = describeFailures(await this.#pool.start());
      if (failures.length > 0) throw new Error(`the workers could not start with the configuration: ${failures.join('; ')}`);
    } catch (error) {
      await this.#shutdown(0);
      throw error;
    }
    this.#outliers.start();
    this.#health.start();
    this.#watchConfigFiles();
    this.#kubernetes?.start();
    log.info('ready', {
      version: snapshot.version,
      listeners: Object.fromEntries(this.#listenerAddresses().map(({ name, address }) => [name, address])),
      admin: formatHostPort(this.#admin.address.host, this.#admin.address.port),
      workers: this.#pool.liveCount,
    });
  }

  /** Reloads the configuration file; reloads asked for while one runs are folded into one more. */
  reload(): Promise<void> {
    this.#fileChanged = true;
    return this.#rebuild();
  }

  /** Builds and publishes a new snapshot: the file's configuration (read again after a reload) plus Kubernetes'. */
  #rebuild(): Promise<void> {
    if (this.#reloading !== undefined) {
      this.#reloadAgain = true;
      return this.#reloading;
    }
    this.#reloading = this.#reloadUntilSettled().finally(() => { this.#reloading = undefined; });
    return this.#reloading;
  }

  /** Every worker opens its access log file again (SIGUSR1, after log rotation moved it). */
  reopenLogs(): void {
    log.info('reopening the access log');
    this.#pool.reopenLogs();
  }

  /** Fails readiness, drains the workers, then closes the admin endpoint and the listening sockets. */
  stop(): Promise<void> {
    this.#stopping ??= this.#shutdown((this.#snapshot?.drainTimeoutMs ?? 0) + DRAIN_GRACE_MS);
    return this.#stopping;
  }

  async #shutdown(drainWaitMs: number): Promise<void> {
    this.#draining = true;
    this.#watcher?.close();
    this.#kubernetes?.stop();
    this.#outliers.stop();
    this.#health.stop();
    log.info('draining', { workers: this.#pool.liveCount });
    await this.#pool.drain(drainWaitMs);
    await this.#admin?.close();
    this.#sockets.closeAll();
    log.info('stopped');
  }

  #build(config: SluiceConfig, version: number): Snapshot {
    // Endpoints added by a reload become available now (slow start ramps them up); the first ones at the epoch.
    const availableSince = version === 1 ? this.#table.epochMs : Date.now();
    return buildSnapshot(config, version, (cluster, address, initialState) => this.#slots.slotFor(endpointKey(cluster, address), initialState, availableSince), this.#options.zoneSources);
  }

  async #reloadUntilSettled(): Promise<void> {
    do {
      this.#reloadAgain = false;
      if (this.#draining) return;
      await this.#reloadOnce();
    } while (this.#reloadAgain);
  }

  async #reloadOnce(): Promise<void> {
    const current = this.#snapshot;
    if (current === undefined) return;
    let fileConfig = this.#fileConfig;
    // Only a reload of the file may have moved the access log; a Kubernetes change leaves it be.
    const fileRead = this.#fileChanged;
    if (this.#fileChanged) {
      this.#fileChanged = false;
      const file = this.#options.configFile;
      if (file === undefined) {
        log.info('reload ignored: the configuration is built in, not read from a file');
        return;
      }
      const loaded: ConfigResult = await loadConfigFile(file);
      if (!loaded.ok) return this.#reloadFailed(formatProblems(file, loaded.problems));
      fileConfig = loaded.config;
    }
    const result = this.#kubernetes?.compose(fileConfig) ?? { ok: true, config: fileConfig };
    if (!result.ok) return this.#reloadFailed(result.problems.map(({ path, message }) => `kubernetes: ${path}: ${message}`).join('\n'));

    const next = this.#build(result.config, current.version + 1);
    if (next.hash === current.hash) {
      this.#fileConfig = fileConfig; // what the snapshot leaves out (admin.token) may still have changed
      this.#kubernetes?.applied();
      if (fileRead) this.#pool.reopenLogs();
      this.#succeeded();
      log.info('config unchanged', { version: current.version });
      return;
    }
    try {
      this.#sockets.open(next.listeners);
    } catch (error) {
      this.#slots.retain(endpointKeys(current));
      return this.#reloadFailed(error instanceof Error ? error.message : String(error));
    }
    this.#publishToMainThread(next);
    this.#fileConfig = fileConfig;
    const failures = describeFailures(await this.#pool.publish(next));
    this.#sockets.retain(next.listeners.map((listener) => listener.key));
    if (failures.length > 0) {
      // A worker that refused the snapshot still counts on the old endpoints' slots: keep them.
      return this.#reloadFailed(`version ${next.version} is published but not running everywhere: ${failures.join('; ')}`);
    }
    this.#slots.retain(endpointKeys(next));
    this.#kubernetes?.applied();
    this.#watchConfigFiles();
    if (fileRead) this.#pool.reopenLogs();
    this.#succeeded();
    log.info('config reloaded', { version: next.version, hash: next.hash });
  }

  /** The snapshot becomes current for the main thread's own users: admin, outlier detection, health checks. */
  #publishToMainThread(snapshot: Snapshot): void {
    this.#snapshot = snapshot;
    this.#outliers.update(snapshot);
    this.#health.update(snapshot);
  }

  /** (Re)watches the config file and every certificate and key file the current snapshot names. */
  #watchConfigFiles(): void {
    const configFile = this.#options.configFile;
    if (configFile === undefined || this.#snapshot === undefined) return;
    const files = [configFile, ...certificateFiles(this.#snapshot)].map((file) => path.resolve(file));
    const current = this.#watcher?.files;
    if (current !== undefined && current.size === new Set(files).size && files.every((file) => current.has(file))) return;
    this.#watcher?.close();
    this.#watcher = watchFiles(files, () => void this.reload());
  }

  /** With a `kubernetes` block, the API is watched and each change rebuilds (connection settings apply at start). */
  #kubernetesOverlay(): KubernetesOverlay | undefined {
    const settings = this.#fileConfig.kubernetes;
    return settings === undefined ? undefined : new KubernetesOverlay(settings, this.#metrics.kubernetesEvents, () => void this.#rebuild());
  }

  #succeeded(): void {
    this.#lastReloadError = null;
    this.#metrics.countReload('ok');
  }

  #reloadFailed(message: string): void {
    log.error('config reload failed; still serving the last good configuration', { version: this.#snapshot?.version, problems: message });
    this.#recordError(message);
    this.#metrics.countReload('failed');
  }

  #recordError(message: string): void {
    this.#lastReloadError = { time: new Date().toISOString(), message };
  }

  #listenerAddresses(): ListenerAddress[] {
    return (this.#snapshot?.listeners ?? []).map(({ name, key, host }) =>
      ({ name, key, address: formatHostPort(host, this.#sockets.boundPort(key) ?? 0) }));
  }

  #adminView(): AdminView {
    return {
      table: this.#table,
      snapshot: () => this.#snapshot,
      ejection: (slot) => this.#outliers.ejection(slot),
      workerVersions: () => this.#pool.versions(),
      lastReloadError: () => this.#lastReloadError,
      kubernetes: () => this.#kubernetes?.status(),
      draining: () => this.#draining,
      listenerAddresses: () => this.#listenerAddresses(),
      metrics: async () => this.#metrics.render(await this.#pool.collectMetrics(METRICS_WAIT_MS)),
      logLevel,
      setLogLevel: (level) => {
        configureLog(level);
        this.#pool.setLogLevel(level);
        log.info('log level set', { level });
      },
      token: () => this.#options.adminToken ?? this.#fileConfig.admin.token,
    };
  }
}
