// Client-streaming, server-streaming and bidi gRPC calls through Sluice (h2c both sides): 1,000 messages
// of about 1 KB each way, far past HTTP/2's initial flow-control window, arrive intact and in order.
import t from 'tap';
import {
  callBidi, callClientStream, callServerStream, echoClient, startEchoBackends, type EchoMessage,
} from '../helpers/grpc.js';
import { startSluice } from '../helpers/sluice-process.js';

const MESSAGES = 1_000;

/** Distinct, varying-length payloads so a dropped, duplicated or reordered message cannot go unseen. */
function messages(): EchoMessage[] {
  return Array.from({ length: MESSAGES }, (_, number) => ({
    text: `${number}:${String.fromCharCode(97 + (number % 26)).repeat(1_000 + (number % 97))}`,
    number,
  }));
}

t.test('streaming calls through sluice', async (t) => {
  const [backend] = await startEchoBackends(t, ['streamer']);
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0", protocol: http }]
routes: [{ paths: [{ path: /, pathType: Prefix, cluster: echo }] }]
clusters: [{ name: echo, protocol: h2c, balancer: least_request, endpoints: [{ address: "${backend!.address}" }] }]
`);
  const client = echoClient(t, sluice.listeners.web!);

  t.test('client streaming: 1,000 messages in, one answer out', async (t) => {
    const sent = messages();
    const outcome = await callClientStream(client, sent);
    t.equal(outcome.status.code, 0, `status OK (${outcome.status.details})`);
    t.same(outcome.result, { text: 'streamer', number: MESSAGES }, 'the backend counted every message');
    t.same(backend!.streamed, sent, 'the backend received every message intact and in order');
    t.same(outcome.status.metadata.get('x-trailer'), ['yes'], 'trailers arrive after the answer');
  });

  t.test('server streaming: one request in, 1,000 messages out', async (t) => {
    const outcome = await callServerStream(client, { text: 'down', number: MESSAGES });
    t.equal(outcome.status.code, 0, `status OK (${outcome.status.details})`);
    t.same(outcome.result, Array.from({ length: MESSAGES }, (_, number) => ({ text: `down:${number}`, number })),
      'every message intact and in order');
    t.same(outcome.headers?.get('x-backend'), ['streamer'], 'initial metadata arrives');
    t.same(outcome.status.metadata.get('x-trailer'), ['yes'], 'trailers arrive after the last message');
  });

  t.test('bidi: 1,000 messages each way, interleaved', async (t) => {
    const sent = messages();
    const outcome = await callBidi(client, sent);
    t.equal(outcome.status.code, 0, `status OK (${outcome.status.details})`);
    t.same(backend!.streamed, sent, 'the backend received every message intact and in order');
    t.same(outcome.result, sent, 'the client received every echo intact and in order');
    t.same(outcome.status.metadata.get('x-trailer'), ['yes']);
  });

  t.test('the three shapes at once on the same channel', async (t) => {
    const sent = messages();
    const [up, down, both] = await Promise.all([
      callClientStream(client, sent), callServerStream(client, { text: 'again', number: MESSAGES }), callBidi(client, sent),
    ]);
    t.same([up.status.code, down.status.code, both.status.code], [0, 0, 0], 'all OK');
    t.equal(up.result?.number, MESSAGES);
    t.equal(down.result?.length, MESSAGES);
    t.same(both.result, sent);
  });

  t.teardown(() => sluice.stop());
});
