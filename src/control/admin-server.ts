// The admin HTTP endpoint: /healthz, /readyz, /config, /endpoints, /clusters, /routes, /metrics and
// /logging. It reads the supervisor through AdminView; the only thing it changes is the log level.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { EndpointState, type EndpointTable } from '../balancing/endpoint-table.js';
import type { KubernetesStatus } from '../kubernetes/kubernetes-overlay.js';
import type { EjectionView } from '../outlier/outlier-detector.js';
import { isLogLevel, logLevels, type LogLevel } from '../log.js';
import { routeTable } from '../routing/router.js';
import type { CertificateSnapshot, Snapshot } from '../snapshot.js';
import { formatHostPort, type HostPort } from './admin-address.js';
import { OPEN_ADMIN_PATHS, bearerTokenMatches } from './admin-auth.js';
import { clustersView } from './admin-clusters.js';
import { readiness } from './readiness.js';

export interface ReloadError {
  /** ISO 8601. */
  readonly time: string;
  readonly message: string;
}

export interface ListenerAddress {
  readonly name: string;
  readonly key: string;
  /** "host:boundPort". */
  readonly address: string;
}

/** What the admin endpoint may see of the supervisor. */
export interface AdminView {
  readonly table: EndpointTable;
  snapshot(): Snapshot | undefined;
  /** Outlier ejection of a slot: state, back-off count, and when it returns. */
  ejection(slot: number): EjectionView;
  workerVersions(): { index: number; version: number | undefined; lastError?: string | undefined }[];
  lastReloadError(): ReloadError | null;
  /** The Kubernetes source's state; undefined when none is configured. */
  kubernetes(): KubernetesStatus | undefined;
  draining(): boolean;
  listenerAddresses(): ListenerAddress[];
  /** Prometheus text of every worker and the main thread. */
  metrics(): Promise<{ contentType: string; text: string }>;
  logLevel(): LogLevel;
  /** Sets the level of the main thread and of every worker. */
  setLogLevel(level: LogLevel): void;
  /** The bearer token every request but the probes must carry; undefined: none. */
  token(): string | undefined;
}

export interface AdminServer {
  /** The address actually bound. */
  readonly address: HostPort;
  close(): Promise<void>;
}

type Handler = (view: AdminView, response: http.ServerResponse, url: URL) => void | Promise<void>;

/** A resource: `read` answers GET and HEAD; `write`, where present, answers POST and PUT. */
interface Resource {
  readonly read: Handler;
  readonly write?: Handler;
}

function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2) + '\n';
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function sendText(response: http.ServerResponse, status: number, text: string, contentType = 'text/plain; charset=utf-8'): void {
  response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function workerVersionsJson(view: AdminView): { index: number; version: number | null; lastError: string | null }[] {
  return view.workerVersions().map(({ index, version, lastError }) => ({ index, version: version ?? null, lastError: lastError ?? null }));
}

function setLogLevel(view: AdminView, response: http.ServerResponse, url: URL): void {
  const level = url.searchParams.get('level');
  if (level === null || !isLogLevel(level)) {
    sendJson(response, 400, { error: 'bad_request', message: `level must be one of ${logLevels.join(', ')}, got ${level === null ? 'nothing' : JSON.stringify(level)}` });
    return;
  }
  view.setLogLevel(level);
  sendJson(response, 200, { level });
}

const resources: Record<string, Resource> = {
  '/healthz': { read: (_view, response) => sendText(response, 200, 'ok\n') },
  '/readyz': { read: (view, response) => {
    const state = readiness({
      draining: view.draining(),
      currentVersion: view.snapshot()?.version ?? 0,
      workers: view.workerVersions(),
      waitingForKubernetes: view.kubernetes()?.applied === false,
    });
    if (state.ready) sendText(response, 200, 'ready\n');
    else sendText(response, 503, `not ready: ${state.reason}\n`);
  } },
  '/config': { read: (view, response) => {
    const snapshot = view.snapshot();
    const kubernetes = view.kubernetes();
    sendJson(response, 200, {
      version: snapshot?.version ?? 0,
      hash: snapshot?.hash ?? null,
      snapshot: snapshot === undefined ? null : withoutKeyMaterial(snapshot),
      workers: workerVersionsJson(view),
      lastReloadError: view.lastReloadError(),
      listeners: view.listenerAddresses(),
      ...(kubernetes === undefined ? {} : { kubernetes }),
    });
  } },
  '/endpoints': { read: (view, response) => {
    const endpoints = [];
    for (const cluster of view.snapshot()?.clusters ?? []) {
      for (const { address, zone, weight, slot } of cluster.endpoints) {
        endpoints.push({
          cluster: cluster.name, address, zone, weight, slot,
          active: view.table.active(slot), total: view.table.total(slot), connections: view.table.connections(slot),
          ...(cluster.healthCheck === undefined ? {} : { health: healthOf(view.table.state(slot)) }),
          ...(cluster.outlierDetection === undefined ? {} : ejectionJson(view.ejection(slot))),
        });
      }
    }
    sendJson(response, 200, endpoints);
  } },
  '/clusters': { read: (view, response) => sendJson(response, 200, clustersView(view.snapshot(), view.table)) },
  '/routes': { read: (view, response) => {
    const snapshot = view.snapshot();
    sendJson(response, 200, {
      routes: routeTable(snapshot?.routes ?? []).map(({ host, ...rule }) => ({ host: host ?? null, ...rule })),
      defaultCluster: snapshot?.defaultCluster ?? null,
    });
  } },
  '/metrics': { read: async (view, response) => {
    const { contentType, text } = await view.metrics();
    sendText(response, 200, text, contentType);
  } },
  '/logging': { read: (view, response) => sendJson(response, 200, { level: view.logLevel() }), write: setLogLevel },
};

async function handle(view: AdminView, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://admin');
  const pathname = url.pathname;
  const token = view.token();
  if (token !== undefined && !OPEN_ADMIN_PATHS.has(pathname) && !bearerTokenMatches(request.headers.authorization, token)) {
    response.setHeader('www-authenticate', 'Bearer realm="sluice-admin"');
    sendJson(response, 401, { error: 'unauthorized', message: 'this admin endpoint needs "Authorization: Bearer <token>"' });
    return;
  }
  const resource = Object.hasOwn(resources, pathname) ? resources[pathname] : undefined;
  if (resource === undefined) {
    sendJson(response, 404, { error: 'not_found', message: `no admin resource at ${pathname}`, resources: Object.keys(resources) });
    return;
  }
  const method = request.method ?? 'GET';
  if (method === 'GET' || method === 'HEAD') return resource.read(view, response, url);
  if ((method === 'POST' || method === 'PUT') && resource.write !== undefined) return resource.write(view, response, url);
  const allow = resource.write === undefined ? 'GET, HEAD' : 'GET, HEAD, POST, PUT';
  response.setHeader('allow', allow);
  sendJson(response, 405, { error: 'method_not_allowed', message: `${pathname} answers ${allow}` });
}

/** Starts listening; rejects with a message naming the address when it cannot bind. */
export function startAdminServer(view: AdminView, address: HostPort): Promise<AdminServer> {
  const server = http.createServer((request, response) => {
    handle(view, request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: 'internal', message: String(error) });
      else response.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = `admin endpoint ${formatHostPort(address.host, address.port)}`;
      const cause = error.code === 'EADDRINUSE' ? 'address already in use'
        : error.code === 'EACCES' ? 'permission denied (ports below 1024 need privileges)'
        : error.message;
      reject(new Error(`${where}: ${cause}`));
    });
    server.listen(address.port, address.host, () => {
      const bound = server.address() as AddressInfo;
      resolve({
        address: { host: address.host, port: bound.port },
        close: () => new Promise<void>((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
}

/** The snapshot as /config shows it: certificates by origin (files or Secret) and names, never their PEM text (private keys!). */
function withoutKeyMaterial(snapshot: Snapshot): unknown {
  const describe = ({ cert: _cert, key: _key, ...described }: CertificateSnapshot) => described;
  return {
    ...snapshot,
    listeners: snapshot.listeners.map((listener) => (listener.tls === undefined ? listener : {
      ...listener,
      tls: { ...listener.tls, certificates: listener.tls.certificates.map(describe), defaultCertificate: describe(listener.tls.defaultCertificate) },
    })),
  };
}

/** Active-health status as the EndpointTable holds it. */
function healthOf(state: number): 'healthy' | 'unhealthy' | 'unchecked' {
  if ((state & EndpointState.UNHEALTHY) !== 0) return 'unhealthy';
  return (state & EndpointState.UNCHECKED) !== 0 ? 'unchecked' : 'healthy';
}

function ejectionJson({ ejected, count, returnsAt }: EjectionView): Record<string, unknown> {
  return { ejected, ejectionCount: count, ...(returnsAt === undefined ? {} : { ejectedUntil: new Date(returnsAt).toISOString() }) };
}
