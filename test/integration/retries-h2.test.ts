// Retries for HTTP/2 clients and for HTTP/2 endpoints: an h2c client of an http1 cluster (undici path),
// a gRPC call to an h2c cluster (its message replayed on the next endpoint), and an HTTP/1.1 client of
// an h2c cluster (the bridge), each with one endpoint whose port refuses connections; a 5xx retried for
// an HTTP/2 client; and a gRPC call refused by a circuit breaker (UNAVAILABLE, trailers only).
import t from 'tap';
import * as grpc from '@grpc/grpc-js';
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import { request } from 'undici';
import { adminText, metricValue } from '../helpers/admin.js';
import { startBackend } from '../helpers/backend.js';
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
