// HTTP/2 conformance, header layer (RFC 9113 §8, RFC 7541): malformed requests are stream errors
// (RST_STREAM PROTOCOL_ERROR, never forwarded) that leave the connection usable, the header list size
// limit, request trailers, response headers that need CONTINUATION, and responses without content.
// Raw frames over h2c prior knowledge plus node:http2 clients, once per downstream codec.
import t, { type Test } from 'tap';
import { BIG_HEADER_VALUE, CODECS, conformanceYaml, expectUsable, h2Client, h2Request, sha256, startConformanceBackend, todoFor } from '../helpers/h2-conformance.js';
import {
  connectWire, ErrorCode, errorName, Flag, FrameType, requestFields, statusOf, type Frame, type WireClient,
} from '../helpers/h2-wire.js';
import { startSluice } from '../helpers/sluice-process.js';

const MAX_HEADER_LIST_SIZE = 8_192;

type Fields = Array<readonly [string, string]>;

interface MalformedCase {
  readonly name: string;
  /** Sends the malformed request on stream 1; `path` is what the backend would see were it forwarded. */
  readonly send: (client: WireClient, path: string) => Promise<unknown>;
  /** Checked only where the whole request is known bad before any of it could be forwarded. */
  readonly neverForwarded: boolean;
  readonly node?: string;
}

// nghttp2 silently ignores a regular field whose value has CR, LF or NUL and the request goes on
// without it (no header injection towards HTTP/1.1 endpoints, but RFC 9113 §8.2.1 calls it malformed).
const NODE_DROPS_FIELD = 'drops the field with the invalid value and forwards the request without it';

const get = (path: string, extra: Fields = []) => (client: WireClient) => client.sendHeaders(1, requestFields(path, extra));

const MALFORMED: readonly MalformedCase[] = [
  { name: 'an upper-case header name', send: (c, p) => get(p, [['X-Upper', 'v']])(c), neverForwarded: true },
  { name: 'connection: keep-alive', send: (c, p) => get(p, [['connection', 'keep-alive']])(c), neverForwarded: true },
  { name: 'transfer-encoding: chunked', send: (c, p) => get(p, [['transfer-encoding', 'chunked']])(c), neverForwarded: true },
  { name: 'keep-alive: 5', send: (c, p) => get(p, [['keep-alive', 'timeout=5']])(c), neverForwarded: true },
  { name: 'upgrade: websocket', send: (c, p) => get(p, [['upgrade', 'websocket']])(c), neverForwarded: true },
  { name: 'te: gzip', send: (c, p) => get(p, [['te', 'gzip']])(c), neverForwarded: true },
  {
    name: 'no :path', neverForwarded: true,
    send: (c) => c.sendHeaders(1, [[':method', 'GET'], [':scheme', 'http'], [':authority', 'conformance.test']]),
  },
  {
    name: 'no :method', neverForwarded: true,
    send: (c, p) => c.sendHeaders(1, [[':scheme', 'http'], [':authority', 'conformance.test'], [':path', p]]),
  },
  {
    name: 'an empty :path', neverForwarded: true,
    send: (c) => c.sendHeaders(1, [[':method', 'GET'], [':scheme', 'http'], [':authority', 'conformance.test'], [':path', '']]),
  },
  {
    name: 'a pseudo-header after a regular one', neverForwarded: true,
    send: (c, p) => c.sendHeaders(1, [[':method', 'GET'], [':scheme', 'http'], [':authority', 'conformance.test'], ['x-regular', '1'], [':path', p]]),
  },
  { name: 'an unknown pseudo-header', send: (c, p) => get(p, [[':foo', 'bar']])(c), neverForwarded: true },
  { name: 'a response pseudo-header (:status) in a request', send: (c, p) => get(p, [[':status', '200']])(c), neverForwarded: true },
  { name: 'a duplicated :path', send: (c, p) => get(p, [[':path', p]])(c), neverForwarded: true },
  { name: 'a header value with a line feed', send: (c, p) => get(p, [['x-bad', 'a\nb']])(c), neverForwarded: true, node: NODE_DROPS_FIELD },
  { name: 'a header value with a carriage return', send: (c, p) => get(p, [['x-bad', 'a\rb']])(c), neverForwarded: true, node: NODE_DROPS_FIELD },
  { name: 'a header value with a NUL', send: (c, p) => get(p, [['x-bad', 'a\u0000b']])(c), neverForwarded: true, node: NODE_DROPS_FIELD },
  {
    name: 'content-length larger than the DATA sent', neverForwarded: false,
    send: async (c, p) => {
      await c.sendHeaders(1, requestFields(p, [['content-length', '10']], 'POST'), false);
      await c.send(FrameType.DATA, Flag.END_STREAM, 1, Buffer.from('short'));
    },
  },
  {
    name: 'content-length smaller than the DATA sent', neverForwarded: false,
    send: async (c, p) => {
      await c.sendHeaders(1, requestFields(p, [['content-length', '2']], 'POST'), false);
      await c.send(FrameType.DATA, Flag.END_STREAM, 1, Buffer.from('too long'));
    },
  },
  {
    name: 'pseudo-headers in trailers', neverForwarded: false,
    send: async (c, p) => {
      await c.sendHeaders(1, requestFields(p, [], 'POST'), false);
      await c.send(FrameType.DATA, 0, 1, Buffer.from('body'));
      await c.sendHeaders(1, [[':path', '/again']], true);
    },
  },
];

/** Frames of `streamId` up to its RST_STREAM or END_STREAM (bounded). */
async function streamFrames(client: WireClient, streamId: number): Promise<Frame[]> {
  await client.streamOutcome(streamId);
  const frames: Frame[] = [];
  for (const frame of client.frames) {
    if (frame.streamId !== streamId) continue;
    frames.push(frame);
    if (frame.type === FrameType.RST_STREAM || (frame.flags & Flag.END_STREAM) !== 0) break;
  }
  return frames;
}

for (const codec of CODECS) {
  t.test(`codec ${codec}`, async (t) => {
    const backend = await startConformanceBackend(t);
    const sluice = await startSluice(t, conformanceYaml({ codec, backend: backend.address, http2: { maxHeaderListSize: MAX_HEADER_LIST_SIZE } }), { workers: 1 });
    const address = sluice.listeners.web!;
    const wire = async (t: Test) => {
      const client = await connectWire(t, address);
      await client.handshake();
      return client;
    };

    t.test('malformed requests: RST_STREAM PROTOCOL_ERROR (a 400 first is allowed), not forwarded; the connection stays usable', { jobs: MALFORMED.length }, async (t) => {
      MALFORMED.forEach(({ name, send, neverForwarded, node }, index) => {
        t.test(name, todoFor(codec, { node }), async (t) => {
          const client = await wire(t);
          const path = `/malformed/${index}`;
          await send(client, path);
          const frames = await streamFrames(client, 1);
          const reset = frames.find((f) => f.type === FrameType.RST_STREAM);
          const head = frames.find((f) => f.type === FrameType.HEADERS);
          if (reset !== undefined) {
            const code = reset.payload.readUInt32BE(0);
            t.equal(code, ErrorCode.PROTOCOL_ERROR, `RST_STREAM ${errorName(code)}`);
            if (head !== undefined) t.equal(statusOf(head.payload), 400, 'a response before the reset is a 400');
          } else {
            t.equal(head === undefined ? undefined : statusOf(head.payload), 400, 'no RST_STREAM: then a 400 response');
          }
          if (neverForwarded) t.notOk(backend.seen.some((line) => line.endsWith(` ${path}`)), 'not forwarded to the backend');
          await expectUsable(t, client, 3);
        });
      });
    });

    t.test('allowed fields: te: trailers, and a 0-length body with content-length: 0', async (t) => {
      const client = await wire(t);
      await client.sendHeaders(1, requestFields('/allowed/te', [['te', 'trailers']]));
      t.same(await client.streamOutcome(1), { kind: 'response', status: 200 }, 'te: trailers is accepted');
      await client.sendHeaders(3, requestFields('/allowed/empty', [['content-length', '0']], 'POST'));
      t.same(await client.streamOutcome(3), { kind: 'response', status: 200 }, 'content-length: 0 with END_STREAM on HEADERS');
      t.ok(backend.seen.includes('GET /allowed/te') && backend.seen.includes('POST /allowed/empty'), 'both forwarded');
    });

    t.test(`a header list over maxHeaderListSize (${MAX_HEADER_LIST_SIZE}) is refused; the connection stays usable`, async (t) => {
      // The node codec: node:http2 resets the stream with RST_STREAM ENHANCE_YOUR_CALM (no 431), the
      // request never reaches the endpoint, and the connection goes on.
      const client = await wire(t);
      await client.sendHeaders(1, requestFields('/too-big', [['x-big', 'v'.repeat(MAX_HEADER_LIST_SIZE + 100)]]));
      const outcome = await client.streamOutcome(1);
      t.comment(`outcome: ${JSON.stringify(outcome)}`);
      t.ok((outcome.kind === 'reset') || (outcome.kind === 'response' && outcome.status === 431), 'RST_STREAM or a 431 response');
      t.notOk(backend.seen.includes('GET /too-big'), 'not forwarded');
      await expectUsable(t, client, 3);
    });

    t.test('request trailers (HEADERS, DATA, HEADERS with END_STREAM) are accepted', async (t) => {
      const client = await wire(t);
      await client.sendHeaders(1, requestFields('/echo', [['content-type', 'text/plain']], 'POST'), false);
      await client.send(FrameType.DATA, 0, 1, Buffer.from('with trailers'));
      await client.sendHeaders(1, [['x-checksum', 'abc'], ['x-trailer', 'yes']], true);
      t.same(await client.streamOutcome(1), { kind: 'response', status: 200 }, 'the request completes');
      const body = Buffer.concat((await streamFrames(client, 1)).filter((f) => f.type === FrameType.DATA).map((f) => f.payload));
      t.equal(body.toString(), 'with trailers', 'the body reached the backend and came back');
      t.equal(backend.echoHashes.at(-1), sha256('with trailers'));

      // The same with a node:http2 client.
      const h2 = h2Client(t, address);
      const response = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const stream = h2.request({ ':method': 'POST', ':path': '/echo' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'x-trailer': 'node' }));
        let status = 0;
        let text = '';
        stream.on('response', (headers) => { status = Number(headers[':status']); });
        stream.setEncoding('utf8').on('data', (chunk: string) => { text += chunk; });
        stream.on('end', () => resolve({ status, body: text }));
        stream.on('error', reject);
        stream.setTimeout(10_000, () => stream.close(ErrorCode.CANCEL));
        stream.end('node body');
      });
      t.same(response, { status: 200, body: 'node body' }, 'node:http2 client with trailers');
    });

    t.test('response headers over 16 KiB arrive in HEADERS + CONTINUATION, intact', async (t) => {
      const client = await wire(t);
      await client.sendHeaders(1, requestFields('/big-header'));
      const frames = await streamFrames(client, 1);
      t.ok(frames.some((f) => f.type === FrameType.CONTINUATION), 'the header block needed CONTINUATION frames');
      t.ok(frames.every((f) => f.payload.length <= 16_384), 'no frame over the default SETTINGS_MAX_FRAME_SIZE');
      const h2 = h2Client(t, address);
      const response = await h2Request(h2, { ':path': '/big-header' });
      t.equal(response.status, 200);
      t.equal(response.headers['x-big'], BIG_HEADER_VALUE, `the ${BIG_HEADER_VALUE.length}-octet value is intact`);
      t.equal(response.body.toString(), 'big header');
    });

    t.test('HEAD and 204 responses carry no content', async (t) => {
      const client = await wire(t);
      const cases: Array<[number, Fields, number]> = [
        [1, requestFields('/ok', [], 'HEAD'), 200],
        [3, requestFields('/no-content'), 204],
        [5, requestFields('/no-content', [], 'HEAD'), 204],
      ];
      for (const [streamId, fields, status] of cases) {
        await client.sendHeaders(streamId, fields);
        const frames = await streamFrames(client, streamId);
        const what = `${fields[0]![1]} ${fields[3]![1]}`;
        t.equal(statusOf(frames[0]!.payload), status, `${what}: ${status}`);
        t.ok(frames.every((f) => f.type !== FrameType.DATA || f.payload.length === 0), `${what}: no DATA payload`);
        t.ok((frames.at(-1)!.flags & Flag.END_STREAM) !== 0 && frames.at(-1)!.type !== FrameType.RST_STREAM, `${what}: ends with END_STREAM`);
      }
    });
  });
}
