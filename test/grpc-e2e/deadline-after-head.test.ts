// A deadline that passes after the response head was relayed: a gRPC call ends with grpc-status
// DEADLINE_EXCEEDED in trailers (its messages so far delivered), the endpoint's stream is cancelled or
// its HTTP/1.1 connection dropped, and the timeout is counted; a plain HTTP/2 request is reset as before.
import t from 'tap';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { errorTable } from '../../src/errors.js';
import { percentEncodeGrpcMessage } from '../../src/grpc/grpc-status.js';
import { eventually, adminText, metricValue } from '../helpers/admin.js';
import { SLEEP_MS_KEY, callServerStream, echoClient, startEchoBackends, waitUntil } from '../helpers/grpc.js';
import { startSluice } from '../helpers/sluice-process.js';

const { NGHTTP2_CANCEL, NGHTTP2_INTERNAL_ERROR, NGHTTP2_NO_ERROR } = http2.constants;
const ENDPOINT_DELAY_MS = 10_000;
const TIMEOUT_TEXT = errorTable.upstream_timeout.description;

function sluiceYaml(protocol: string, address: string): string {
  return `
listeners: [{ name: web, address: "127.0.0.1:0", protocol: http }]
routes: [{ paths: [{ path: /, pathType: Prefix, cluster: up }], timeouts: { request: 1s } }]
clusters: [{ name: up, protocol: ${protocol}, endpoints: [{ address: "${address}" }] }]
`;
}

async function timeoutsCounted(admin: string, count: number): Promise<void> {
  await eventually(async () => metricValue((await adminText(admin, '/metrics')).text, 'sluice_upstream_timeouts_total{cluster="up"}') === count,
    20_000, `sluice_upstream_timeouts_total ${count}`);
}

t.test('grpc-js server stream: two messages, then DEADLINE_EXCEEDED from the trailers', async (t) => {
  const [backend] = await startEchoBackends(t, ['slow-stream']);
  const sluice = await startSluice(t, sluiceYaml('h2c', backend!.address), { workers: 1 });
  const client = echoClient(t, sluice.listeners.web!);
  await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 15_000, (error) => (error ? reject(error) : resolve())));

  // The route's 1 s timeout is the deadline: a grpc-js deadline would fire in the client itself first
  // (Sluice's deadline, from the grpc-timeout it sends, is never earlier), hiding what Sluice sends.
  const sleep = new grpc.Metadata();
  sleep.set(SLEEP_MS_KEY, String(ENDPOINT_DELAY_MS));
  const started = Date.now();
  const outcome = await callServerStream(client, { text: 'tick', number: 2 }, sleep, {});
  const elapsed = Date.now() - started;
  t.same(outcome.result, [{ text: 'tick:0', number: 0 }, { text: 'tick:1', number: 1 }], 'both messages arrive first');
  t.same(outcome.headers?.get('x-backend'), ['slow-stream'], 'the endpoint\'s head was relayed');
  t.equal(outcome.status.code, grpc.status.DEADLINE_EXCEEDED, `DEADLINE_EXCEEDED (${outcome.status.details})`);
  t.equal(outcome.status.details, TIMEOUT_TEXT, 'the message comes from Sluice\'s trailers');
  t.same(outcome.status.metadata.get('x-sluice-error'), ['upstream_timeout'], 'trailers name the Sluice error');
  t.ok(elapsed < ENDPOINT_DELAY_MS - 2_000, `ended after ${elapsed} ms, not after the endpoint's ${ENDPOINT_DELAY_MS} ms`);
  await waitUntil(() => backend!.cancelledBeforeAnswer === 1, 8_000, 'the endpoint\'s call to be cancelled');
  t.pass('the endpoint\'s stream was cancelled before it ended');
  await timeoutsCounted(sluice.admin, 1);

  const next = await callServerStream(client, { text: 'after', number: 1 });
  t.equal(next.status.code, grpc.status.OK, 'the channel still serves');
  t.equal(await sluice.stop(), 0);
});

interface H2Outcome {
  readonly status: number;
  readonly body: Buffer;
  readonly trailers: http2.IncomingHttpHeaders | undefined;
  readonly rstCode: number | undefined;
}

/** One request on `session`, whatever its end (trailers, plain end or reset). */
function h2Call(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders): Promise<H2Outcome> {
  return new Promise((resolve) => {
    const stream = session.request({ ':method': 'POST', ':path': '/slow.Slow/Stream', ...headers }, { endStream: true });
    let status = 0;
    const parts: Buffer[] = [];
    let trailers: http2.IncomingHttpHeaders | undefined;
    stream.on('response', (received) => { status = Number(received[':status']); });
    stream.on('data', (chunk: Buffer) => parts.push(chunk));
    stream.on('trailers', (received) => { trailers = received; });
    stream.on('error', () => {});
    stream.on('close', () => resolve({ status, body: Buffer.concat(parts), trailers, rstCode: stream.rstCode }));
    stream.setTimeout(20_000, () => stream.close(NGHTTP2_CANCEL));
  });
}

/** Two gRPC frames (uncompressed flag, 4-byte length, message). */
const MESSAGES = Buffer.from([0, 0, 0, 0, 1, 0x61, 0, 0, 0, 0, 1, 0x62]);
const GRPC_REQUEST = { 'content-type': 'application/grpc', te: 'trailers', 'grpc-timeout': '1S' };

interface Teardown { teardown(fn: () => unknown): void }

/** What a slow endpoint saw of the request that ran past its deadline. */
interface SlowEndpoint { readonly address: string; cut: boolean }

/** An h2c endpoint that sends its head and MESSAGES, then would end 10 s later; `cut` once Sluice cancels its stream. */
async function slowH2Endpoint(t: Teardown): Promise<SlowEndpoint> {
  const server = http2.createServer();
  const endpoint = { address: '', cut: false };
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.write(MESSAGES);
    const late = setTimeout(() => stream.end(), ENDPOINT_DELAY_MS);
    stream.on('error', () => {});
    stream.once('close', () => {
      clearTimeout(late);
      if (stream.rstCode === NGHTTP2_CANCEL) endpoint.cut = true;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint.address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  return endpoint;
}

/** The same over HTTP/1.1: a chunked application/grpc response; `cut` once Sluice drops the connection. */
async function slowH1Endpoint(t: Teardown): Promise<SlowEndpoint> {
  const endpoint = { address: '', cut: false };
  const server = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/grpc', trailer: 'grpc-status' });
    res.write(MESSAGES);
    const late = setTimeout(() => {
      res.addTrailers({ 'grpc-status': '0' });
      res.end();
    }, ENDPOINT_DELAY_MS);
    res.once('close', () => {
      clearTimeout(late);
      if (!res.writableFinished) endpoint.cut = true;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint.address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.teardown(() => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }));
  return endpoint;
}

for (const [protocol, start] of [['h2c', slowH2Endpoint], ['http1', slowH1Endpoint]] as const) {
  t.test(`grpc-timeout 1S after the head (${protocol} cluster): trailers with grpc-status 4, the try dropped`, async (t) => {
    const endpoint = await start(t);
    const sluice = await startSluice(t, sluiceYaml(protocol, endpoint.address), { workers: 1 });
    const session = http2.connect(`http://${sluice.listeners.web}`);
    t.teardown(() => session.close());

    const grpcCall = await h2Call(session, GRPC_REQUEST);
    t.equal(grpcCall.status, 200, 'the endpoint\'s head was relayed');
    t.same(grpcCall.body, MESSAGES, 'its messages too');
    t.equal(grpcCall.rstCode, NGHTTP2_NO_ERROR, 'the stream ended, not reset');
    t.match(grpcCall.trailers, { 'grpc-status': '4', 'grpc-message': percentEncodeGrpcMessage(TIMEOUT_TEXT), 'x-sluice-error': 'upstream_timeout' },
      'DEADLINE_EXCEEDED in trailers');
    await waitUntil(() => endpoint.cut, 8_000, 'the endpoint\'s exchange to be cut');
    t.pass(protocol === 'h2c' ? 'the endpoint\'s stream was cancelled' : 'the endpoint\'s connection was dropped');

    // Without gRPC there is no way to signal an error after the head: the route's 1 s deadline resets the stream.
    const plain = await h2Call(session, {});
    t.same([plain.status, plain.body], [200, MESSAGES], 'a plain request got its head and body so far');
    t.same([plain.rstCode, plain.trailers], [NGHTTP2_INTERNAL_ERROR, undefined], 'then a reset, no trailers');
    await timeoutsCounted(sluice.admin, 2);
    t.equal(await sluice.stop(), 0);
  });
}
