// Tracing through the real proxy (2 workers) to real upstreams: exactly which trace and request-id
// headers an endpoint receives for each incoming case, over every path (HTTP/1.1 and h2c clients,
// HTTP/1.1 and h2c clusters), the x-request-id the client gets back (local replies too), and spans
// exported from the worker threads by an SDK registered through a NODE_OPTIONS=--import preload.
import http from 'node:http';
import http2 from 'node:http2';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { eventually } from '../helpers/admin.js';
import { startBackend } from '../helpers/backend.js';
import type { ExportedSpan } from '../helpers/otel-file-exporter.js';
import { startSluice, type SluiceProcess } from '../helpers/sluice-process.js';

const T128 = '463ac35c9f6413ad48485a3953bb6124';
const T64 = 'a3ce929d0e0e4736';
const S = 'a2fb4a1d1a96d312';
const P = '0020000000000001';
const TRACE_NAMES = ['b3', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-parentspanid', 'x-b3-sampled', 'x-b3-flags', 'traceparent', 'tracestate', 'x-request-id'];
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The trace fields of a header object. */
function traceFields(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of TRACE_NAMES) if (headers[name] !== undefined) out[name] = String(headers[name]);
  return out;
}

/** An h2c upstream that keeps the last request's headers. */
async function startH2cBackend(t: Test): Promise<{ address: string; last: () => http2.IncomingHttpHeaders }> {
  let last: http2.IncomingHttpHeaders = {};
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    last = headers;
    stream.respond({ ':status': 200, 'x-request-id': 'from-upstream' });
    stream.end('h2c');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as { port: number };
  return { address: `127.0.0.1:${port}`, last: () => last };
}

interface Answer { status: number; requestId: string | undefined }

function h1Get(address: string, pathname: string, headers: Record<string, string>): Promise<Answer> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port: Number(port), path: pathname, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, requestId: res.headers['x-request-id'] as string | undefined }));
    });
    req.setTimeout(15_000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

function h2Get(session: http2.ClientHttp2Session, pathname: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': pathname, ...headers });
    let answer: Answer | undefined;
    stream.on('response', (response) => {
      answer = { status: Number(response[':status']), requestId: response['x-request-id'] as string | undefined };
    });
    stream.resume();
    stream.setTimeout(15_000, () => stream.close());
    stream.on('end', () => (answer === undefined ? reject(new Error('no response')) : resolve(answer)));
    stream.on('error', reject);
    stream.end();
  });
}

interface Expected {
  /** Kept trace id; undefined: Sluice starts a new 128-bit trace. */
  readonly traceId?: string;
  readonly parent?: string;
  readonly sampling: '0' | '1' | 'd';
  readonly tracestate?: string;
  /** Kept request id; undefined: a generated UUID v4. */
  readonly requestId?: string;
}

/** Checks the fields an endpoint got against what Sluice must send for `expected` (its new ids read from them). */
function checkSent(t: Test, what: string, got: Record<string, string>, answer: Answer, expected: Expected): void {
  const spanId = got['x-b3-spanid'] ?? '';
  const traceId = expected.traceId ?? got['x-b3-traceid'] ?? '';
  t.match(spanId, /^[0-9a-f]{16}$/, `${what}: a new span id`);
  t.not(spanId, expected.parent, `${what}: not the incoming span id`);
  if (expected.traceId === undefined) t.match(traceId, /^[0-9a-f]{32}$/, `${what}: a new 128-bit trace id`);
  if (expected.requestId === undefined) t.match(got['x-request-id'], UUID_V4, `${what}: a UUID v4 request id`);
  const requestId = expected.requestId ?? got['x-request-id'];
  const w3cTrace = traceId.length === 16 ? `0000000000000000${traceId}` : traceId;
  const parent = expected.parent;
  t.same(got, {
    'x-request-id': requestId,
    'x-b3-traceid': traceId,
    'x-b3-spanid': spanId,
    ...(parent === undefined ? {} : { 'x-b3-parentspanid': parent }),
    ...(expected.sampling === 'd' ? { 'x-b3-flags': '1' } : { 'x-b3-sampled': expected.sampling }),
    b3: `${traceId}-${spanId}-${expected.sampling}${parent === undefined ? '' : `-${parent}`}`,
    traceparent: `00-${w3cTrace}-${spanId}-${expected.sampling === '0' ? '00' : '01'}`,
    ...(expected.tracestate === undefined ? {} : { tracestate: expected.tracestate }),
  }, `${what}: exactly these trace fields`);
  t.equal(answer.requestId, requestId, `${what}: the client gets the same x-request-id`);
}

const CASES: Array<[string, Record<string, string>, Expected]> = [
  ['no trace (sampleRate 0)', {}, { sampling: '0' }],
  ['B3 multi 128-bit', { 'x-b3-traceid': T128, 'x-b3-spanid': S, 'x-b3-parentspanid': P, 'x-b3-sampled': '1' }, { traceId: T128, parent: S, sampling: '1' }],
  ['B3 multi 64-bit, debug', { 'x-b3-traceid': T64, 'x-b3-spanid': S, 'x-b3-flags': '1' }, { traceId: T64, parent: S, sampling: 'd' }],
  ['single b3 not sampled', { b3: `${T128}-${S}-0-${P}` }, { traceId: T128, parent: S, sampling: '0' }],
  ['single b3 sampling only', { b3: '1' }, { sampling: '1' }],
  ['W3C with tracestate', { traceparent: `00-${T128}-${S}-01`, tracestate: 'congo=t61rcWkgMzE' }, { traceId: T128, parent: S, sampling: '1', tracestate: 'congo=t61rcWkgMzE' }],
  ['malformed everywhere', { b3: 'zzz', 'x-b3-traceid': 'XYZ', 'x-b3-spanid': S, traceparent: '00-00-00-00' }, { sampling: '0' }],
  ['kept request id', { 'x-request-id': 'req-42' }, { sampling: '0', requestId: 'req-42' }],
];

async function startProxy(t: Test, env?: Record<string, string>): Promise<{ sluice: SluiceProcess; h1: () => Record<string, string>; h2c: () => Record<string, string> }> {
  const h1 = await startBackend(t, 'h1');
  const h2c = await startH2cBackend(t);
  const sluice = await startSluice(t, `
listeners:
  - name: web
    address: 127.0.0.1:0
routes:
  - paths:
      - { path: /h1, pathType: Prefix, cluster: h1 }
      - { path: /h2c, pathType: Prefix, cluster: h2c }
clusters:
  - name: h1
    endpoints: [{ address: "${h1.address}" }]
  - name: h2c
    protocol: h2c
    endpoints: [{ address: "${h2c.address}" }]
tracing:
  sampleRate: 0
`, { workers: 2, ...(env === undefined ? {} : { env }) });
  t.teardown(() => sluice.stop());
  return { sluice, h1: () => traceFields(h1.lastHeaders), h2c: () => traceFields(h2c.last()) };
}

t.test('what each endpoint receives, over every client and cluster protocol', async (t) => {
  const { sluice, h1, h2c } = await startProxy(t);
  const address = sluice.listeners.web!;
  const session = http2.connect(`http://${address}`);
  t.teardown(() => session.close());
  for (const [name, headers, expected] of CASES) {
    let answer = await h1Get(address, '/h1', headers);
    checkSent(t, `${name}, HTTP/1.1 → http1`, h1(), answer, expected);
    answer = await h1Get(address, '/h2c', headers);
    checkSent(t, `${name}, HTTP/1.1 → h2c (bridge)`, h2c(), answer, expected);
    answer = await h2Get(session, '/h1', headers);
    checkSent(t, `${name}, h2c → http1`, h1(), answer, expected);
    answer = await h2Get(session, '/h2c', headers);
    checkSent(t, `${name}, h2c → h2c`, h2c(), answer, expected);
  }
  const h1Reply = await h1Get(address, '/nowhere', { 'x-request-id': 'lost-1' });
  t.same(h1Reply, { status: 404, requestId: 'lost-1' }, 'an HTTP/1.1 local reply carries the request id');
  const h2Reply = await h2Get(session, '/nowhere', {});
  t.equal(h2Reply.status, 404);
  t.match(h2Reply.requestId, UUID_V4, 'an HTTP/2 local reply carries a generated request id');
});

t.test('spans from the worker threads through a NODE_OPTIONS=--import preload', async (t) => {
  const spansFile = path.join(t.testdir(), 'spans.jsonl');
  writeFileSync(spansFile, '');
  const preload = fileURLToPath(new URL('../helpers/otel-file-exporter.js', import.meta.url));
  const { sluice, h1 } = await startProxy(t, { NODE_OPTIONS: `--import=${preload}`, SLUICE_TEST_SPANS: spansFile });
  const address = sluice.listeners.web!;
  const answer = await h1Get(address, '/h1/items?x=1', { 'x-b3-traceid': T128, 'x-b3-spanid': S, 'x-b3-sampled': '1' });
  const sent = h1();
  const spans = (): ExportedSpan[] => readFileSync(spansFile, 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as ExportedSpan);
  await eventually(() => spans().length >= 1, 20_000, 'an exported span');
  const [span] = spans();
  t.equal(spans().length, 1, 'one span per sampled request');
  t.equal(span!.mainThread, false, 'made in a worker thread');
  t.equal(span!.name, 'GET /h1');
  t.equal(span!.kind, 1 /* SERVER */);
  t.equal(span!.traceId, T128);
  t.equal(span!.parentSpanId, S, 'the incoming span is the parent');
  t.equal(sent['x-b3-spanid'], span!.spanId, 'the endpoint is told the recorded span is its parent');
  t.equal(sent['x-b3-parentspanid'], S);
  t.match(span!.attributes, {
    'http.request.method': 'GET', 'url.path': '/h1/items', 'url.query': 'x=1', 'http.route': '/h1', 'http.response.status_code': 200,
    'network.peer.address': '127.0.0.1', 'client.address': '127.0.0.1', 'sluice.cluster': 'h1', 'network.protocol.version': '1.1',
  });
  t.equal(answer.status, 200);

  await h1Get(address, '/h1', { b3: '0' });
  await h1Get(address, '/h1', {});
  t.equal(spans().length, 1, 'unsampled requests (b3: 0, and sampleRate 0) make no span');
});
