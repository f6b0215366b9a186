// Retries, timeouts and circuit breakers end to end: a real sluice (2 workers) and real HTTP/1.1
// backends on 127.0.0.1:0. Every assertion is about behaviour (who answered, which status, which
// counter moved), never about how long something took.
import t from 'tap';
import { Agent, request } from 'undici';
import { adminText, metricValue } from '../helpers/admin.js';
import { startBackend, type Backend } from '../helpers/backend.js';
import { startSluice } from '../helpers/sluice-process.js';

const LISTENER = 'listeners: [{ name: web, address: "127.0.0.1:0" }]';

async function get(url: string, dispatcher?: Agent, method = 'GET', body?: string) {
  const response = await request(url, { method, dispatcher, body, headersTimeout: 30_000, bodyTimeout: 30_000 });
  return { status: response.statusCode, error: response.headers['x-sluice-error'], body: await response.body.text() };
}

/** A backend that answers `name` after `delayMs` (tests keep a slow backend slower than the timeout by a wide margin). */
function slow(delayMs: number) {
  return (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, backend: Backend) => {
    req.resume();
    const timer = setTimeout(() => res.end(backend.name), delayMs);
    res.on('close', () => clearTimeout(timer));
  };
}

t.test('a backend killed mid-load: zero failed GETs with the default retries', async (t) => {
  const [a, b] = await Promise.all(['a', 'b'].map((name) => startBackend(t, name)));
  const sluice = await startSluice(t, `
${LISTENER}
defaultCluster: c
clusters: [{ name: c, balancer: round_robin, endpoints: [{ address: "${a!.address}" }, { address: "${b!.address}" }] }]
`);
  const agent = new Agent({ connections: 1, pipelining: 1 });
  t.teardown(() => agent.close());
  const total = 500;
  let sent = 0;
  let answered = 0;
  let killed = false;
  const failures: string[] = [];
  const byBackend: Record<string, number> = {};
  const loop = async () => {
    while (sent < total) {
      sent++;
      const response = await get(sluice.url('/'), agent);
      answered++;
      if (response.status !== 200) failures.push(`${response.status} ${response.error ?? ''}`);
      else byBackend[response.body] = (byBackend[response.body] ?? 0) + 1;
      if (answered === 100 && !killed) {
        killed = true;
        void a!.close();
      }
    }
  };
  await Promise.all([loop(), loop(), loop()]);
  t.ok(killed, 'the backend was killed while the load ran');
  t.same(failures, [], 'no failed GET');
  t.equal(answered, total);
  t.ok((byBackend.a ?? 0) > 0 && (byBackend.b ?? 0) > (byBackend.a ?? 0), `both answered before the kill, b after it (${JSON.stringify(byBackend)})`);
  const metrics = await adminText(sluice.admin, '/metrics');
  t.ok((metricValue(metrics.text, 'sluice_upstream_retries_total{cluster="c"}') ?? 0) > 0, 'retries counted');
});

t.test('retry on 5xx: the 503 is discarded and the client sees the other backend\'s 200', async (t) => {
  const bad = await startBackend(t, 'bad', (req, res) => { req.resume(); res.statusCode = 503; res.end('bad'); });
  const good = await startBackend(t, 'good');
  const sluice = await startSluice(t, `
${LISTENER}
routes:
  - paths: [{ path: /retry, pathType: Prefix, cluster: c }]
    retries: { on: [5xx] }
defaultCluster: c
clusters: [{ name: c, balancer: round_robin, endpoints: [{ address: "${bad.address}" }, { address: "${good.address}" }] }]
`);
  const results: string[] = [];
  for (let i = 0; i < 10; i++) {
    const response = await get(sluice.url('/retry'));
    results.push(`${response.status} ${response.body}`);
  }
  t.same(results, Array(10).fill('200 good'), 'the route retries 503');
  const discarded = bad.requests;
  t.ok(discarded >= 1, `the bad backend was tried (${discarded})`);
  // The cluster's default policy does not retry responses.
  const statuses = new Set<number>();
  for (let i = 0; i < 4; i++) statuses.add((await get(sluice.url('/other'))).status);
  t.same([...statuses].sort(), [200, 503], 'without the route\'s policy the 503 reaches the client');
  const metrics = await adminText(sluice.admin, '/metrics');
  t.equal(metricValue(metrics.text, 'sluice_upstream_retries_total{cluster="c"}'), discarded, 'every discarded 503 counted as a retry');
});

t.test('a POST whose body was sent is not replayed after a reset; a GET is', async (t) => {
  const resetting = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    req.resume();
    req.on('end', () => res.socket?.destroy());
  };
  const [a, b] = await Promise.all(['a', 'b'].map((name) => startBackend(t, name, resetting)));
  const sluice = await startSluice(t, `
${LISTENER}
defaultCluster: c
clusters: [{ name: c, endpoints: [{ address: "${a!.address}" }, { address: "${b!.address}" }], retries: { on: [reset, 5xx] } }]
`);
  const post = await get(sluice.url('/'), undefined, 'POST', 'payload');
  t.same([post.status, post.error], [502, 'upstream_reset']);
  t.equal(a!.requests + b!.requests, 1, 'the POST reached one backend once');
  const getResponse = await get(sluice.url('/'));
  t.same([getResponse.status, getResponse.error], [502, 'upstream_reset']);
  t.equal(a!.requests + b!.requests, 3, 'the GET was tried on both backends');
  t.same([a!.requests >= 1, b!.requests >= 1], [true, true]);
});

t.test('a per-try timeout moves the request to another endpoint; a whole-request timeout answers 504', async (t) => {
  const stuck = await startBackend(t, 'stuck', slow(60_000));
  const fast = await startBackend(t, 'fast');
  const sluice = await startSluice(t, `
${LISTENER}
routes:
  - paths: [{ path: /per-try, pathType: Prefix, cluster: c }]
    retries: { perTryTimeout: 300ms }
  - paths: [{ path: /whole, pathType: Prefix, cluster: stuck }]
    timeouts: { request: 300ms }
clusters:
  - { name: c, balancer: round_robin, endpoints: [{ address: "${stuck.address}" }, { address: "${fast.address}" }] }
  - { name: stuck, endpoints: [{ address: "${stuck.address}" }] }
`);
  const results: string[] = [];
  for (let i = 0; i < 6; i++) {
    const response = await get(sluice.url('/per-try'));
    results.push(`${response.status} ${response.body}`);
  }
  t.same(results, Array(6).fill('200 fast'));
  t.ok(stuck.requests >= 2, `the stuck backend got its share first (${stuck.requests})`);
  const whole = await get(sluice.url('/whole'));
  t.same([whole.status, whole.error], [504, 'upstream_timeout'], 'the route\'s 300ms, not the cluster\'s 15s');
});

t.test('circuit breaker maxRequests 1: of two concurrent slow requests one gets 503 overflow, counted', async (t) => {
  const backend = await startBackend(t, 'slow', slow(1_500));
  const sluice = await startSluice(t, `
${LISTENER}
defaultCluster: c
clusters: [{ name: c, endpoints: [{ address: "${backend.address}" }], circuitBreakers: { maxRequests: 1 } }]
`);
  const results = await Promise.all([get(sluice.url('/')), get(sluice.url('/'))]);
  t.same(results.map((r) => `${r.status} ${r.error ?? r.body}`).sort(), ['200 slow', '503 overflow']);
  const metrics = await adminText(sluice.admin, '/metrics');
  t.equal(metricValue(metrics.text, 'sluice_circuit_breaker_overflows_total{cluster="c",breaker="requests"}'), 1);
  t.equal((await get(sluice.url('/'))).status, 200, 'the unit was given back');
});

/**
 * A raw endpoint that answers its first request on each connection with keep-alive, then closes that
 * connection without a word as soon as the next request's bytes arrive (a keep-alive race lost).
 */
async function closesReusedConnections(t: { teardown(fn: () => Promise<void>): void }) {
  const { createServer } = await import('node:net');
  const seen: string[] = [];
  const server = createServer((socket) => {
    let requests = 0;
    socket.on('data', (chunk) => {
      requests++;
      seen.push(chunk.toString('latin1').split(' ', 1)[0]!);
      if (requests > 1) socket.destroy();
      else socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok');
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as import('node:net').AddressInfo;
  return { address: `127.0.0.1:${port}`, seen };
}

t.test('a reused keep-alive connection closed under a request: a GET is replayed on a fresh one, a POST is not', async (t) => {
  const endpoint = await closesReusedConnections(t);
  const sluice = await startSluice(t, `
${LISTENER}
defaultCluster: c
clusters: [{ name: c, endpoints: [{ address: "${endpoint.address}" }], retries: { attempts: 0 } }]
`, { workers: 1 });
  const agent = new Agent({ connections: 1, pipelining: 1 });
  t.teardown(() => agent.close());
  t.equal((await get(sluice.url('/'), agent)).status, 200, 'first GET opens the upstream connection');
  t.equal((await get(sluice.url('/'), agent)).status, 200, 'second GET: the reused connection closes, replayed on a fresh one');
  t.equal((await get(sluice.url('/'), agent)).status, 200, 'third GET reuses the fresh connection… and is replayed again');
  const before = endpoint.seen.length;
  const post = await get(sluice.url('/'), agent, 'POST', 'x');
  t.equal(post.status, 502, 'the POST lost on a reused connection is answered 502, not sent twice');
  t.same(endpoint.seen.slice(before), ['POST'], 'the endpoint saw the POST exactly once');
});
