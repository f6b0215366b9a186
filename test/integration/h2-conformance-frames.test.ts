// HTTP/2 conformance, frame layer (RFC 9113 §4–§6): the server's SETTINGS, SETTINGS and PING ACKs,
// connection errors (GOAWAY with the right code, then the close), frames a server must ignore, the
// concurrent-stream limit, the CONTINUATION flood and the idle timeout. Raw frames over h2c prior
// knowledge (and TLS with ALPN h2 for the handshake), once per downstream codec.
import t, { type Test } from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeCertificate } from '../helpers/certificates.js';
import { CODECS, conformanceYaml, expectUsable, h2Client, h2Request, sha256, startConformanceBackend, todoFor } from '../helpers/h2-conformance.js';
import {
  connectWire, decodeGoaway, decodeSettings, encodeFrame, encodeHeaderBlock, encodeSettings, ErrorCode, errorName, Flag,
  FrameType, requestFields, Setting, uint32, type WireClient,
} from '../helpers/h2-wire.js';
import { startSluice } from '../helpers/sluice-process.js';
import { adminText, metricValue } from '../helpers/admin.js';

const MAX_CONCURRENT_STREAMS = 7;
const MAX_HEADER_LIST_SIZE = 12_288;


interface ConnectionErrorCase {
  readonly name: string;
  readonly codes: readonly number[];
  readonly frames: (client: WireClient) => Promise<unknown>;
  /** What the node codec does instead, for the GOAWAY code and for the close. */
  readonly node?: { readonly code?: string; readonly close?: string };
}

// node:http2 answers nghttp2's invalid-frame callback (NGHTTP2_ERR_PROTO and fatal errors) by destroying
// the session with GOAWAY INTERNAL_ERROR instead of the code nghttp2 chose; where nghttp2 itself sends
// the GOAWAY, node leaves the TCP connection open (until the idle timeout) instead of closing it.
const NODE_INTERNAL_ERROR = 'sends GOAWAY INTERNAL_ERROR (node:http2 destroys the session on nghttp2\'s invalid-frame callback)';
const NODE_STAYS_OPEN = 'sends the GOAWAY but leaves the TCP connection open until the idle timeout';

const CONNECTION_ERRORS: readonly ConnectionErrorCase[] = [
  {
    name: 'a frame over 16384 octets (HEADERS)', codes: [ErrorCode.FRAME_SIZE_ERROR], node: { close: NODE_STAYS_OPEN },
    frames: (c) => c.send(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 1, Buffer.alloc(16_385)),
  },
  {
    name: 'HEADERS on an even stream id', codes: [ErrorCode.PROTOCOL_ERROR], node: { code: NODE_INTERNAL_ERROR },
    frames: (c) => c.sendHeaders(2, requestFields('/ok')),
  },
  {
    name: 'HEADERS on a stream id lower than one already used', codes: [ErrorCode.PROTOCOL_ERROR],
    node: { code: 'ignores the HEADERS (nghttp2 is lenient about a lower, closed-looking stream id)', close: 'sends no GOAWAY, so the connection stays open' },
    frames: async (c) => { await c.sendHeaders(5, requestFields('/ok')); await c.streamOutcome(5); await c.sendHeaders(3, requestFields('/ok')); },
  },
  {
    name: 'DATA on stream 0', codes: [ErrorCode.PROTOCOL_ERROR], node: { close: NODE_STAYS_OPEN },
    frames: (c) => c.send(FrameType.DATA, 0, 0, Buffer.from('x')),
  },
  {
    name: 'WINDOW_UPDATE with increment 0 on stream 0', codes: [ErrorCode.PROTOCOL_ERROR], node: { code: NODE_INTERNAL_ERROR },
    frames: (c) => c.send(FrameType.WINDOW_UPDATE, 0, 0, uint32(0)),
  },
  {
    name: 'the connection window past 2^31-1', codes: [ErrorCode.FLOW_CONTROL_ERROR], node: { code: NODE_INTERNAL_ERROR },
    frames: (c) => c.send(FrameType.WINDOW_UPDATE, 0, 0, uint32(0x7fffffff)),
  },
  {
    name: 'SETTINGS_ENABLE_PUSH = 2', codes: [ErrorCode.PROTOCOL_ERROR], node: { code: NODE_INTERNAL_ERROR },
    frames: (c) => c.send(FrameType.SETTINGS, 0, 0, encodeSettings([[Setting.ENABLE_PUSH, 2]])),
  },
  {
    name: 'SETTINGS_INITIAL_WINDOW_SIZE = 2^31', codes: [ErrorCode.FLOW_CONTROL_ERROR], node: { code: NODE_INTERNAL_ERROR },
    frames: (c) => c.send(FrameType.SETTINGS, 0, 0, encodeSettings([[Setting.INITIAL_WINDOW_SIZE, 0x80000000]])),
  },
  {
    name: 'SETTINGS_MAX_FRAME_SIZE = 100', codes: [ErrorCode.PROTOCOL_ERROR], node: { code: NODE_INTERNAL_ERROR },
    frames: (c) => c.send(FrameType.SETTINGS, 0, 0, encodeSettings([[Setting.MAX_FRAME_SIZE, 100]])),
  },
  {
    name: 'SETTINGS with a length not a multiple of 6', codes: [ErrorCode.FRAME_SIZE_ERROR], node: { close: NODE_STAYS_OPEN },
    frames: (c) => c.send(FrameType.SETTINGS, 0, 0, Buffer.alloc(7)),
  },
  {
    name: 'PING with a length other than 8', codes: [ErrorCode.FRAME_SIZE_ERROR], node: { close: NODE_STAYS_OPEN },
    frames: (c) => c.send(FrameType.PING, 0, 0, Buffer.alloc(7)),
  },
  {
    name: 'CONTINUATION without a preceding HEADERS', codes: [ErrorCode.PROTOCOL_ERROR], node: { close: NODE_STAYS_OPEN },
    frames: (c) => c.send(FrameType.CONTINUATION, Flag.END_HEADERS, 1, encodeHeaderBlock(requestFields('/ok'))),
  },
  {
    name: 'a header block that is not valid HPACK (indexed field 0)', codes: [ErrorCode.COMPRESSION_ERROR], node: { close: NODE_STAYS_OPEN },
    frames: (c) => c.send(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 1, Buffer.from([0x80])),
  },
  {
    name: 'a header block that is not valid HPACK (index beyond the tables)', codes: [ErrorCode.COMPRESSION_ERROR], node: { close: NODE_STAYS_OPEN },
    frames: (c) => c.send(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 1, Buffer.from([0xbf])),
  },
];

/** A GET on `streamId` answered with a complete response on `client` (the connection is still usable). */
for (const codec of CODECS) {
  t.test(`codec ${codec}`, async (t) => {
    const backend = await startConformanceBackend(t);
    const sluice = await startSluice(t, conformanceYaml({
      codec, backend: backend.address,
      http2: { maxConcurrentStreams: MAX_CONCURRENT_STREAMS, maxHeaderListSize: MAX_HEADER_LIST_SIZE },
    }), { workers: 1 });
    const address = sluice.listeners.web!;
    const wire = (t: Test) => connectWire(t, address);

    t.test('the server sends SETTINGS first, with the listener limits; ACKs ours; answers PING', async (t) => {
      const client = await wire(t);
      await client.write(Buffer.concat([
        Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'),
        encodeFrame(FrameType.SETTINGS, 0, 0, encodeSettings([[Setting.INITIAL_WINDOW_SIZE, 65_535], [Setting.ENABLE_PUSH, 0]])),
      ]));
      await client.waitFor((f) => f.type === FrameType.SETTINGS && (f.flags & Flag.ACK) !== 0, 'the ACK of our SETTINGS');
      const first = client.frames[0]!;
      t.equal(first.type, FrameType.SETTINGS, 'the first frame is SETTINGS');
      t.equal(first.flags & Flag.ACK, 0, 'not an ACK');
      t.equal(first.streamId, 0);
      const settings = new Map(decodeSettings(first));
      t.equal(settings.get(Setting.MAX_CONCURRENT_STREAMS), MAX_CONCURRENT_STREAMS, 'MAX_CONCURRENT_STREAMS = http2.maxConcurrentStreams');
      t.equal(settings.get(Setting.MAX_HEADER_LIST_SIZE), MAX_HEADER_LIST_SIZE, 'MAX_HEADER_LIST_SIZE = http2.maxHeaderListSize');
      const ack = client.frames.find((f) => f.type === FrameType.SETTINGS && (f.flags & Flag.ACK) !== 0)!;
      t.equal(ack.payload.length, 0, 'the SETTINGS ACK is empty');

      const opaque = Buffer.from('sluice!!', 'latin1');
      await client.send(FrameType.PING, 0, 0, opaque);
      const pong = await client.waitFor((f) => f.type === FrameType.PING && (f.flags & Flag.ACK) !== 0, 'a PING ACK');
      t.same([pong.streamId, pong.payload], [0, opaque], 'PING ACK on stream 0 with the same 8 octets');
      await expectUsable(t, client, 1);
    });

    t.test('connection errors: GOAWAY with the code, then the close', { jobs: CONNECTION_ERRORS.length }, async (t) => {
      for (const { name, codes, frames, node } of CONNECTION_ERRORS) {
        t.test(name, async (t) => {
          const client = await wire(t);
          await client.handshake();
          await frames(client);
          const goaway = client.waitFor((f) => f.type === FrameType.GOAWAY, 'GOAWAY').then(decodeGoaway, (error: Error) => error);
          await t.test(`GOAWAY ${codes.map(errorName).join(' or ')}`, todoFor(codec, { node: node?.code }), async (t) => {
            const received = await goaway;
            if (received instanceof Error) throw received;
            t.ok(codes.includes(received.errorCode), `GOAWAY ${errorName(received.errorCode)}`);
          });
          await t.test('then the connection closes', todoFor(codec, { node: node?.close }), async (t) => {
            await client.waitClosed();
            t.pass('closed');
          });
        });
      }
    });

    t.test('a CONTINUATION flood closes the connection; Sluice stays healthy', async (t) => {
      const client = await wire(t);
      await client.handshake();
      // One header block of ~1 MiB (far over maxHeaderListSize): HEADERS without END_HEADERS, then CONTINUATIONs.
      const filler = Array.from({ length: 1024 }, (_, index) => [`x-flood-${index}`, 'f'.repeat(1000)] as const);
      const block = encodeHeaderBlock([...requestFields('/flood'), ...filler]);
      const chunk = 16_384;
      await client.send(FrameType.HEADERS, Flag.END_STREAM, 1, block.subarray(0, chunk));
      for (let offset = chunk; offset < block.length && !client.isClosed; offset += chunk) {
        const last = offset + chunk >= block.length;
        // Written one frame at a time, so the flood stops soon after the server gives up.
        if (!(await client.send(FrameType.CONTINUATION, last ? Flag.END_HEADERS : 0, 1, block.subarray(offset, offset + chunk)))) break;
      }
      const goaway = client.waitFor((f) => f.type === FrameType.GOAWAY, 'GOAWAY').then(decodeGoaway, (error: Error) => error);
      const accepted: number[] = [ErrorCode.ENHANCE_YOUR_CALM, ErrorCode.PROTOCOL_ERROR, ErrorCode.COMPRESSION_ERROR];
      await t.test('GOAWAY ENHANCE_YOUR_CALM, PROTOCOL_ERROR or COMPRESSION_ERROR', todoFor(codec, { node: 'sends GOAWAY INTERNAL_ERROR, or closes without a GOAWAY the client can read' }), async (t) => {
        const received = await goaway;
        if (received instanceof Error) throw received;
        t.ok(accepted.includes(received.errorCode), `GOAWAY ${errorName(received.errorCode)}`);
      });
      await client.waitClosed();
      t.pass('the connection closed');
      t.notOk(backend.seen.includes('GET /flood'), 'the flooded request never reached the backend');
      const healthy = h2Client(t, address);
      const response = await h2Request(healthy, { ':path': '/ok' });
      t.same([response.status, response.body.toString()], [200, 'ok'], 'a new connection is served');
    });

    t.test(`more concurrent streams than MAX_CONCURRENT_STREAMS (${MAX_CONCURRENT_STREAMS}) are refused; the first ones complete`, todoFor(codec, {
      node: 'nghttp2 treats a HEADERS over the acknowledged limit as a connection error and node:http2 sends GOAWAY INTERNAL_ERROR, closing the streams in flight instead of refusing only the extra ones',
    }), async (t) => {
      const client = await wire(t);
      await client.handshake();
      const before = backend.held.length;
      const first = Array.from({ length: MAX_CONCURRENT_STREAMS }, (_, index) => 1 + 2 * index);
      for (const id of first) await client.sendHeaders(id, requestFields(`/gate/concurrency-${id}`));
      await backend.untilHeld(before + MAX_CONCURRENT_STREAMS);
      const extra = [1 + 2 * MAX_CONCURRENT_STREAMS, 3 + 2 * MAX_CONCURRENT_STREAMS];
      for (const id of extra) await client.sendHeaders(id, requestFields(`/gate/concurrency-${id}`));
      for (const id of extra) {
        const outcome = await client.streamOutcome(id);
        t.ok(outcome.kind === 'reset' && (outcome.code === ErrorCode.REFUSED_STREAM || outcome.code === ErrorCode.PROTOCOL_ERROR),
          `stream ${id} over the limit: RST_STREAM REFUSED_STREAM or PROTOCOL_ERROR (got ${JSON.stringify(outcome)})`);
      }
      backend.release();
      for (const id of first) {
        t.same(await client.streamOutcome(id), { kind: 'response', status: 200 }, `stream ${id} within the limit completes`);
      }
      t.notOk(backend.seen.some((line) => extra.some((id) => line === `GET /gate/concurrency-${id}`)), 'refused streams never reached the backend');
      await expectUsable(t, client, 5 + 2 * MAX_CONCURRENT_STREAMS);
    });

    t.test('PRIORITY, unknown frame types, and HEADERS with PRIORITY and PADDED are ignored or honoured', async (t) => {
      const client = await wire(t);
      await client.handshake();
      const priority = Buffer.concat([uint32(0), Buffer.from([15])]); // exclusive no, depends on 0, weight 16
      await client.send(FrameType.PRIORITY, 0, 1, priority);
      await client.send(FrameType.PRIORITY, 0, 101, priority); // an idle stream: allowed (RFC 9113 §5.1)
      await client.send(0xfa, 0x5a, 0, Buffer.from('unknown frame on stream 0'));
      await client.send(0xfa, 0xff, 1, Buffer.from('unknown frame on stream 1'));
      await client.sendHeaders(1, requestFields('/ignored/plain'));
      t.same(await client.streamOutcome(1), { kind: 'response', status: 200 }, 'after PRIORITY and unknown frames');

      const block = encodeHeaderBlock(requestFields('/ignored/priority'));
      await client.send(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM | Flag.PRIORITY, 3, Buffer.concat([uint32(1), Buffer.from([200]), block]));
      t.same(await client.streamOutcome(3), { kind: 'response', status: 200 }, 'HEADERS with the PRIORITY flag');

      const padded = encodeHeaderBlock(requestFields('/ignored/padded'));
      await client.send(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM | Flag.PADDED, 5, Buffer.concat([Buffer.from([9]), padded, Buffer.alloc(9)]));
      t.same(await client.streamOutcome(5), { kind: 'response', status: 200 }, 'HEADERS with PADDED');

      const both = encodeHeaderBlock(requestFields('/ignored/padded-priority'));
      await client.send(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM | Flag.PADDED | Flag.PRIORITY, 7,
        Buffer.concat([Buffer.from([3]), uint32(0x80000000 | 3), Buffer.from([7]), both, Buffer.alloc(3)]));
      t.same(await client.streamOutcome(7), { kind: 'response', status: 200 }, 'HEADERS with PADDED and PRIORITY');

      // A padded DATA frame on a request body.
      await client.sendHeaders(9, requestFields('/echo', [], 'POST'), false);
      await client.send(FrameType.DATA, Flag.PADDED | Flag.END_STREAM, 9, Buffer.concat([Buffer.from([4]), Buffer.from('body'), Buffer.alloc(4)]));
      t.same(await client.streamOutcome(9), { kind: 'response', status: 200 }, 'DATA with PADDED');
      for (const seen of ['GET /ignored/plain', 'GET /ignored/priority', 'GET /ignored/padded', 'GET /ignored/padded-priority', 'POST /echo']) {
        t.ok(backend.seen.includes(seen), `the backend saw ${seen}`);
      }
      t.equal(backend.echoHashes.at(-1), sha256('body'), 'padding is not part of the body');
    });

    if (codec === 'sluice') {
      t.test('the connection errors above are counted by error code', async (t) => {
        const metrics = (await adminText(sluice.admin, '/metrics')).text;
        for (const code of ['PROTOCOL_ERROR', 'FRAME_SIZE_ERROR', 'FLOW_CONTROL_ERROR', 'COMPRESSION_ERROR', 'ENHANCE_YOUR_CALM']) {
          const count = metricValue(metrics, `sluice_http2_connection_errors_total{code="${code}"}`) ?? 0;
          t.ok(count >= 1, `${code}: ${count}`);
        }
      });
    }
  });

  t.test(`codec ${codec}: TLS with ALPN h2: SETTINGS, PING, a request`, async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sluice-h2conf-'));
    const cert = makeCertificate(dir, 'site', ['localhost']);
    const backend = await startConformanceBackend(t);
    const sluice = await startSluice(t, conformanceYaml({
      codec, backend: backend.address,
      http2: { maxConcurrentStreams: MAX_CONCURRENT_STREAMS },
      listener: { protocol: 'https', tls: { certificates: [{ cert: cert.cert, key: cert.key }] } },
    }), { workers: 1 });
    const client = await connectWire(t, sluice.listeners.web!, { tls: { servername: 'localhost' } });
    const settings = new Map(decodeSettings(await client.handshake()));
    t.equal(settings.get(Setting.MAX_CONCURRENT_STREAMS), MAX_CONCURRENT_STREAMS, 'SETTINGS over TLS');
    await client.send(FrameType.PING, 0, 0, Buffer.from('12345678'));
    const pong = await client.waitFor((f) => f.type === FrameType.PING && (f.flags & Flag.ACK) !== 0, 'a PING ACK');
    t.equal(pong.payload.toString(), '12345678');
    await client.sendHeaders(1, [[':method', 'GET'], [':scheme', 'https'], [':authority', 'localhost'], [':path', '/ok']]);
    t.same(await client.streamOutcome(1), { kind: 'response', status: 200 });
  });

  t.test(`codec ${codec}: an idle connection is closed with GOAWAY after timeouts.idle`, async (t) => {
    const backend = await startConformanceBackend(t);
    const sluice = await startSluice(t, conformanceYaml({ codec, backend: backend.address, listener: { timeouts: { idle: '300ms' } } }), { workers: 1 });
    const client = await connectWire(t, sluice.listeners.web!);
    await client.handshake();
    await client.sendHeaders(1, requestFields('/ok'));
    t.same(await client.streamOutcome(1), { kind: 'response', status: 200 }, 'a request before going idle');
    await client.waitFor((f) => f.type === FrameType.GOAWAY, 'GOAWAY on idle');
    await client.waitClosed();
    t.pass('the connection closed');
    // A server may send a first GOAWAY with 2^31-1 before the final one (RFC 9113 §6.8): check the last.
    const goaways = client.frames.filter((f) => f.type === FrameType.GOAWAY).map(decodeGoaway);
    t.ok(goaways.every((goaway) => goaway.errorCode === ErrorCode.NO_ERROR), 'GOAWAY NO_ERROR');
    t.equal(goaways.at(-1)!.lastStreamId, 1, 'the last GOAWAY names the last stream processed');
  });
}
