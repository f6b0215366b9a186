// The span of a retried request, through the real proxy with spans exported from its worker by the
// NODE_OPTIONS preload: HTTP/1.1 and HTTP/2 clients of an http1 and an h2c cluster, where a request
// marked `x-fail-once` gets a 503 from whichever endpoint sees it first and the route retries 5xx once.
// Each span carries the resend count (1 for that request, none for the others) and names the endpoint
// that answered, whatever the balancer picked first.
import http from 'node:http';
import http2 from 'node:http2';
import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { eventually } from '../helpers/admin.js';
import type { ExportedSpan } from '../helpers/otel-file-exporter.js';
import { startSluice } from '../helpers/sluice-process.js';

const S = 'a2fb4a1d1a96d312';
const HOST = 'shop.example:8080';

/** The tags of `x-fail-once` requests some endpoint already failed: the next endpoint answers them. */
const failed = new Set<string>();

/** 503 for an `x-fail-once` tag not yet failed, else 200; the body is the endpoint's port. */
function answer(tag: unknown): number {
  if (typeof tag !== 'string' || failed.has(tag)) return 200;
  failed.add(tag);
  return 503;
}

async function listen(t: Test, server: http.Server | http2.Http2Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

async function h1Endpoint(t: Test): Promise<number> {
  const server = http.createServer((req, res) => {
    req.resume();
    res.statusCode = answer(req.headers['x-fail-once']);
    res.end(String((server.address() as AddressInfo).port));
  });
  server.keepAliveTimeout = 30_000;
  t.teardown(() => server.closeAllConnections());
  return listen(t, server);
}

async function h2cEndpoint(t: Test): Promise<number> {
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => {}); // a stream Sluice cancels for a retry
    stream.respond({ ':status': answer(headers['x-fail-once']) });
    stream.end(String((server.address() as AddressInfo).port));
  });
  t.teardown(() => { for (const session of sessions) session.destroy(); });
  return listen(t, server);
}

interface Answer { status: number; body: string }

function h1Get(address: string, pathname: string, headers: Record<string, string>): Promise<Answer> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port: Number(port), path: pathname, headers: { host: HOST, ...headers }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.setTimeout(15_000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

function h2Get(session: http2.ClientHttp2Session, pathname: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': pathname, ':authority': HOST, ...headers });
    let status = 0;
    let body = '';
    stream.on('response', (response) => { status = Number(response[':status']); });
    stream.setEncoding('utf8').on('data', (chunk: string) => { body += chunk; });
    stream.setTimeout(15_000, () => stream.close());
    stream.on('end', () => resolve({ status, body }));
    stream.on('error', reject);
    stream.end();
  });
}

t.test('the span counts the retries and names the endpoint that answered, for HTTP/1.1 and HTTP/2 clients', async (t) => {
  const spansFile = path.join(t.testdir(), 'spans.jsonl');
  writeFileSync(spansFile, '');
  const preload = fileURLToPath(new URL('../helpers/otel-file-exporter.js', import.meta.url));
  const h1Ports = [await h1Endpoint(t), await h1Endpoint(t)];
  const h2cPorts = [await h2cEndpoint(t), await h2cEndpoint(t)];
  const endpoints = (ports: number[]) => ports.map((port) => `{ address: "127.0.0.1:${port}" }`).join(', ');
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0" }]
routes:
  - paths:
      - { path: /h1, pathType: Prefix, cluster: h1 }
      - { path: /h2c, pathType: Prefix, cluster: h2c }
    retries: { attempts: 1, on: [5xx] }
clusters:
  - { name: h1, endpoints: [${endpoints(h1Ports)}] }
  - { name: h2c, protocol: h2c, endpoints: [${endpoints(h2cPorts)}] }
tracing: { sampleRate: 0 }
`, { env: { NODE_OPTIONS: `--import=${preload}`, SLUICE_TEST_SPANS: spansFile } });
  const address = sluice.listeners.web!;
  const session = http2.connect(`http://${address}`);
  t.teardown(() => session.close());

  const cases: Array<{ client: string; route: string; retried: boolean; traceId: string; answer: Answer }> = [];
  for (const client of ['1.1', '2']) {
    for (const route of ['/h1', '/h2c']) {
      for (const retried of [true, false]) {
        const traceId = (cases.length + 1).toString(16).padStart(32, 'a');
        const headers: Record<string, string> = { b3: `${traceId}-${S}-1`, ...(retried ? { 'x-fail-once': traceId } : {}) };
        const answer = client === '1.1' ? await h1Get(address, `${route}/items`, headers) : await h2Get(session, `${route}/items`, headers);
        cases.push({ client, route, retried, traceId, answer });
      }
    }
  }
  const spans = (): ExportedSpan[] => readFileSync(spansFile, 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as ExportedSpan);
  await eventually(() => spans().length >= cases.length, 20_000, 'a span per request');
  t.equal(spans().length, cases.length, 'one span per request');
  for (const { client, route, retried, traceId, answer } of cases) {
    const what = `HTTP/${client} client, ${route}${retried ? ', retried' : ''}`;
    t.equal(answer.status, 200, `${what}: answered 200`);
    const span = spans().find((candidate) => candidate.traceId === traceId);
    if (span === undefined) {
      t.fail(`${what}: no span`);
      continue;
    }
    t.same(span.attributes['http.request.resend_count'], retried ? 1 : undefined, `${what}: resend count ${retried ? 1 : 0}`);
    t.match(span.attributes, {
      'http.request.method': 'GET',
      'http.route': route,
      'http.response.status_code': 200,
      'server.address': 'shop.example',
      'network.protocol.version': client,
      'network.peer.address': '127.0.0.1',
      'network.peer.port': Number(answer.body),
      'sluice.cluster': route.slice(1),
    }, `${what}: the span's attributes, the answering endpoint its peer`);
    t.notOk('error.type' in span.attributes, `${what}: not an error`);
  }
  t.equal(failed.size, cases.filter((c) => c.retried).length, 'each marked request met one 503');
});
