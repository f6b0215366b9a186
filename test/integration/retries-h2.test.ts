// Retries for HTTP/2 clients and for HTTP/2 endpoints: an h2c client of an http1 cluster (undici path),
// a gRPC call to an h2c cluster (its message replayed on the next endpoint), and an HTTP/1.1 client of
// an h2c cluster (the bridge), each with one endpoint whose port refuses connections; a 5xx retried for
// an HTTP/2 client and for an HTTP/1.1 client of an h2c cluster (a POST answered 503 not replayed), whose
// per-try timeout ends with the response head; and a gRPC call refused by a circuit breaker (UNAVAILABLE,
// trailers only).
import t from 'tap';
import * as grpc from '@grpc/grpc-js';
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import { request } from 'undici';
import { adminText, metricValue } from '../helpers/admin.js';
import { startBackend } from '../helpers/backend.js';
import { startH2Backend } from '../helpers/h2-backend.js';
import { SLEEP_MS_KEY, callUnary, echoClient, startEchoBackends } from '../helpers/grpc.js';
import { startSluice } from '../helpers/sluice-process.js';

/** An address nothing listens on (a port just bound and released). */
async function refusingAddress(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

function sluiceYaml(protocol: string, addresses: readonly string[]): string {
  return `
listeners: [{ name: web, address: "127.0.0.1:0" }]
defaultCluster: c
clusters:
  - name: c
    protocol: ${protocol}
    balancer: round_robin
    endpoints: [${addresses.map((address) => `{ address: "${address}" }`).join(', ')}]
`;
}

function h2Get(client: http2.ClientHttp2Session, pathname: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stream = client.request({ ':path': pathname });
    let status = 0;
    let body = '';
    stream.on('response', (headers) => { status = Number(headers[':status']); });
    stream.setEncoding('utf8').on('data', (chunk: string) => { body += chunk; });
    stream.on('end', () => resolve(`${status} ${body}`));
    stream.on('error', reject);
    stream.setTimeout(20_000, () => stream.close(http2.constants.NGHTTP2_CANCEL));
  });
}

t.test('an h2c client of an http1 cluster: connect failures are retried on the live endpoint', async (t) => {
  const live = await startBackend(t, 'live');
  const sluice = await startSluice(t, sluiceYaml('http1', [await refusingAddress(), live.address]));
  const client = http2.connect(`http://${sluice.listeners.web}`);
  t.teardown(() => client.close());
  const results: string[] = [];
  for (let i = 0; i < 8; i++) results.push(await h2Get(client, '/'));
  t.same(results, Array(8).fill('200 live'));
});

t.test('gRPC to an h2c cluster: a call whose first endpoint refuses the connection is replayed on the next', async (t) => {
  const [echo] = await startEchoBackends(t, ['echo']);
  const sluice = await startSluice(t, sluiceYaml('h2c', [await refusingAddress(), echo!.address]));
  const client = echoClient(t, sluice.listeners.web!);
  const codes: number[] = [];
  for (let number = 0; number < 8; number++) {
    const outcome = await callUnary(client, { text: 'hi', number });
    codes.push(outcome.status.code);
    if (outcome.result !== undefined) t.same(outcome.result, { text: 'echo', number }, `call ${number}: the message arrived whole`);
  }
  t.same(codes, Array(8).fill(0), 'every call OK');
  t.equal(echo!.calls, 8);
});

t.test('an HTTP/1.1 client of an h2c cluster (bridge): the connect failure is retried', async (t) => {
  const server = http2.createServer();
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200 });
    stream.end('h2-live');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sluice = await startSluice(t, sluiceYaml('h2c', [await refusingAddress(), address]));
  const results: string[] = [];
  for (let i = 0; i < 8; i++) {
    const response = await request(sluice.url('/'), { headersTimeout: 20_000, bodyTimeout: 20_000 });
    results.push(`${response.statusCode} ${await response.body.text()}`);
  }
  t.same(results, Array(8).fill('200 h2-live'));
});

t.test('an h2c client with on: [5xx]: the 503 is dropped and the other endpoint answers', async (t) => {
  const bad = await startBackend(t, 'bad', (req, res) => { req.resume(); res.statusCode = 503; res.end('bad'); });
  const good = await startBackend(t, 'good');
  const sluice = await startSluice(t, `${sluiceYaml('http1', [bad.address, good.address])}    retries: { on: [5xx] }\n`);
  const client = http2.connect(`http://${sluice.listeners.web}`);
  t.teardown(() => client.close());
  const results: string[] = [];
  for (let i = 0; i < 6; i++) results.push(await h2Get(client, '/'));
  t.same(results, Array(6).fill('200 good'));
  t.ok(bad.requests >= 1, 'the 503 endpoint was tried');
});

/** An HTTP/1.1 request through Sluice, tagged so the h2c backends note which request they saw. */
async function h1Send(url: string, tag: string, method = 'GET', body?: string): Promise<string> {
  const response = await request(url, { method, body, headers: { 'x-tag': tag }, headersTimeout: 20_000, bodyTimeout: 20_000 });
  return `${response.statusCode} ${await response.body.text()}`;
}

t.test('an HTTP/1.1 client of an h2c cluster with on: [5xx]: the 503 stream is cancelled and the other endpoint answers', async (t) => {
  const bad = await startH2Backend(t, 'bad', { status: 503 });
  const good = await startH2Backend(t, 'good');
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0" }]
routes:
  - paths: [{ path: /retry, pathType: Prefix, cluster: c }]
    retries: { attempts: 1, on: [5xx] }
defaultCluster: c
clusters: [{ name: c, protocol: h2c, balancer: round_robin, endpoints: [{ address: "${bad.address}" }, { address: "${good.address}" }] }]
`);
  const tags = Array.from({ length: 8 }, (_, i) => `get-${i}`);
  const results: string[] = [];
  for (const tag of tags) results.push(await h1Send(sluice.url('/retry'), tag));
  t.same(results, Array(8).fill('200 good'), 'every GET answered by the good endpoint');
  t.same(good.tags, tags, 'the good endpoint saw each request once');
  t.ok(bad.tags.length >= 1, `the 503 endpoint was tried (${bad.tags.length})`);
  t.equal(new Set(bad.tags).size, bad.tags.length, 'the 503 endpoint got each request at most once');
  const metrics = await adminText(sluice.admin, '/metrics');
  t.equal(metricValue(metrics.text, 'sluice_upstream_retries_total{cluster="c"}'), bad.tags.length, 'every dropped 503 counted as a retry');

  // The cluster's default policy does not retry responses: its 503s reach the client.
  const statuses: string[] = [];
  for (let i = 0; i < 6; i++) statuses.push(await h1Send(sluice.url('/other'), `other-${i}`));
  t.same([...new Set(statuses)].sort(), ['200 good', '503 bad'], 'without the route\'s policy the 503 reaches the client');
});

t.test('an HTTP/1.1 client of an h2c cluster with on: [5xx]: a POST answered 503 is not replayed; a GET is', async (t) => {
  const bad = await startH2Backend(t, 'bad', { status: 503 });
  const good = await startH2Backend(t, 'good');
  const sluice = await startSluice(t, `${sluiceYaml('h2c', [bad.address, good.address])}    retries: { attempts: 1, on: [5xx] }\n`, { workers: 1 });
  // Round robin on one worker alternates, so of two POSTs one goes to the 503 endpoint first.
  const posts = [await h1Send(sluice.url('/'), 'post-0', 'POST', 'payload'), await h1Send(sluice.url('/'), 'post-1', 'POST', 'payload')];
  t.same(posts.sort(), ['200 good', '503 bad'], 'the POST answered 503 reaches the client as it is');
  t.same([...bad.tags, ...good.tags].sort(), ['post-0', 'post-1'], 'each POST reached one endpoint once');
  const gets = [await h1Send(sluice.url('/'), 'get-0'), await h1Send(sluice.url('/'), 'get-1')];
  t.same(gets, ['200 good', '200 good'], 'the GET that met the 503 was retried');
  t.equal(bad.tags.filter((tag) => tag.startsWith('get-')).length, 1, 'one GET went to the 503 endpoint first');
  t.same(good.tags.filter((tag) => tag.startsWith('get-')), ['get-0', 'get-1']);
});

t.test('an HTTP/1.1 client of an h2c cluster: the per-try timeout ends with the response head, a slow body is relayed whole', async (t) => {
  // The body comes long after the per-try timeout; only a try still waiting for its head may be dropped.
  const backends = [await startH2Backend(t, 'slow-a', { bodyDelayMs: 1_500 }), await startH2Backend(t, 'slow-b', { bodyDelayMs: 1_500 })];
  const sluice = await startSluice(t, `${sluiceYaml('h2c', backends.map((backend) => backend.address))}    retries: { perTryTimeout: 200ms }\n`);
  const answer = await h1Send(sluice.url('/'), 'slow');
  t.ok(answer === '200 slow-a' || answer === '200 slow-b', `one endpoint's response, whole (${answer})`);
  t.equal(backends[0]!.requests + backends[1]!.requests, 1, 'the request was not retried once its head had arrived');
});

t.test('gRPC over the circuit breaker: UNAVAILABLE, trailers only, naming overflow', async (t) => {
  const [echo] = await startEchoBackends(t, ['echo']);
  const sluice = await startSluice(t, `${sluiceYaml('h2c', [echo!.address])}    circuitBreakers: { maxRequests: 1 }\n`);
  const client = echoClient(t, sluice.listeners.web!);
  const slow = new grpc.Metadata();
  slow.set(SLEEP_MS_KEY, '1500');
  const outcomes = await Promise.all([callUnary(client, { text: 'a', number: 1 }, slow), callUnary(client, { text: 'b', number: 2 }, slow)]);
  const codes = outcomes.map((outcome) => outcome.status.code).sort();
  t.same(codes, [grpc.status.OK, grpc.status.UNAVAILABLE]);
  const refused = outcomes.find((outcome) => outcome.status.code === grpc.status.UNAVAILABLE)!;
  t.same(refused.status.metadata.get('x-sluice-error'), ['overflow']);
  const metrics = await adminText(sluice.admin, '/metrics');
  t.equal(metricValue(metrics.text, 'sluice_circuit_breaker_overflows_total{cluster="c",breaker="requests"}'), 1);
});
