// A data-plane worker thread: compiles each snapshot into a Runtime and swaps it in, accepts on every
// listener, proxies, answers metric requests and drains on request. It never reads configuration.
import { parentPort, workerData } from 'node:worker_threads';
import { EndpointTable } from '../balancing/endpoint-table.js';
import { systemRandom } from '../balancing/random.js';
import type { FromWorker, ListenerFd, ToWorker, WorkerData } from '../control/messages.js';
import { HttpConnection, type ConnectionContext } from '../listeners/http-connection.js';
import { ListenerSet } from '../listeners/listener-set.js';
import { DownstreamH2 } from '../h2/downstream-h2.js';
import type { DownstreamSession } from '../h2/downstream-stream.js';
import { H2Exchange, type H2ExchangeDeps } from '../h2/h2-exchange.js';
import { StreamDeadlines } from '../h2/stream-deadlines.js';
import { configureLog, log } from '../log.js';
import { AccessLogOutputs } from '../observability/access-log/access-log.js';
import { WorkerMetrics } from '../observability/worker-metrics.js';
import { PoolSet } from '../proxy/pool-set.js';
import { Ticker } from '../proxy/ticker.js';
import type { Snapshot } from '../snapshot.js';
import { SecureContextCache } from '../tls/secure-contexts.js';
import { registeredTracer } from '../tracing/hop-span.js';
import { TraceIdSource } from '../tracing/trace-ids.js';
import type { TracingDeps } from '../tracing/tracing-runtime.js';
import { compileRuntime, type Runtime } from './runtime.js';

const data = workerData as WorkerData;
const port = parentPort!;
configureLog(data.logLevel, `worker-${data.index}`);

const table = new EndpointTable(data.endpointTable);
const ticker = new Ticker();
const metrics = new WorkerMetrics(data.index);
const pools = new PoolSet(table, ticker);
const connections = new Set<HttpConnection>();
const sessions = new Set<DownstreamSession>();
const boundPorts = new Map<string, number>();
const secureContexts = new SecureContextCache();
const traceIds = new TraceIdSource();
const tracingDeps: TracingDeps = { ids: traceIds, random: systemRandom, uuid: () => traceIds.uuid(), tracer: registeredTracer };
const accessLogs = new AccessLogOutputs();
let runtime: Runtime | undefined;
let draining = false;
let drainTimeoutMs = 30_000;

const context: ConnectionContext = {
  table,
  ticker,
  metrics,
  random: systemRandom,
  runtime: () => runtime!,
  get draining() { return draining; },
  closed(connection) {
    connections.delete(connection);
    metrics.connections.dec();
    exitIfDrained();
  },
  handOffH2(connection, buffered) {
    connections.delete(connection);
    metrics.connections.dec();
    downstreamH2.accept(connection.listener.key, connection.socket, buffered);
  },
};

const h2Context: H2ExchangeDeps = { table, metrics, deadlines: new StreamDeadlines(ticker), random: systemRandom, runtime: () => runtime! };

const downstreamH2 = new DownstreamH2({
  listenerOf: (key) => runtime?.listeners.get(key),
  onStream: (stream, headers, raw, listener, clientIp) => new H2Exchange(stream, headers, raw, listener, clientIp, h2Context).start(),
  sessionOpened(session) {
    sessions.add(session);
    metrics.connections.inc();
    if (draining) session.close();
  },
  abusiveClientClosed: () => metrics.rapidResetCloses.inc(),
  connectionError: (code) => metrics.http2ConnectionError(code),
  sessionClosed(session) {
    sessions.delete(session);
    metrics.connections.dec();
    exitIfDrained();
  },
});

const listeners = new ListenerSet({
  http1(key, socket) {
    const listener = runtime?.listeners.get(key);
    if (listener === undefined || draining) {
      socket.destroy();
      return;
    }
    connections.add(new HttpConnection(socket, listener, context));
    metrics.connections.inc();
    metrics.accepted.inc();
  },
  h2(key, socket) {
    if (draining) return void socket.destroy();
    metrics.accepted.inc();
    downstreamH2.accept(key, socket);
  },
}, (key) => runtime?.listeners.get(key));

ticker.add((now) => { for (const connection of connections) connection.sweep(now); });
ticker.add(() => accessLogs.flush());
ticker.start();

function send(message: FromWorker): void {
  port.postMessage(message);
}

function applySnapshot(snapshot: Snapshot, fds: readonly ListenerFd[]): void {
  try {
    for (const { key, port: bound } of fds) boundPorts.set(key, bound);
    const next = compileRuntime(snapshot, {
      table, random: systemRandom, now: Date.now, metrics, pools, boundPorts, secureContexts, tracing: tracingDeps, accessLogs,
      reportOutlier: (report) => send({ type: 'outlier', report }),
    });
    listeners.apply(fds, next.listeners);
    downstreamH2.apply(next.listeners);
    runtime = next;
    drainTimeoutMs = snapshot.drainTimeoutMs;
    log.debug('snapshot applied', { version: snapshot.version });
    send({ type: 'applied', version: snapshot.version });
  } catch (error) {
    log.error('snapshot rejected', { version: snapshot.version, error: String(error) });
    send({ type: 'rejected', version: snapshot.version, error: error instanceof Error ? error.message : String(error) });
  }
}

function startDrain(): void {
  if (draining) return;
  draining = true;
  listeners.closeAll();
  for (const connection of connections) connection.drain();
  for (const session of sessions) session.close(); // GOAWAY; open streams finish
  if (connections.size === 0 && sessions.size === 0) return exitDrained();
  setTimeout(() => {
    log.warn('drain timeout: closing connections still busy', { connections: connections.size, http2Sessions: sessions.size });
    for (const connection of connections) connection.destroy();
    for (const session of sessions) session.destroy();
    exitDrained();
  }, drainTimeoutMs).unref();
}

function exitIfDrained(): void {
  if (draining && connections.size === 0 && sessions.size === 0) exitDrained();
}

let exited = false;
const ACCESS_LOG_EXIT_WAIT_MS = 2_000;
function exitDrained(): void {
  if (exited) return;
  exited = true;
  ticker.stop();
  pools.close();
  // The last access log lines go out before the thread ends (bounded: a stuck output cannot hold the exit).
  let gone = false;
  const exit = () => {
    if (gone) return;
    gone = true;
    send({ type: 'drained' });
    setImmediate(() => process.exit(0));
  };
  setTimeout(exit, ACCESS_LOG_EXIT_WAIT_MS).unref();
  void accessLogs.close().then(exit);
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'snapshot':
      applySnapshot(message.snapshot, message.listenerFds);
      return;
    case 'metrics':
      void metrics.toJson().then((values) => send({ type: 'metrics', id: message.id, metrics: values }));
      return;
    case 'drain':
      startDrain();
      return;
    case 'logLevel':
      configureLog(message.level);
      log.debug('log level set', { level: message.level });
      return;
    case 'reopenLogs':
      accessLogs.reopen();
      return;
  }
});
