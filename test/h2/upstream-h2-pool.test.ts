// UpstreamH2Pool against real node:http2 servers on 127.0.0.1: multiplexing, the peer's stream limit,
// GOAWAY, refused streams, connect failures and timeouts, idle sweeps, close(), TLS (h2), and the
// cluster's maxConnections and maxPendingRequests breakers.
import t from 'tap';
import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import http2, { type ClientHttp2Session, type ClientHttp2Stream, type Http2Server, type Http2SecureServer, type ServerHttp2Session, type ServerHttp2Stream, type Settings } from 'node:http2';
import { ClusterField, EndpointTable } from '../../src/balancing/endpoint-table.js';
import { upstreamFailure } from '../../src/h2/upstream-failure.js';
import { cancelStream, UpstreamH2Pool, wasRefused } from '../../src/h2/upstream-h2-pool.js';
import { CircuitBreakers, type BreakerName } from '../../src/resilience/circuit-breakers.js';
import type { CircuitBreakersSnapshot } from '../../src/snapshot.js';

const { NGHTTP2_NO_ERROR, NGHTTP2_REFUSED_STREAM, NGHTTP2_INTERNAL_ERROR, NGHTTP2_ENHANCE_YOUR_CALM } = http2.constants;
const SLOT = 3;
const CLUSTER_SLOT = 2;
const TIMEOUTS = { connectMs: 1_000, idleMs: 5_000 };
const NO_LIMITS: CircuitBreakersSnapshot = { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 };
/** A fresh object per test: tap keeps state in the options it is given. */
const bounded = (): { timeout: number } => ({ timeout: 10_000 });

type Teardown = Pick<typeof t, 'teardown'>;

/** A test upstream: `/ok` answers 200 "ok", `/hold` waits for `release`, `/refuse` is refused, `/reset-after-response`
 *  answers 200 then resets the stream. */
interface Upstream {
  readonly port: number;
  readonly sessions: ServerHttp2Session[];
  readonly held: ServerHttp2Stream[];
  heldCount(count: number): Promise<void>;
}

function serve(server: Http2Server | Http2SecureServer, t: Teardown): Promise<Upstream> {
  const sessions: ServerHttp2Session[] = [];
  const held: ServerHttp2Stream[] = [];
  const heldWaiters: Array<() => void> = [];
  const sockets: net.Socket[] = [];
  server.on('connection', (socket: net.Socket) => sockets.push(socket));
  server.on('session', (session: ServerHttp2Session) => {
    sessions.push(session);
    session.on('error', () => {});
  });
  server.on('stream', (stream: ServerHttp2Stream, headers) => {
    stream.on('error', () => {});
    switch (headers[':path']) {
      case '/ok':
        stream.respond({ ':status': 200 });
        stream.end('ok');
        return;
      case '/hold':
        held.push(stream);
        for (const wake of heldWaiters.splice(0)) wake();
        return;
      case '/refuse':
        stream.close(NGHTTP2_REFUSED_STREAM);
        return;
      case '/reset-after-response':
        stream.respond({ ':status': 200 });
        // destroy() resets at once; close() would end the response first and send no RST_STREAM.
        stream.write('partial', () => stream.destroy(new Error('upstream broke mid-response')));
        return;
      default:
        stream.respond({ ':status': 404 });
        stream.end();
    }
  });
  const heldCount = async (count: number): Promise<void> => {
    while (held.length < count) await new Promise<void>((resolve) => heldWaiters.push(resolve));
  };
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({ port: (server.address() as net.AddressInfo).port, sessions, held, heldCount });
    });
  });
}

function startUpstream(t: Teardown, settings?: Settings): Promise<Upstream> {
  return serve(http2.createServer(settings ? { settings } : {}), t);
}

function release(stream: ServerHttp2Stream): void {
  stream.respond({ ':status': 200 });
  stream.end('released');
}

interface Outcome {
  readonly status: number | undefined;
  readonly body: string;
  readonly rstCode: number | undefined;
  readonly error: (Error & { code?: string; cause?: { code?: string } }) | undefined;
}

/** Everything one stream did, once it has closed. */
function outcome(stream: ClientHttp2Stream): Promise<Outcome> {
  let status: number | undefined;
  let body = '';
  let error: Outcome['error'];
  stream.setEncoding('utf8');
  stream.on('response', (headers) => { status = Number(headers[':status']); });
  stream.on('data', (chunk: string) => { body += chunk; });
  stream.on('error', (cause: Outcome['error']) => { error = cause; });
  return new Promise((resolve) => {
    stream.on('close', () => resolve({ status, body, rstCode: stream.rstCode, error }));
  });
}

interface Request {
  readonly stream: ClientHttp2Stream;
  readonly session: ClientHttp2Session;
  readonly done: Promise<Outcome>;
  /** Settles when the stream's session has emitted 'close' (and so has left the pool). */
  readonly sessionClosed: Promise<void>;
}

/** Not events.once: that rejects on the 'error' a failing session emits before 'close'. */
function closeOf(session: ClientHttp2Session): Promise<void> {
  return new Promise((resolve) => session.once('close', () => resolve()));
}

function get(pool: UpstreamH2Pool, path: string): Request {
  const stream = pool.request({ ':method': 'GET', ':path': path }, true);
  const session = stream.session as ClientHttp2Session;
  return { stream, session, done: outcome(stream), sessionClosed: closeOf(session) };
}

interface TestPool {
  readonly pool: UpstreamH2Pool;
  readonly table: EndpointTable;
  /** Refusals per breaker. */
  readonly overflows: Record<BreakerName, number>;
  /** The cluster's connections and pending requests in use (breaker units). */
  readonly held: () => { connections: number; pending: number };
}

function newPool(port: number, clock = { now: 0 }, protocol: 'h2' | 'h2c' = 'h2c', ca?: string, limits = NO_LIMITS): TestPool {
  const table = EndpointTable.create(4);
  const overflows: Record<BreakerName, number> = { connections: 0, pending: 0, requests: 0, retries: 0 };
  const counter = (name: BreakerName) => ({ inc: () => { overflows[name]++; } });
  const breakers = new CircuitBreakers(table, CLUSTER_SLOT, limits,
    { connections: counter('connections'), pending: counter('pending'), requests: counter('requests'), retries: counter('retries') });
  const pool = new UpstreamH2Pool(table, SLOT, '127.0.0.1', port, protocol, { ...TIMEOUTS, breakers }, clock,
    ca === undefined ? undefined : { ca, insecureSkipVerify: false });
  const held = () => ({ connections: table.count(CLUSTER_SLOT, ClusterField.CONNECTIONS), pending: table.count(CLUSTER_SLOT, ClusterField.PENDING) });
  return { pool, table, overflows, held };
}

/** A TCP server that accepts and never answers: a TLS session to it never finishes connecting. */
async function silentServer(t: Teardown): Promise<net.Server> {
  const sockets: net.Socket[] = [];
  const silent = net.createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
    silent.close();
  });
  return silent;
}

t.test('concurrent requests share one session', bounded(), async (t) => {
  const upstream = await startUpstream(t);
  const { pool, table } = newPool(upstream.port);
  t.equal(pool.slot, SLOT);
  const requests = [get(pool, '/ok'), get(pool, '/ok'), get(pool, '/ok')];
  t.equal(pool.sessionCount, 1);
  t.equal(new Set(requests.map((request) => request.session)).size, 1, 'one client session');
  const outcomes = await Promise.all(requests.map((request) => request.done));
  t.same(outcomes.map((result) => [result.status, result.body]), [[200, 'ok'], [200, 'ok'], [200, 'ok']]);
  t.equal(upstream.sessions.length, 1, 'the upstream saw one connection');
  t.equal(table.connections(SLOT), 1);
  pool.close();
  await requests[0]!.sessionClosed;
  t.equal(pool.sessionCount, 0);
  t.equal(table.connections(SLOT), 0);
});

t.test('a second session opens when the peer\'s maxConcurrentStreams is reached', bounded(), async (t) => {
  const upstream = await startUpstream(t, { maxConcurrentStreams: 2 });
  const { pool, table } = newPool(upstream.port);
  t.equal((await get(pool, '/ok').done).status, 200, 'the peer\'s SETTINGS have arrived');
  const first = get(pool, '/hold');
  const second = get(pool, '/hold');
  t.equal(second.session, first.session, 'two streams fit the first session');
  const third = get(pool, '/hold');
  t.not(third.session, first.session, 'the third needs a new session');
  t.equal(pool.sessionCount, 2);
  await upstream.heldCount(3);
  t.equal(upstream.sessions.length, 2);
  t.equal(table.connections(SLOT), 2);
  for (const stream of upstream.held) release(stream);
  const outcomes = await Promise.all([first.done, second.done, third.done]);
  t.same(outcomes.map((result) => result.body), ['released', 'released', 'released']);
  t.equal(get(pool, '/ok').session, first.session, 'with capacity back, the oldest session is used first');
  pool.close();
  await Promise.all([first.sessionClosed, third.sessionClosed]);
  t.equal(table.connections(SLOT), 0);
});

t.test('after a GOAWAY new requests go to a new session and in-flight ones finish', bounded(), async (t) => {
  const upstream = await startUpstream(t);
  const { pool, table } = newPool(upstream.port);
  const inFlight = get(pool, '/hold');
  await upstream.heldCount(1);
  const goaway = once(inFlight.session, 'goaway');
  upstream.sessions[0]!.goaway(NGHTTP2_NO_ERROR, upstream.held[0]!.id!);
  await goaway;
  const after = get(pool, '/ok');
  t.not(after.session, inFlight.session, 'a new session');
  t.equal(pool.sessionCount, 2);
  t.same((await after.done).body, 'ok');
  release(upstream.held[0]!);
  const finished = await inFlight.done;
  t.same([finished.status, finished.body, wasRefused(inFlight.stream)], [200, 'released', false]);
  await inFlight.sessionClosed;
  t.equal(pool.sessionCount, 1, 'the old session closed once its stream ended');
  t.equal(table.connections(SLOT), 1);
  pool.close();
  await after.sessionClosed;
});

t.test('streams beyond an error GOAWAY\'s last stream id count as refused, earlier ones not', bounded(), async (t) => {
  const upstream = await startUpstream(t);
  const { pool } = newPool(upstream.port);
  const processed = get(pool, '/hold');
  const beyond = get(pool, '/hold');
  await upstream.heldCount(2);
  upstream.sessions[0]!.goaway(NGHTTP2_ENHANCE_YOUR_CALM, upstream.held[0]!.id!);
  const [processedOutcome, beyondOutcome] = await Promise.all([processed.done, beyond.done]);
  t.same([processedOutcome.rstCode, beyondOutcome.rstCode], [NGHTTP2_ENHANCE_YOUR_CALM, NGHTTP2_ENHANCE_YOUR_CALM], 'rstCode alone does not tell');
  t.equal(wasRefused(processed.stream), false);
  t.equal(wasRefused(beyond.stream), true);
  const next = get(pool, '/ok');
  t.not(next.session, processed.session);
  t.equal((await next.done).status, 200);
  pool.close();
  await next.sessionClosed;
});

t.test('wasRefused: REFUSED_STREAM yes, a reset after the response started no', bounded(), async (t) => {
  const upstream = await startUpstream(t);
  const { pool } = newPool(upstream.port);
  const refused = get(pool, '/refuse');
  const reset = get(pool, '/reset-after-response');
  const [refusedOutcome, resetOutcome] = await Promise.all([refused.done, reset.done]);
  t.same([refusedOutcome.status, refusedOutcome.rstCode, wasRefused(refused.stream)], [undefined, NGHTTP2_REFUSED_STREAM, true]);
  t.same([resetOutcome.status, resetOutcome.rstCode, wasRefused(reset.stream)], [200, NGHTTP2_INTERNAL_ERROR, false]);
  t.equal(pool.sessionCount, 1, 'a reset stream leaves its session usable');
  pool.close();
  await refused.sessionClosed;
});

t.test('a connect to a closed port fails the stream', bounded(), async (t) => {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const { pool, table } = newPool(port);
  const request = get(pool, '/ok');
  const failed = await request.done;
  t.equal(failed.status, undefined);
  t.equal(failed.error?.cause?.code, 'ECONNREFUSED');
  t.equal(wasRefused(request.stream), false, 'a connect failure is not a refused stream');
  await request.sessionClosed;
  t.equal(pool.sessionCount, 0);
  t.equal(table.connections(SLOT), 0, 'never counted as a connection');
});

t.test('sweep closes sessions idle past idleMs, not busy ones, with the current timeouts', bounded(), async (t) => {
  const upstream = await startUpstream(t);
  const clock = { now: 1_000 };
  const { pool, table } = newPool(upstream.port, clock);
  const busy = get(pool, '/hold');
  await upstream.heldCount(1);
  pool.sweep(1_000_000);
  t.equal(busy.session.closed, false, 'a session with an open stream stays');
  clock.now = 2_000;
  release(upstream.held[0]!);
  await busy.done;
  pool.sweep(2_000 + TIMEOUTS.idleMs - 1);
  t.equal(busy.session.closed, false, 'idle, not yet past idleMs');
  pool.configure({ connectMs: TIMEOUTS.connectMs, idleMs: 100, breakers: pool.breakers });
  pool.sweep(2_099);
  t.equal(busy.session.closed, false);
  pool.sweep(2_100);
  t.equal(busy.session.closed, true, 'idle past the new idleMs');
  await busy.sessionClosed;
  t.equal(pool.sessionCount, 0);
  t.equal(table.connections(SLOT), 0);
});

t.test('sweep fails a session still connecting past connectMs', bounded(), async (t) => {
  // A TLS client connects only after the handshake, which a silent TCP server never completes.
  const silent = await silentServer(t);
  const clock = { now: 500 };
  const { pool, table } = newPool((silent.address() as net.AddressInfo).port, clock, 'h2');
  const request = get(pool, '/ok');
  await once(silent, 'connection');
  pool.sweep(500 + TIMEOUTS.connectMs - 1);
  t.equal(request.stream.destroyed, false, 'still within connectMs');
  pool.sweep(500 + TIMEOUTS.connectMs);
  const failed = await request.done;
  t.equal(failed.error?.cause?.code, 'ETIMEDOUT');
  await request.sessionClosed;
  t.equal(pool.sessionCount, 0);
  t.equal(table.connections(SLOT), 0);
});

t.test('close() closes idle sessions now and busy ones once their streams end', bounded(), async (t) => {
  const upstream = await startUpstream(t, { maxConcurrentStreams: 1 });
  const { pool, table } = newPool(upstream.port);
  await get(pool, '/ok').done;
  const busy = get(pool, '/hold');
  const idle = get(pool, '/ok');
  t.not(idle.session, busy.session);
  await Promise.all([idle.done, upstream.heldCount(1)]);
  t.equal(table.connections(SLOT), 2);
  pool.close();
  await idle.sessionClosed;
  t.equal(busy.session.destroyed, false, 'the busy session stays for its stream');
  t.equal(pool.sessionCount, 1);
  t.equal(table.connections(SLOT), 1);
  release(upstream.held[0]!);
  t.same((await busy.done).body, 'released');
  await busy.sessionClosed;
  t.equal(pool.sessionCount, 0);
  t.equal(table.connections(SLOT), 0);
});

t.test('h2 connects over TLS with ALPN h2 and verifies the certificate', bounded(), async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-h2-pool-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const certPath = join(dir, 'upstream.crt');
  const keyPath = join(dir, 'upstream.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyPath, '-out', certPath, '-days', '1', '-subj', '/CN=upstream', '-addext', 'subjectAltName=IP:127.0.0.1'],
  { stdio: 'pipe', timeout: 10_000 });
  const cert = readFileSync(certPath, 'utf8');
  const upstream = await serve(http2.createSecureServer({ cert, key: readFileSync(keyPath, 'utf8') }), t);

  const trusted = newPool(upstream.port, { now: 0 }, 'h2', cert);
  const request = get(trusted.pool, '/ok');
  const answered = await request.done;
  t.same([answered.status, answered.body], [200, 'ok']);
  t.equal(request.session.alpnProtocol, 'h2');
  t.equal(trusted.table.connections(SLOT), 1);
  trusted.pool.close();
  await request.sessionClosed;

  const untrusting = newPool(upstream.port, { now: 0 }, 'h2');
  const rejected = get(untrusting.pool, '/ok');
  const failed = await rejected.done;
  t.equal(failed.status, undefined);
  t.equal(failed.error?.cause?.code, 'DEPTH_ZERO_SELF_SIGNED_CERT');
  await rejected.sessionClosed;
  t.equal(untrusting.pool.sessionCount, 0);
  t.equal(untrusting.table.connections(SLOT), 0);
});

/** A stream the breakers may have refused (a refused one has no session). */
function tryGet(pool: UpstreamH2Pool, path: string): { stream: ClientHttp2Stream; done: Promise<Outcome> } {
  const stream = pool.request({ ':method': 'GET', ':path': path }, true);
  return { stream, done: outcome(stream) };
}

/** Settles once the peer has read everything sent on the session before it (its PING ack comes after). */
function roundTrip(session: ClientHttp2Session): Promise<void> {
  return new Promise((resolve, reject) => session.ping((error) => (error ? reject(error) : resolve())));
}

t.test('maxConnections 1 at the peer\'s stream limit: the next request waits on the session as pending (Envoy), one more overflows', bounded(), async (t) => {
  const upstream = await startUpstream(t, { maxConcurrentStreams: 1 });
  const { pool, overflows, held } = newPool(upstream.port, { now: 0 }, 'h2c', undefined, { ...NO_LIMITS, maxConnections: 1, maxPendingRequests: 1 });
  const first = get(pool, '/ok');
  t.same(held(), { connections: 1, pending: 1 }, 'a request on a session still connecting is pending');
  t.equal((await first.done).status, 200);
  t.same(held(), { connections: 1, pending: 0 }, 'sent once connected');

  const holding = get(pool, '/hold');
  await upstream.heldCount(1);
  const waiting = get(pool, '/hold');
  t.equal(waiting.session, holding.session, 'no second session over maxConnections');
  t.same(held(), { connections: 1, pending: 1 });
  t.same(overflows, { connections: 1, pending: 0, requests: 0, retries: 0 }, 'the connection breaker counts its refusal');
  const refused = tryGet(pool, '/ok');
  t.equal(upstreamFailure((await refused.done).error), 'overflow', 'beyond maxPendingRequests the stream fails as an overflow');
  t.equal(overflows.pending, 1);
  await roundTrip(holding.session);
  t.equal(upstream.held.length, 1, 'the waiting stream was not sent beyond the peer\'s limit');

  release(upstream.held[0]!);
  await upstream.heldCount(2);
  t.same(held(), { connections: 1, pending: 0 }, 'sent when the stream before it ended');
  const queued = get(pool, '/hold');
  t.same(held(), { connections: 1, pending: 1 });
  // A stream nghttp2 holds back was never sent: cancelling it gives its unit back at once, not when it could
  // have been sent (what close() alone would wait for).
  cancelStream(queued.stream);
  t.same((await queued.done).body, '', 'the cancelled stream ends');
  t.same(held(), { connections: 1, pending: 0 }, 'the cancelled stream gave its unit back while the streams ahead still run');
  t.equal(upstream.held.length, 2, 'it never reached the upstream');
  release(upstream.held[1]!);
  const outcomes = await Promise.all([holding.done, waiting.done]);
  t.same(outcomes.map((result) => result.body), ['released', 'released'], 'both held requests answered');
  await roundTrip(holding.session);
  t.equal(upstream.held.length, 2, 'the cancelled stream never reached the upstream');
  t.equal(upstream.sessions.length, 1, 'the upstream saw one connection');
  pool.close();
  await holding.sessionClosed;
  t.same(held(), { connections: 0, pending: 0 });
});

t.test('maxConnections reached by other sessions (another worker) and none here: the request overflows', bounded(), async (t) => {
  const upstream = await startUpstream(t);
  const { pool, table, overflows, held } = newPool(upstream.port, { now: 0 }, 'h2c', undefined, { ...NO_LIMITS, maxConnections: 1 });
  t.equal(table.acquireUpTo(CLUSTER_SLOT, ClusterField.CONNECTIONS, 1), true, 'the cluster\'s one connection is taken elsewhere');
  const refused = tryGet(pool, '/ok');
  t.equal(upstreamFailure((await refused.done).error), 'overflow');
  t.equal(pool.sessionCount, 0);
  t.equal(upstream.sessions.length, 0, 'nothing connected');
  t.same(overflows, { connections: 1, pending: 0, requests: 0, retries: 0 });
  t.same(held(), { connections: 1, pending: 0 }, 'the pending unit was given back');
  table.release(CLUSTER_SLOT, ClusterField.CONNECTIONS);
  const admitted = get(pool, '/ok');
  t.equal((await admitted.done).status, 200, 'admitted once the unit is back');
  pool.close();
  await admitted.sessionClosed;
  t.same(held(), { connections: 0, pending: 0 });
});

t.test('maxPendingRequests while a session connects: the request beyond it overflows; a failed connect gives all units back', bounded(), async (t) => {
  const silent = await silentServer(t);
  const clock = { now: 0 };
  const { pool, overflows, held } = newPool((silent.address() as net.AddressInfo).port, clock, 'h2', undefined, { ...NO_LIMITS, maxPendingRequests: 2 });
  const one = get(pool, '/ok');
  const two = get(pool, '/ok');
  t.equal(two.session, one.session, 'both wait for the one session');
  t.same(held(), { connections: 1, pending: 2 });
  const refused = tryGet(pool, '/ok');
  t.equal(upstreamFailure((await refused.done).error), 'overflow');
  t.same(overflows, { connections: 0, pending: 1, requests: 0, retries: 0 });
  t.equal(pool.sessionCount, 1, 'no session opened for the refused request');
  await once(silent, 'connection');
  pool.sweep(TIMEOUTS.connectMs);
  await Promise.all([one.done, two.done, one.sessionClosed]);
  t.same(held(), { connections: 0, pending: 0 });
});
