// maxConnections and maxPendingRequests for h2c/h2 clusters end to end: a real sluice and node:http2
// upstreams on 127.0.0.1:0 that allow one stream per connection and hold requests until released (or a
// TCP server that never completes a TLS handshake). Assertions are about who was answered what, what
// the upstream saw and which counters moved, never about how long something took.
import t from 'tap';
import http2, { type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import { request } from 'undici';
import { adminJson, adminText, eventually, metricValue } from '../helpers/admin.js';
import { startSluice, type SluiceProcess } from '../helpers/sluice-process.js';

type Teardown = Pick<typeof t, 'teardown'>;

/** An h2c upstream with SETTINGS_MAX_CONCURRENT_STREAMS 1 that holds every request until `release`. */
interface HoldingUpstream {
  readonly address: string;
  readonly sessions: ServerHttp2Session[];
  readonly held: ServerHttp2Stream[];
}

async function holdingUpstream(t: Teardown): Promise<HoldingUpstream> {
  const server = http2.createServer({ settings: { maxConcurrentStreams: 1 } });
  const sessions: ServerHttp2Session[] = [];
  const held: ServerHttp2Stream[] = [];
  server.on('session', (session: ServerHttp2Session) => {
    sessions.push(session);
    session.on('error', () => {});
  });
  server.on('stream', (stream: ServerHttp2Stream) => {
    stream.on('error', () => {});
    held.push(stream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const session of sessions) session.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { address: `127.0.0.1:${(server.address() as AddressInfo).port}`, sessions, held };
}

function release(stream: ServerHttp2Stream): void {
  stream.respond({ ':status': 200 });
  stream.end('released');
}

function sluiceYaml(protocol: string, address: string, breakers: string, extra = ''): string {
  return `
listeners: [{ name: web, address: "127.0.0.1:0" }]
defaultCluster: c
clusters:
  - name: c
    protocol: ${protocol}
    endpoints: [{ address: "${address}" }]
    circuitBreakers: ${breakers}
${extra}`;
}

interface Answer { readonly status: number; readonly error: string | undefined; readonly grpcStatus: string | undefined; readonly body: string }

/** One request over the client's HTTP/2 session (so every request goes to the same worker). */
function h2Get(client: http2.ClientHttp2Session, pathname: string, contentType?: string, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const method = body === undefined ? 'GET' : 'POST';
    const stream = client.request({ ':method': method, ':path': pathname, ...(contentType === undefined ? {} : { 'content-type': contentType }) });
    if (body !== undefined) stream.end(body);
    let head: http2.IncomingHttpHeaders = {};
    let answer = '';
    stream.on('response', (headers) => { head = headers; });
    stream.setEncoding('utf8').on('data', (chunk: string) => { answer += chunk; });
    stream.on('end', () => resolve({
      status: Number(head[':status']), error: head['x-sluice-error'] as string | undefined, grpcStatus: head['grpc-status'] as string | undefined, body: answer,
    }));
    stream.on('error', reject);
  });
}

async function h1Get(sluice: SluiceProcess, pathname: string, body?: string): Promise<Answer> {
  const method = body === undefined ? 'GET' : 'POST';
  const response = await request(sluice.url(pathname), { method, body, headersTimeout: 30_000, bodyTimeout: 30_000 });
  const error = response.headers['x-sluice-error'] as string | undefined;
  return { status: response.statusCode, error, grpcStatus: undefined, body: await response.body.text() };
}

function connectClient(t: Teardown, sluice: SluiceProcess): http2.ClientHttp2Session {
  const client = http2.connect(`http://${sluice.listeners.web}`);
  t.teardown(() => client.close());
  return client;
}

interface BreakersInUse { connections: number; pendingRequests: number; requests: number; retries: number }

async function inUse(sluice: SluiceProcess): Promise<BreakersInUse> {
  const clusters = await adminJson<Array<{ name: string; circuitBreakers: BreakersInUse }>>(sluice.admin, '/clusters');
  return clusters.find((cluster) => cluster.name === 'c')!.circuitBreakers;
}

async function overflows(sluice: SluiceProcess, breaker: string): Promise<number> {
  const metrics = await adminText(sluice.admin, '/metrics');
  return metricValue(metrics.text, `sluice_circuit_breaker_overflows_total{cluster="c",breaker="${breaker}"}`) ?? 0;
}

const NONE_IN_USE = { connections: 0, pendingRequests: 0, requests: 0, retries: 0 };

t.test('h2c, maxConnections 1, one stream per connection: a second request waits for the first (Envoy), on one connection', async (t) => {
  const upstream = await holdingUpstream(t);
  const sluice = await startSluice(t, sluiceYaml('h2c', upstream.address, '{ maxConnections: 1 }'), { workers: 2 });
  const client = connectClient(t, sluice);
  const first = h2Get(client, '/first');
  await eventually(() => upstream.held.length === 1, 20_000, 'the first request at the upstream');
  const second = h2Get(client, '/second');
  await eventually(async () => (await inUse(sluice)).pendingRequests === 1, 20_000, 'the second request pending');
  t.same(await inUse(sluice), { connections: 1, pendingRequests: 1, requests: 2, retries: 0 });
  t.equal(await overflows(sluice, 'connections'), 1, 'the connection breaker counted its refusal');
  t.equal(upstream.held.length, 1, 'the second request waits in sluice');

  release(upstream.held[0]!);
  await eventually(() => upstream.held.length === 2, 20_000, 'the second request at the upstream');
  release(upstream.held[1]!);
  const answers = await Promise.all([first, second]);
  t.same(answers.map((answer) => `${answer.status} ${answer.body}`), ['200 released', '200 released']);
  t.equal(upstream.sessions.length, 1, 'the upstream saw exactly one connection');
  t.equal(await overflows(sluice, 'pending'), 0);
  for (const session of upstream.sessions) session.destroy();
  await eventually(async () => (await inUse(sluice)).connections === 0, 20_000, 'the connection given back');
  t.same(await inUse(sluice), NONE_IN_USE);
});

t.test('h2c, maxConnections 1 and maxPendingRequests 1: beyond the waiting request, 503 overflow to HTTP/2, gRPC and HTTP/1.1 clients', async (t) => {
  const upstream = await holdingUpstream(t);
  // Outlier detection that would eject the endpoint at its second gateway failure: an overflow is none.
  const outliers = '    outlierDetection: { consecutiveGatewayFailure: 2, maxEjectionPercent: 100, enforcing: { consecutiveGatewayFailure: 100 } }\n';
  const sluice = await startSluice(t, sluiceYaml('h2c', upstream.address, '{ maxConnections: 1, maxPendingRequests: 1 }', outliers), { workers: 1 });
  const client = connectClient(t, sluice);
  const first = h2Get(client, '/first');
  await eventually(() => upstream.held.length === 1, 20_000, 'the first request at the upstream');
  const second = h2Get(client, '/second');
  await eventually(async () => (await inUse(sluice)).pendingRequests === 1, 20_000, 'the second request pending');

  const h2 = await h2Get(client, '/third');
  t.same([h2.status, h2.error], [503, 'overflow'], 'HTTP/2 client');
  const h2Post = await h2Get(client, '/fourth', 'text/plain', 'a body the refused stream never takes');
  t.same([h2Post.status, h2Post.error], [503, 'overflow'], 'HTTP/2 client with a body');
  const grpc = await h2Get(client, '/echo.Echo/Unary', 'application/grpc');
  t.same([grpc.status, grpc.grpcStatus, grpc.error], [200, '14', 'overflow'], 'gRPC client: UNAVAILABLE, trailers only');
  const h1 = await h1Get(sluice, '/fifth');
  t.same([h1.status, h1.error], [503, 'overflow'], 'HTTP/1.1 client (bridge)');
  const post = await h1Get(sluice, '/sixth', 'a body the refused stream never takes');
  t.same([post.status, post.error], [503, 'overflow'], 'HTTP/1.1 client with a body');
  t.equal(await overflows(sluice, 'pending'), 5, 'each refusal counted as a pending overflow');
  t.equal(await overflows(sluice, 'connections'), 1, 'only the waiting request asked for a connection');
  t.equal(upstream.held.length, 1, 'no refused request reached the upstream');
  const clusters = await adminJson<Array<{ endpoints: Array<{ ejected: boolean }> }>>(sluice.admin, '/clusters');
  t.equal(clusters[0]!.endpoints[0]!.ejected, false, 'overflows are not the endpoint\'s failures');

  release(upstream.held[0]!);
  await eventually(() => upstream.held.length === 2, 20_000, 'the second request at the upstream');
  release(upstream.held[1]!);
  t.same((await Promise.all([first, second])).map((answer) => answer.status), [200, 200]);
  t.equal(upstream.sessions.length, 1, 'the upstream saw exactly one connection');
  for (const session of upstream.sessions) session.destroy();
  await eventually(async () => (await inUse(sluice)).connections === 0, 20_000, 'the connection given back');
  t.same(await inUse(sluice), NONE_IN_USE);
});

t.test('h2, maxPendingRequests 1, a session that never finishes connecting: the second request overflows', async (t) => {
  // A TLS session connects only after its handshake, which this TCP server never answers.
  const sockets: net.Socket[] = [];
  const silent = net.createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const address = `127.0.0.1:${(silent.address() as AddressInfo).port}`;
  const sluice = await startSluice(t, sluiceYaml('h2', address, '{ maxPendingRequests: 1 }'), { workers: 1 });
  const first = h1Get(sluice, '/first');
  await eventually(async () => (await inUse(sluice)).pendingRequests === 1, 20_000, 'the first request pending');
  t.same(await inUse(sluice), { connections: 1, pendingRequests: 1, requests: 1, retries: 0 }, 'a connecting session holds a connection');
  const second = await h1Get(sluice, '/second');
  t.same([second.status, second.error], [503, 'overflow']);
  t.equal(await overflows(sluice, 'pending'), 1);
  t.equal(await overflows(sluice, 'connections'), 0);

  // The connect fails (and so does any retry): the waiting request is answered and its units come back.
  await new Promise<void>((resolve) => {
    silent.close(() => resolve());
    for (const socket of sockets) socket.destroy();
  });
  t.equal((await first).status, 502);
  await eventually(async () => (await inUse(sluice)).connections === 0, 20_000, 'the connection given back');
  t.same(await inUse(sluice), NONE_IN_USE);
});
