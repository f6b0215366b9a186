// gRPC status, metadata and Sluice's own errors end to end: custom metadata and trailers both ways,
// deadlines, and the trailers-only answers Sluice gives for an empty cluster and an unrouted call.
import t from 'tap';
import * as grpc from '@grpc/grpc-js';
import { errorTable } from '../../src/errors.js';
import {
  FAIL_CODE_KEY, SLEEP_MS_KEY, callUnary, deadlineIn, echoClient, startEchoBackends, waitUntil,
} from '../helpers/grpc.js';
import { startSluice } from '../helpers/sluice-process.js';

const TRAILER_BYTES = Buffer.from([0, 1, 2, 0xfe, 0xff]);

function sluiceYaml(routePath: string, endpoints: string): string {
  return `
listeners: [{ name: web, address: "127.0.0.1:0", protocol: http }]
routes: [{ paths: [{ path: ${routePath}, pathType: Prefix, cluster: echo }] }]
clusters: [{ name: echo, protocol: h2c, balancer: least_request, endpoints: [${endpoints}] }]
`;
}

function metadata(entries: Record<string, string | Buffer>): grpc.Metadata {
  const result = new grpc.Metadata();
  for (const [key, value] of Object.entries(entries)) result.set(key, value);
  return result;
}

t.test('metadata, trailers and non-OK statuses pass through exactly', async (t) => {
  const [backend] = await startEchoBackends(t, ['meta']);
  const sluice = await startSluice(t, sluiceYaml('/', `{ address: "${backend!.address}" }`));
  const client = echoClient(t, sluice.listeners.web!);

  const ok = await callUnary(client, { text: 'hi', number: 7 },
    metadata({ 'x-request-tag': 'tag-1', 'x-request-bin': Buffer.from([0xde, 0xad, 0xbe, 0xef]) }));
  t.equal(ok.status.code, grpc.status.OK, `OK (${ok.status.details})`);
  t.same(ok.result, { text: 'meta', number: 7 });
  t.same(backend!.lastMetadata?.get('x-request-tag'), ['tag-1'], 'request metadata reaches the backend');
  t.same(backend!.lastMetadata?.get('x-request-bin'), [Buffer.from([0xde, 0xad, 0xbe, 0xef])], 'binary request metadata too');
  t.same(ok.headers?.get('x-backend'), ['meta'], 'initial metadata reaches the client');
  t.same(ok.headers?.get('x-echo-tag'), ['tag-1']);
  t.same(ok.status.metadata.get('x-trailer'), ['yes'], 'trailing metadata reaches the client');
  t.same(ok.status.metadata.get('x-trailer-bin'), [TRAILER_BYTES], 'binary trailing metadata too');

  // grpc-js percent-encodes the message; Sluice must forward grpc-message untouched.
  const details = 'precondition failed: 100% sure, ünïcode ✓, "quoted"';
  const failed = await callUnary(client, { text: details, number: 1 }, metadata({ [FAIL_CODE_KEY]: String(grpc.status.FAILED_PRECONDITION) }));
  t.equal(failed.status.code, grpc.status.FAILED_PRECONDITION, 'the backend\'s status');
  t.equal(failed.status.details, details, 'the backend\'s message, exactly');
  t.same(failed.status.metadata.get('x-trailer'), ['yes'], 'trailers of a failed call');
  t.same(failed.status.metadata.get('x-trailer-bin'), [TRAILER_BYTES]);
  t.same(failed.status.metadata.get('x-sluice-error'), [], 'an upstream status is not a Sluice error');
  t.equal(failed.result, undefined);
  t.equal(await sluice.stop(), 0);
});

t.test('a 1 s deadline to a backend that sleeps 10 s → DEADLINE_EXCEEDED, and the backend hears of it', async (t) => {
  const [backend] = await startEchoBackends(t, ['sleepy']);
  const sluice = await startSluice(t, sluiceYaml('/', `{ address: "${backend!.address}" }`));
  const client = echoClient(t, sluice.listeners.web!);
  // Connect the channel first: on a loaded machine, connecting alone could eat a short deadline
  // before the call ever reached Sluice.
  t.equal((await callUnary(client, { text: 'warm', number: 0 })).status.code, grpc.status.OK, 'the channel is connected');

  const started = Date.now();
  const late = await callUnary(client, { text: 'zz', number: 1 }, metadata({ [SLEEP_MS_KEY]: '10000' }), deadlineIn(1_000));
  const elapsed = Date.now() - started;
  t.equal(late.status.code, grpc.status.DEADLINE_EXCEEDED, `DEADLINE_EXCEEDED (${late.status.details})`);
  t.ok(elapsed < 8_000, `answered after ${elapsed} ms, not after the backend's 10 s`);
  const deadline = backend!.lastDeadline;
  t.ok(deadline instanceof Date || (typeof deadline === 'number' && Number.isFinite(deadline)), 'grpc-timeout reached the backend');
  await waitUntil(() => backend!.cancelledBeforeAnswer === 1, 8_000, 'the backend call to be cancelled');
  t.pass('the backend call ended before its answer (deadline or reset propagated)');

  const next = await callUnary(client, { text: 'after', number: 2 });
  t.equal(next.status.code, grpc.status.OK, 'the channel still serves');
  t.equal(await sluice.stop(), 0);
});

t.test('a cluster with no endpoints → UNAVAILABLE naming no_healthy_endpoint', async (t) => {
  const sluice = await startSluice(t, sluiceYaml('/', ''));
  const client = echoClient(t, sluice.listeners.web!);
  const outcome = await callUnary(client, { text: 'anyone?', number: 1 });
  t.equal(outcome.status.code, grpc.status.UNAVAILABLE, `UNAVAILABLE (${outcome.status.details})`);
  t.equal(outcome.status.details, errorTable.no_healthy_endpoint.description, 'details describe the error');
  t.same(outcome.status.metadata.get('x-sluice-error'), ['no_healthy_endpoint'], 'x-sluice-error in the trailers');
  t.equal(await sluice.stop(), 0);
});

t.test('an unrouted call → UNIMPLEMENTED naming no_route', async (t) => {
  const [backend] = await startEchoBackends(t, ['unreached']);
  const sluice = await startSluice(t, sluiceYaml('/not.the.Service/', `{ address: "${backend!.address}" }`));
  const client = echoClient(t, sluice.listeners.web!);
  const outcome = await callUnary(client, { text: 'lost', number: 1 });
  t.equal(outcome.status.code, grpc.status.UNIMPLEMENTED, `UNIMPLEMENTED (${outcome.status.details})`);
  t.equal(outcome.status.details, errorTable.no_route.description, 'details describe the error');
  t.same(outcome.status.metadata.get('x-sluice-error'), ['no_route'], 'x-sluice-error in the trailers');
  t.equal(backend!.calls, 0, 'nothing reached the backend');
  t.equal(await sluice.stop(), 0);
});
