// HTTP/2 conformance, streams and flow control (RFC 9113 §5, §6.9): stream-level flow-control errors,
// large bodies through small windows both ways, many concurrent streams on one connection, a client
// RST_STREAM or GOAWAY while streams are in flight. node:http2 clients and raw frames, once per codec.
import t, { type Test } from 'tap';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { BIG_BODY, BIG_BODY_HASH, CODECS, conformanceYaml, expectUsable, h2Client, h2Request, sha256, startConformanceBackend, todoFor } from '../helpers/h2-conformance.js';
import {
  connectWire, decodeGoaway, decodeRstStream, ErrorCode, errorName, FrameType, requestFields, uint32,
} from '../helpers/h2-wire.js';
import { startSluice } from '../helpers/sluice-process.js';

/** An h2c endpoint that takes request streams and never reads them or answers: Sluice's upstream window fills. */
async function startSink(t: Test): Promise<string> {
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  server.on('stream', (stream) => { stream.on('error', () => {}); stream.pause(); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    server.close(() => resolve());
    for (const session of sessions) session.destroy();
  }));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

for (const codec of CODECS) {
  t.test(`codec ${codec}`, async (t) => {
    const backend = await startConformanceBackend(t);
    const sink = await startSink(t);
    const sluice = await startSluice(t, conformanceYaml({ codec, backend: backend.address, h2cBackend: sink, http2: { maxConcurrentStreams: 100 } }), { workers: 1 });
    const address = sluice.listeners.web!;
    const wire = async (t: Test) => {
      const client = await connectWire(t, address);
      await client.handshake();
      return client;
    };

    t.test('WINDOW_UPDATE with increment 0 on a stream: RST_STREAM PROTOCOL_ERROR; the connection stays usable', todoFor(codec, {
      node: 'sends GOAWAY INTERNAL_ERROR (node:http2 destroys the session on nghttp2\'s invalid-frame callback) instead of resetting the stream',
    }), async (t) => {
      const client = await wire(t);
      await client.sendHeaders(1, requestFields('/echo', [], 'POST'), false); // open: the request body has not ended
      await client.send(FrameType.WINDOW_UPDATE, 0, 1, uint32(0));
      const outcome = await client.streamOutcome(1);
      t.same(outcome, { kind: 'reset', code: ErrorCode.PROTOCOL_ERROR }, 'RST_STREAM PROTOCOL_ERROR on the stream');
      await expectUsable(t, client, 3);
    });

    t.test('DATA beyond the stream window: FLOW_CONTROL_ERROR (stream or connection)', async (t) => {
      const client = await wire(t);
      // To an endpoint that never reads: once Sluice's upstream window is full, the downstream window is
      // not replenished, and 1 MiB is far over anything the server can have granted.
      await client.sendHeaders(1, requestFields('/h2c/sink', [], 'POST'), false);
      const chunk = Buffer.alloc(16_384, 0x61);
      const ended = () => client.frames.some((f) => f.type === FrameType.GOAWAY || (f.type === FrameType.RST_STREAM && f.streamId === 1));
      for (let sent = 0; sent < 64 && !ended(); sent++) {
        if (!(await client.send(FrameType.DATA, 0, 1, chunk))) break;
      }
      const frame = await client.waitFor((f) => f.type === FrameType.GOAWAY || (f.type === FrameType.RST_STREAM && f.streamId === 1), 'RST_STREAM or GOAWAY');
      if (frame.type === FrameType.RST_STREAM) {
        t.equal(errorName(decodeRstStream(frame)), 'FLOW_CONTROL_ERROR', 'stream error: RST_STREAM FLOW_CONTROL_ERROR');
        await expectUsable(t, client, 3);
      } else {
        t.equal(errorName(decodeGoaway(frame).errorCode), 'FLOW_CONTROL_ERROR', 'connection error: GOAWAY FLOW_CONTROL_ERROR');
        await client.waitClosed();
      }
    });

    t.test('a 1 MiB response to a client with SETTINGS_INITIAL_WINDOW_SIZE 1000 arrives intact', async (t) => {
      const client = h2Client(t, address, { settings: { initialWindowSize: 1000 } });
      const response = await h2Request(client, { ':path': '/big' });
      t.equal(response.status, 200);
      t.equal(response.body.length, BIG_BODY.length, 'every octet');
      t.equal(sha256(response.body), BIG_BODY_HASH, 'the same octets');
    });

    t.test('a 1 MiB request body to an HTTP/1.1 echo endpoint arrives intact, and comes back intact', async (t) => {
      const client = h2Client(t, address);
      const before = backend.echoHashes.length;
      const response = await h2Request(client, { ':method': 'POST', ':path': '/echo' }, BIG_BODY);
      t.equal(response.status, 200);
      t.equal(backend.echoHashes[before], BIG_BODY_HASH, 'the endpoint received the same octets');
      t.equal(sha256(response.body), BIG_BODY_HASH, 'the client received them back');
    });

    t.test('200 concurrent streams on one connection (maxConcurrentStreams 100) all succeed', async (t) => {
      const client = h2Client(t, address);
      const responses = await Promise.all(Array.from({ length: 200 }, (_, index) => h2Request(client, { ':path': `/concurrent/${index}` })));
      t.equal(responses.filter((r) => r.status === 200).length, 200, 'every stream answered 200');
      t.ok(responses.every((r, index) => r.body.toString() === `seen /concurrent/${index}`), 'each with its own body');
      t.ok(client.remoteSettings.maxConcurrentStreams === 100, 'the server advertised 100');
    });

    t.test('a client RST_STREAM mid-response leaves the other streams alone', async (t) => {
      const client = h2Client(t, address);
      const heldBefore = backend.held.length;
      const other = h2Request(client, { ':path': '/gate/beside-reset' });
      await backend.untilHeld(heldBefore + 1);
      const reset = await new Promise<number>((resolve, reject) => {
        const stream = client.request({ ':path': '/drip' });
        stream.on('error', () => {});
        stream.once('data', () => stream.close(http2.constants.NGHTTP2_CANCEL));
        stream.on('close', () => resolve(stream.rstCode ?? -1));
        stream.setTimeout(10_000, () => reject(new Error('no DATA on /drip')));
      });
      t.equal(reset, http2.constants.NGHTTP2_CANCEL, 'the dripping stream was reset by the client mid-body');
      backend.release();
      const response = await other;
      t.same([response.status, response.body.toString()], [200, 'released /gate/beside-reset'], 'the stream in flight beside it completed');
      const after = await h2Request(client, { ':path': '/ok' });
      t.same([after.status, after.body.toString()], [200, 'ok'], 'a new stream on the same connection succeeds');
    });

    t.test('a client GOAWAY: the streams in flight finish', async (t) => {
      const client = await wire(t);
      const heldBefore = backend.held.length;
      await client.sendHeaders(1, requestFields('/gate/goaway-1'));
      await client.sendHeaders(3, requestFields('/gate/goaway-3'));
      await backend.untilHeld(heldBefore + 2);
      await client.send(FrameType.GOAWAY, 0, 0, Buffer.concat([uint32(0), uint32(ErrorCode.NO_ERROR)]));
      backend.release();
      for (const id of [1, 3]) t.same(await client.streamOutcome(id), { kind: 'response', status: 200 }, `stream ${id} finished after our GOAWAY`);
      const body = Buffer.concat(client.frames.filter((f) => f.type === FrameType.DATA && f.streamId === 1).map((f) => f.payload)).toString();
      t.equal(body, 'released /gate/goaway-1', 'with its whole body');
      t.ok(client.frames.every((f) => !(f.type === FrameType.RST_STREAM && (f.streamId === 1 || f.streamId === 3))), 'no stream was reset');
    });
  });
}
