// The data-plane worker threads: spawns them, delivers snapshots and tracks which version each has
// applied, gathers their metrics, replaces a worker that dies, and drains them all at shutdown.
import { Worker } from 'node:worker_threads';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import { log, type LogLevel } from '../log.js';
import type { Snapshot } from '../snapshot.js';
import type { ConsecutiveErrorReport } from '../outlier/outcome-recorder.js';
import type { FromWorker, ListenerFd, ToWorker, WorkerData } from './messages.js';
import { RestartBackoff } from './restart-backoff.js';

export type WorkerMetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/** How one worker answered a snapshot. */
export type ApplyOutcome =
  | { readonly index: number; readonly result: 'applied' }
  | { readonly index: number; readonly result: 'rejected'; readonly error: string }
  | { readonly index: number; readonly result: 'exited' };

export interface WorkerPoolOptions {
  readonly count: number;
  readonly shared: Omit<WorkerData, 'index'>;
  /** The snapshot a replacement worker must run, if one has been published. */
  readonly currentSnapshot: () => Snapshot | undefined;
  /** This worker's own duplicates of the listening sockets of `snapshot`. */
  readonly duplicatesFor: (snapshot: Snapshot) => ListenerFd[];
  /** A worker detected a consecutive-error outlier. */
  readonly onOutlier?: (report: ConsecutiveErrorReport) => void;
  /** A worker refused a snapshot (it keeps running its previous one). */
  readonly onRejected: (index: number, version: number, error: string) => void;
  readonly now?: () => number;
  readonly backoff?: RestartBackoff;
  /** The worker's module; the data plane's worker-main unless a test stands in for it. */
  readonly entry?: URL;
  /** Node flags of the worker threads; default: those of this process. */
  readonly execArgv?: string[];
}

interface LiveWorker {
  readonly index: number;
  readonly thread: Worker;
  readonly startedAt: number;
  /** The last version this worker applied. */
  version: number | undefined;
  /** Why it refused the last snapshot it refused, until it applies one. */
  lastError: string | undefined;
  /** Snapshot deliveries waiting for an answer, by version. */
  readonly awaiting: Map<number, (outcome: ApplyOutcome) => void>;
  readonly exited: Promise<void>;
}

const workerEntry = new URL('../worker/worker-main.js', import.meta.url);

export class WorkerPool {
  readonly #options: WorkerPoolOptions;
  readonly #now: () => number;
  readonly #backoff: RestartBackoff;
  readonly #live = new Map<number, LiveWorker>();
  readonly #restartTimers = new Set<NodeJS.Timeout>();
  readonly #metricRequests = new Map<number, (metrics: WorkerMetricsJson) => void>();
  #nextMetricRequest = 1;
  #stopping = false;
  #logLevel: LogLevel;

  constructor(options: WorkerPoolOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#backoff = options.backoff ?? new RestartBackoff();
    this.#logLevel = options.shared.logLevel;
  }

  /** Spawns the workers; resolves once each has answered the current snapshot (if there is one). */
  start(): Promise<ApplyOutcome[]> {
    const deliveries: Promise<ApplyOutcome>[] = [];
    for (let index = 0; index < this.#options.count; index++) {
      const delivery = this.#spawn(index);
      if (delivery !== undefined) deliveries.push(delivery);
    }
    return Promise.all(deliveries);
  }

  get liveCount(): number {
    return this.#live.size;
  }

  /** Live workers, the version each has applied and why it refused a later one (if it did), by index. */
  versions(): { index: number; version: number | undefined; lastError: string | undefined }[] {
    return [...this.#live.values()]
      .sort((a, b) => a.index - b.index)
      .map(({ index, version, lastError }) => ({ index, version, lastError }));
  }

  /** Every live worker logs at `level` from now on, and so do replacements. */
  setLogLevel(level: LogLevel): void {
    this.#logLevel = level;
    for (const worker of this.#live.values()) this.#send(worker, { type: 'logLevel', level });
  }

  /** Every live worker opens its access log file again (log rotation). */
  reopenLogs(): void {
    for (const worker of this.#live.values()) this.#send(worker, { type: 'reopenLogs' });
  }

  /** Sends `snapshot` to every live worker; resolves once each has applied it, rejected it or exited. */
  publish(snapshot: Snapshot): Promise<ApplyOutcome[]> {
    return Promise.all([...this.#live.values()].map((worker) => this.#deliver(worker, snapshot)));
  }

  /** Every live worker's metrics; a worker that does not answer within `timeoutMs` is skipped. */
  async collectMetrics(timeoutMs: number): Promise<WorkerMetricsJson[]> {
    const answers = await Promise.all([...this.#live.values()].map((worker) => this.#askMetrics(worker, timeoutMs)));
    return answers.filter((answer): answer is WorkerMetricsJson => answer !== undefined);
  }

  /** Asks every worker to drain and waits for them to exit; those still running after `timeoutMs` are terminated. */
  async drain(timeoutMs: number): Promise<void> {
    this.#stopping = true;
    for (const timer of this.#restartTimers) clearTimeout(timer);
    this.#restartTimers.clear();
    const workers = [...this.#live.values()];
    for (const worker of workers) this.#send(worker, { type: 'drain' });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs); });
    const outcome = await Promise.race([Promise.all(workers.map((worker) => worker.exited)), deadline]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      const stragglers = [...this.#live.values()];
      log.warn('workers did not finish draining in time; terminating them', { workers: stragglers.map((w) => w.index) });
      await Promise.all(stragglers.map((worker) => worker.thread.terminate()));
    }
  }

  #spawn(index: number): Promise<ApplyOutcome> | undefined {
    const workerData: WorkerData = { ...this.#options.shared, logLevel: this.#logLevel, index };
    const thread = new Worker(this.#options.entry ?? workerEntry, { workerData, execArgv: this.#options.execArgv });
    const worker: LiveWorker = {
      index,
      thread,
      startedAt: this.#now(),
      version: undefined,
      lastError: undefined,
      awaiting: new Map(),
      exited: new Promise((resolve) => thread.once('exit', () => resolve())),
    };
    this.#live.set(index, worker);
    thread.on('message', (message: FromWorker) => this.#onMessage(worker, message));
    thread.on('error', (error) => log.error('worker crashed', { worker: index, error: String(error) }));
    thread.once('exit', (code) => this.#onExit(worker, code));
    const current = this.#options.currentSnapshot();
    return current === undefined ? undefined : this.#deliver(worker, current);
  }

  #deliver(worker: LiveWorker, snapshot: Snapshot): Promise<ApplyOutcome> {
    return new Promise((resolve) => {
      worker.awaiting.set(snapshot.version, resolve);
      this.#send(worker, { type: 'snapshot', snapshot, listenerFds: this.#options.duplicatesFor(snapshot) });
    });
  }

  #askMetrics(worker: LiveWorker, timeoutMs: number): Promise<WorkerMetricsJson | undefined> {
    const id = this.#nextMetricRequest++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#metricRequests.delete(id);
        resolve(undefined);
      }, timeoutMs);
      this.#metricRequests.set(id, (metrics) => {
        clearTimeout(timer);
        this.#metricRequests.delete(id);
        resolve(metrics);
      });
      this.#send(worker, { type: 'metrics', id });
    });
  }

  #send(worker: LiveWorker, message: ToWorker): void {
    worker.thread.postMessage(message);
  }

  #onMessage(worker: LiveWorker, message: FromWorker): void {
    switch (message.type) {
      case 'applied':
        worker.version = message.version;
        worker.lastError = undefined;
        this.#settle(worker, message.version, { index: worker.index, result: 'applied' });
        return;
      case 'rejected':
        worker.lastError = `version ${message.version}: ${message.error}`;
        this.#options.onRejected(worker.index, message.version, message.error);
        this.#settle(worker, message.version, { index: worker.index, result: 'rejected', error: message.error });
        return;
      case 'metrics':
        this.#metricRequests.get(message.id)?.(message.metrics);
        return;
      case 'outlier':
        this.#options.onOutlier?.(message.report);
        return;
      case 'drained':
        log.debug('worker drained', { worker: worker.index });
        return;
    }
  }

  #settle(worker: LiveWorker, version: number, outcome: ApplyOutcome): void {
    const resolve = worker.awaiting.get(version);
    worker.awaiting.delete(version);
    resolve?.(outcome);
  }

  #onExit(worker: LiveWorker, code: number): void {
    this.#live.delete(worker.index);
    for (const resolve of worker.awaiting.values()) resolve({ index: worker.index, result: 'exited' });
    worker.awaiting.clear();
    if (this.#stopping) return;
    const delayMs = this.#backoff.delayAfterDeath(this.#now() - worker.startedAt);
    log.warn('worker exited unexpectedly; replacing it', { worker: worker.index, code, restartInMs: delayMs });
    const timer = setTimeout(() => {
      this.#restartTimers.delete(timer);
      void this.#spawn(worker.index);
      log.info('worker replaced', { worker: worker.index });
    }, delayMs);
    this.#restartTimers.add(timer);
  }
}
