// A stand-in kube-apiserver for integration tests: list, get and watch over plain HTTP on 127.0.0.1:0 for the
// resources Sluice's Kubernetes source reads, speaking the real wire protocol (one etcd-like resourceVersion,
// 410 Expired as a watch ERROR event, bookmarks, timeoutSeconds, selectors). It knows nothing of Sluice.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

/** An object as stored and served: kind, apiVersion and metadata are filled in by `apply`. */
export interface KubeObject {
  kind: string;
  apiVersion?: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; resourceVersion?: string; [field: string]: unknown };
  [field: string]: unknown;
}

export interface RequestRecord { readonly method: string; readonly path: string; readonly query: Readonly<Record<string, string>> }

export interface KubeApiServer {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** The bearer token every request must carry. */
  readonly token: string;
  /** Every request received, in order, including the ones answered with an error. */
  readonly requests: readonly RequestRecord[];
  /** Watch responses currently streaming. */
  readonly openWatches: number;
  /** The current global resourceVersion. */
  readonly resourceVersion: string;
  /** A KubeConfig for this server, for `makeApiClient`, `Watch` and `makeInformer`. */
  kubeConfig(): KubeConfig;
  /** Creates or replaces the object with this kind, namespace and name; returns the stored copy. */
  apply(obj: KubeObject): KubeObject;
  /** Deletes an object (namespace is ignored for cluster-scoped kinds); returns its final state. */
  remove(kind: string, namespace: string | undefined, name: string): KubeObject;
  /** Forgets all history: watches from any resourceVersion older than the current one get 410 Expired. */
  compact(): void;
  /** Ends every open watch response cleanly, as the apiserver does on its own timeout. */
  endWatches(): void;
  /** Sends a BOOKMARK at the current resourceVersion to every watch that asked for bookmarks. */
  bookmark(): void;
  /** Answers the next `count` requests whose path starts with `match` (or that satisfy it) with a `status` Status. */
  failNext(match: string | ((req: RequestRecord) => boolean), status: number, count?: number): void;
  close(): Promise<void>;
}

interface Resource {
  readonly kind: string;
  readonly apiVersion: string;
  readonly plural: string;
  readonly namespaced: boolean;
  /** Matches the collection path and the object path, with `ns` and `name` groups. */
  readonly path: RegExp;
}

// The served resources, one line each: kind, group/version, plural, namespaced.
const RESOURCES: readonly Resource[] = ([
  ['Service', 'v1', 'services', true],
  ['Secret', 'v1', 'secrets', true],
  ['Ingress', 'networking.k8s.io/v1', 'ingresses', true],
  ['IngressClass', 'networking.k8s.io/v1', 'ingressclasses', false],
  ['EndpointSlice', 'discovery.k8s.io/v1', 'endpointslices', true],
] as const).map(([kind, apiVersion, plural, namespaced]) => {
  const prefix = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const ns = namespaced ? '(?:/namespaces/(?<ns>[^/]+))?' : '';
  return { kind, apiVersion, plural, namespaced, path: new RegExp(`^${prefix}${ns}/${plural}(?:/(?<name>[^/]+))?$`) };
});

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';
interface Change { readonly rv: number; readonly resource: Resource; readonly type: EventType; readonly object: KubeObject; readonly prev?: KubeObject }

interface Watcher {
  readonly resource: Resource;
  readonly matches: (obj: KubeObject) => boolean;
  readonly bookmarks: boolean;
  readonly res: http.ServerResponse;
}

// Enough for any test; the real watch cache also keeps a bounded window and answers 410 beyond it.
const HISTORY_LIMIT = 1000;

const REASONS: Readonly<Record<number, string>> = {
  400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed', 409: 'Conflict',
  410: 'Expired', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout',
};

class HttpError extends Error {
  constructor(readonly code: number, message: string) { super(message); }
}

function statusObject(code: number, message: string): object {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: REASONS[code] ?? '', code };
}

function parseUint(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null || value === '') return undefined;
  if (!/^\d+$/.test(value)) throw new HttpError(400, `invalid ${name} "${value}"`);
  return Number(value);
}

// Equality (`a=b`, `a==b`, `a!=b`) and existence (`a`, `!a`) requirements, comma-separated; set-based
// forms (`a in (x)`) are refused with 400 rather than misread.
function parseLabelSelector(selector: string): (labels: Record<string, string>) => boolean {
  const tests = selector.split(',').map((s) => s.trim()).filter((s) => s !== '').map((term) => {
    const exists = /^(?<not>!?)(?<label>[\w./-]+)$/.exec(term)?.groups;
    if (exists) return (l: Record<string, string>) => (exists.label! in l) !== (exists.not === '!');
    const eq = /^(?<label>[\w./-]+)\s*(?<op>==|=|!=)\s*(?<value>[\w.-]*)$/.exec(term)?.groups;
    if (!eq) throw new HttpError(400, `unable to parse requirement: ${term}`);
    return (l: Record<string, string>) => (l[eq.label!] === eq.value) !== (eq.op === '!=');
  });
  return (labels) => tests.every((test) => test(labels));
}

/** Field selectors of one kind beyond metadata.name and metadata.namespace, with how to read them. */
const KIND_FIELDS: Readonly<Record<string, Readonly<Record<string, (obj: KubeObject) => unknown>>>> = {
  Secret: { type: (obj) => obj['type'] },
};

// The fields every kind supports, plus the kind's own (KIND_FIELDS); the real server also answers 400
// for an unsupported field label.
function parseFieldSelector(selector: string, kind: string): (obj: KubeObject) => boolean {
  const fields: Record<string, (obj: KubeObject) => unknown> = {
    'metadata.name': (obj) => obj.metadata.name,
    'metadata.namespace': (obj) => obj.metadata.namespace ?? '',
    ...KIND_FIELDS[kind],
  };
  const tests = selector.split(',').filter((s) => s !== '').map((term) => {
    const m = /^(?<field>[\w.]+)\s*(?<op>==|=|!=)\s*(?<value>.*)$/.exec(term)?.groups;
    const read = m === undefined ? undefined : fields[m.field!];
    if (m === undefined || read === undefined) throw new HttpError(400, `field label not supported: ${term.split(/!?=/)[0]}`);
    return (o: KubeObject) => (read(o) === m.value) !== (m.op === '!=');
  });
  return (obj) => tests.every((test) => test(obj));
}

const key = (kind: string, namespace: string, name: string): string => `${kind}/${namespace}/${name}`;
const withVersion = (obj: KubeObject, rv: number): KubeObject => ({ ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv) } });

export async function startKubeApiServer(t?: { teardown(fn: () => unknown): void }): Promise<KubeApiServer> {
  const token = randomUUID();
  const objects = new Map<string, KubeObject>();
  const history: Change[] = [];
  const watchers = new Set<Watcher>();
  const faults: { match: (req: RequestRecord) => boolean; status: number; left: number }[] = [];
  const requests: RequestRecord[] = [];
  // etcd starts at revision 1; `compacted` is the oldest resourceVersion a watch may still start from.
  let rv = 1;
  let compacted = 1;

  const resourceFor = (kind: string): Resource => {
    const resource = RESOURCES.find((r) => r.kind === kind);
    if (!resource) throw new Error(`kube-api-server: unknown kind ${kind}`);
    return resource;
  };

  const send = (w: Watcher, type: string, object: object): void => { w.res.write(`${JSON.stringify({ type, object })}\n`); };
  // Unregistered first, so no change is written after the end.
  const end = (w: Watcher): void => { watchers.delete(w); w.res.end(); };

  // As the watch cache does: a change that moves an object into or out of a selector is ADDED or DELETED.
  const deliver = (w: Watcher, c: Change): void => {
    if (c.resource !== w.resource) return;
    const now = w.matches(c.object);
    const before = c.prev !== undefined && w.matches(c.prev);
    if (c.type !== 'MODIFIED') { if (now) send(w, c.type, c.object); return; }
    if (now) send(w, before ? 'MODIFIED' : 'ADDED', c.object);
    else if (before) send(w, 'DELETED', withVersion(c.prev!, c.rv));
  };

  const record = (change: Change): void => {
    history.push(change);
    if (history.length > HISTORY_LIMIT) compacted = history.shift()!.rv;
    for (const w of watchers) deliver(w, change);
  };

  const list = (resource: Resource, matches: (obj: KubeObject) => boolean): KubeObject[] =>
    [...objects.values()].filter((o) => o.kind === resource.kind && matches(o))
      .sort((a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name));

  const watch = (resource: Resource, matches: (obj: KubeObject) => boolean, query: URLSearchParams, res: http.ServerResponse): void => {
    const from = parseUint(query, 'resourceVersion');
    const timeout = parseUint(query, 'timeoutSeconds') ?? 0;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
    const w: Watcher = { resource, matches, bookmarks: query.get('allowWatchBookmarks') === 'true', res };
    // The real server answers 200 and then one ERROR event carrying the 410 Status.
    if (from !== undefined && from !== 0 && from < compacted) {
      send(w, 'ERROR', statusObject(410, `too old resource version: ${from} (${compacted})`));
      res.end();
      return;
    }
    if (from === undefined || from === 0) for (const obj of list(resource, matches)) send(w, 'ADDED', obj);
    else for (const c of history) if (c.rv > from) deliver(w, c);
    watchers.add(w);
    const timer = timeout > 0 ? setTimeout(() => end(w), timeout * 1000) : undefined;
    res.on('close', () => { clearTimeout(timer); watchers.delete(w); });
  };

  const route = (req: http.IncomingMessage, url: URL, res: http.ServerResponse): void => {
    const q = url.searchParams;
    for (const resource of RESOURCES) {
      const m = resource.path.exec(url.pathname)?.groups;
      if (!m) continue;
      if (req.method !== 'GET') throw new HttpError(405, `${req.method} is not supported by this test server`);
      const { ns: namespace, name } = m;
      if (name !== undefined) {
        const obj = objects.get(key(resource.kind, namespace ?? '', name));
        if (!obj) throw new HttpError(404, `${resource.plural} "${name}" not found`);
        return json(res, 200, obj);
      }
      const labels = parseLabelSelector(q.get('labelSelector') ?? '');
      const fields = parseFieldSelector(q.get('fieldSelector') ?? '', resource.kind);
      const matches = (o: KubeObject): boolean =>
        (namespace === undefined || o.metadata.namespace === namespace) && labels(o.metadata.labels ?? {}) && fields(o);
      if (['1', 't', 'true'].includes((q.get('watch') ?? '').toLowerCase())) return watch(resource, matches, q, res);
      parseUint(q, 'resourceVersion');
      // List items carry no kind or apiVersion, as the real server sends them.
      const items = list(resource, matches).map(({ kind: _kind, apiVersion: _apiVersion, ...item }) => item);
      return json(res, 200, { kind: `${resource.kind}List`, apiVersion: resource.apiVersion, metadata: { resourceVersion: String(rv) }, items });
    }
    throw new HttpError(404, 'the server could not find the requested resource');
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const request: RequestRecord = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams) };
    requests.push(request);
    req.resume();
    try {
      if (req.headers.authorization !== `Bearer ${token}`) throw new HttpError(401, 'Unauthorized');
      const fault = faults.find((f) => f.left > 0 && f.match(request));
      if (fault) {
        fault.left--;
        if (fault.status === 429) res.setHeader('Retry-After', '1');
        throw new HttpError(fault.status, `injected failure ${fault.status}`);
      }
      route(req, url, res);
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      json(res, err.code, statusObject(err.code, err.message));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const api: KubeApiServer = {
    url,
    token,
    requests,
    get openWatches() { return watchers.size; },
    get resourceVersion() { return String(rv); },
    kubeConfig() {
      const kc = new KubeConfig();
      // skipTLSVerify is how client-node allows a plain http:// server at all.
      kc.loadFromOptions({
        clusters: [{ name: 'test', server: url, skipTLSVerify: true }],
        users: [{ name: 'test', token }],
        contexts: [{ name: 'test', cluster: 'test', user: 'test' }],
        currentContext: 'test',
      });
      return kc;
    },
    apply(input) {
      const resource = resourceFor(input.kind);
      const namespace = resource.namespaced ? input.metadata.namespace ?? 'default' : undefined;
      const k = key(resource.kind, namespace ?? '', input.metadata.name);
      const prev = objects.get(k);
      const obj = structuredClone(input);
      obj.apiVersion = resource.apiVersion;
      obj.metadata = {
        ...obj.metadata, namespace, resourceVersion: String(++rv),
        uid: prev?.metadata.uid ?? obj.metadata.uid ?? randomUUID(),
        creationTimestamp: prev?.metadata.creationTimestamp ?? obj.metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      };
      if (namespace === undefined) delete obj.metadata.namespace;
      objects.set(k, obj);
      record(prev ? { rv, resource, type: 'MODIFIED', object: obj, prev } : { rv, resource, type: 'ADDED', object: obj });
      return structuredClone(obj);
    },
    remove(kind, namespace, name) {
      const resource = resourceFor(kind);
      const k = key(kind, resource.namespaced ? namespace ?? 'default' : '', name);
      const prev = objects.get(k);
      if (!prev) throw new Error(`kube-api-server: no ${kind} ${namespace ?? ''}/${name}`);
      objects.delete(k);
      const obj = withVersion(prev, ++rv);
      record({ rv, resource, type: 'DELETED', object: obj });
      return structuredClone(obj);
    },
    compact() { history.length = 0; compacted = rv; },
    endWatches() { for (const w of watchers) end(w); },
    bookmark() {
      for (const w of watchers) {
        if (w.bookmarks) send(w, 'BOOKMARK', { kind: w.resource.kind, apiVersion: w.resource.apiVersion, metadata: { resourceVersion: String(rv) } });
      }
    },
    failNext(match, status, count = 1) {
      faults.push({ match: typeof match === 'string' ? (r) => r.path.startsWith(match) : match, status, left: count });
    },
    close: () => new Promise<void>((resolve) => {
      api.endWatches();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  t?.teardown(() => api.close());
  return api;
}

function json(res: http.ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}
