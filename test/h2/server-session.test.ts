// Sluice's own HTTP/2 server engine on a real socket, spoken to by node:http2's client (nghttp2):
// responses with bodies, trailers and interim heads; flow control both ways with tiny windows and a
// paused reader; the 431 for a long header list; graceful GOAWAY; a client's reset; the floods it cuts off.
import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http2, { type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import { ServerSession, type ServerSessionSettings } from '../../src/h2/server/server-session.js';
import type { ServerStream } from '../../src/h2/server/server-stream.js';
import { connectWire, decodeGoaway, encodeFrame, encodeHeaderBlock, ErrorCode, Flag, FrameType, requestFields } from '../helpers/h2-wire.js';

interface Teardown { teardown(fn: () => unknown): void }

type Handler = (stream: ServerStream, headers: IncomingHttpHeaders, session: ServerSession) => void;

const SETTINGS: ServerSessionSettings = { maxConcurrentStreams: 100, maxHeaderListSize: 16_384 };

async function serve(t: Teardown, handler: Handler, settings = SETTINGS): Promise<{ url: string; sessions: ServerSession[] }> {
  const sessions: ServerSession[] = [];
  const server = net.createServer((socket) => {
    const session = new ServerSession(socket, settings);
    sessions.push(session);
    session.on('error', () => { /* the client went away */ });
    session.on('stream', (stream: ServerStream, headers: IncomingHttpHeaders) => handler(stream, headers, session));
    session.start();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const session of sessions) session.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sessions };
}

function connect(t: Teardown, url: string, settings: http2.Settings = {}): ClientHttp2Session {
  const client = http2.connect(url, { settings });
  client.on('error', () => { /* asserted through the streams */ });
  t.teardown(() => client.destroy());
  return client;
}

interface Reply { headers: IncomingHttpHeaders; interim: IncomingHttpHeaders[]; body: Buffer; trailers: IncomingHttpHeaders | undefined }

function exchange(client: ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const stream = client.request(headers, { endStream: body === undefined });
    const reply: Reply = { headers: {}, interim: [], body: Buffer.alloc(0), trailers: undefined };
    const chunks: Buffer[] = [];
    stream.on('headers', (interim) => reply.interim.push(interim));
    stream.on('response', (received) => { reply.headers = received; });
    stream.on('trailers', (received) => { reply.trailers = received; });
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve({ ...reply, body: Buffer.concat(chunks) }));
    stream.on('error', reject);
    stream.setTimeout(20_000, () => reject(new Error('no response')));
    if (body !== undefined) stream.end(body);
  });
}

const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

t.test('a response with fields, a body and trailers, after an interim head', async (t) => {
  const { url } = await serve(t, (stream, headers) => {
    stream.additionalHeaders({ ':status': 103, link: '</style.css>; rel=preload' });
    stream.respond({ ':status': 201, 'x-path': headers[':path'], 'set-cookie': ['a=1', 'b=2'] }, { waitForTrailers: true });
    stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'x-sum': 'abc' }));
    stream.write('hello ');
    stream.end('world');
  });
  const client = connect(t, url);
  for (let round = 0; round < 3; round++) {
    const reply = await exchange(client, { ':path': `/r${round}` });
    t.equal(reply.headers[':status'], 201);
    t.equal(reply.headers['x-path'], `/r${round}`, 'fields from the dynamic table stay right across responses');
    t.same(reply.headers['set-cookie'], ['a=1', 'b=2']);
    t.equal(reply.interim[0]?.[':status'], 103);
    t.equal(reply.interim[0]?.link, '</style.css>; rel=preload');
    t.equal(reply.body.toString(), 'hello world');
    t.same([reply.trailers?.['grpc-status'], reply.trailers?.['x-sum']], ['0', 'abc'], 'trailers');
  }
});

t.test('1 MiB each way through tiny client windows, with write backpressure', async (t) => {
  const { url } = await serve(t, (stream) => {
    const parts: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => parts.push(chunk));
    stream.on('end', () => {
      const body = Buffer.concat(parts);
      stream.respond({ ':status': 200, 'x-request-sha': sha(body) });
      let offset = 0;
      const pump = (): void => {
        while (offset < body.length) {
          const next = body.subarray(offset, offset + 10_000);
          offset += next.length;
          if (offset >= body.length) return stream.end(next);
          if (!stream.write(next)) return void stream.once('drain', pump);
        }
      };
      pump();
    });
  });
  const client = connect(t, url, { initialWindowSize: 1000 });
  const body = randomBytes(1 << 20);
  const reply = await exchange(client, { ':path': '/upload', ':method': 'POST' }, body);
  t.equal(reply.headers['x-request-sha'], sha(body), 'the request body arrived whole');
  t.equal(sha(reply.body), sha(body), 'the response body arrived whole');
});

t.test('a paused reader holds the request body back until it resumes', async (t) => {
  let whilePaused = 0;
  let paused = false;
  const { url } = await serve(t, (stream) => {
    let received = 0;
    stream.pause();
    paused = true;
    stream.on('data', (chunk: Buffer) => {
      if (paused) whilePaused += chunk.length;
      received += chunk.length;
    });
    stream.on('end', () => {
      stream.respond({ ':status': 200 });
      stream.end(String(received));
    });
    // Resume once the client can send no more (its window for the stream is used up).
    setTimeout(() => { paused = false; stream.resume(); }, 300);
  });
  const client = connect(t, url);
  const body = randomBytes(200_000);
  const reply = await exchange(client, { ':path': '/', ':method': 'PUT' }, body);
  t.equal(whilePaused, 0, 'no data was delivered while paused');
  t.equal(reply.body.toString(), String(body.length), 'everything arrived after resume');
});

t.test('a header list over the limit is answered 431 and the connection goes on', async (t) => {
  const { url } = await serve(t, (stream) => {
    stream.respond({ ':status': 200 });
    stream.end('ok');
  }, { maxConcurrentStreams: 100, maxHeaderListSize: 1_024 });
  const client = connect(t, url);
  const refused = await exchange(client, { ':path': '/', 'x-big': 'x'.repeat(2_000) });
  t.equal(refused.headers[':status'], 431);
  const fine = await exchange(client, { ':path': '/' });
  t.equal(fine.headers[':status'], 200);
  t.equal(fine.body.toString(), 'ok');
});

t.test('more streams than SETTINGS_MAX_CONCURRENT_STREAMS: the client queues, every stream completes', async (t) => {
  let open = 0;
  let most = 0;
  const { url } = await serve(t, (stream) => {
    most = Math.max(most, ++open);
    setImmediate(() => {
      open--;
      stream.respond({ ':status': 200 });
      stream.end('done');
    });
  }, { maxConcurrentStreams: 3, maxHeaderListSize: 16_384 });
  const client = connect(t, url);
  // Before our SETTINGS arrive a client may open streams by the RFC's defaults.
  await once(client, 'remoteSettings');
  const replies = await Promise.all(Array.from({ length: 30 }, (_, index) => exchange(client, { ':path': `/${index}` })));
  t.equal(replies.filter((reply) => reply.body.toString() === 'done').length, 30);
  t.ok(most <= 3, `at most 3 open at once (saw ${most})`);
});

t.test('close() sends GOAWAY: the stream in flight finishes, then the connection ends', async (t) => {
  let release: (() => void) | undefined;
  const { url, sessions } = await serve(t, (stream, _headers, session) => {
    session.close();
    release = () => {
      stream.respond({ ':status': 200 });
      stream.end('finished');
    };
  });
  const client = connect(t, url);
  const goaway = new Promise<number>((resolve) => client.once('goaway', (code: number) => resolve(code)));
  const pending = exchange(client, { ':path': '/' });
  t.equal(await goaway, http2.constants.NGHTTP2_NO_ERROR);
  release!();
  t.equal((await pending).body.toString(), 'finished');
  await new Promise<void>((resolve) => (sessions[0]!.closed ? resolve() : sessions[0]!.once('close', resolve)));
  t.ok(sessions[0]!.closed, 'the session closed');
});

t.test('a client reset aborts the stream with its code', async (t) => {
  let resolveClosed!: (value: { aborted: boolean; code: number | undefined }) => void;
  const closed = new Promise<{ aborted: boolean; code: number | undefined }>((resolve) => { resolveClosed = resolve; });
  const { url } = await serve(t, (stream) => {
    stream.respond({ ':status': 200 });
    stream.write('partial');
    stream.once('close', () => resolveClosed({ aborted: stream.aborted, code: stream.rstCode }));
  });
  const client = connect(t, url);
  const request = client.request({ ':path': '/' });
  request.on('error', () => { /* we reset it */ });
  request.once('data', () => request.close(http2.constants.NGHTTP2_CANCEL));
  t.same(await closed, { aborted: true, code: http2.constants.NGHTTP2_CANCEL });
});

t.test('a client that makes the engine refuse malformed streams over and over is cut off', async (t) => {
  const { url } = await serve(t, () => t.fail('no malformed stream reaches the handler'));
  const client = await connectWire(t, url.slice('http://'.length));
  await client.handshake();
  // An upper-case field name makes each request malformed (RST_STREAM PROTOCOL_ERROR); the 1,001st closes the connection.
  const block = encodeHeaderBlock([...requestFields('/'), ['X-Upper', 'v']]);
  const frames: Buffer[] = [];
  for (let id = 1; id <= 2 * 1_100; id += 2) frames.push(encodeFrame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, id, block));
  await client.write(Buffer.concat(frames));
  const goaway = decodeGoaway(await client.waitFor((frame) => frame.type === FrameType.GOAWAY, 'GOAWAY'));
  t.equal(goaway.errorCode, ErrorCode.ENHANCE_YOUR_CALM);
  t.equal(client.frames.filter((frame) => frame.type === FrameType.RST_STREAM).length, 1_000, 'a thousand refusals before the cut-off');
  await client.waitClosed();
});

t.test('a client that sends PINGs without reading the ACKs is cut off', async (t) => {
  const { url, sessions } = await serve(t, () => undefined);
  const client = await connectWire(t, url.slice('http://'.length));
  await client.handshake();
  client.socket.pause(); // never read again: the ACKs pile up in the engine's socket
  const pings = Buffer.concat(Array.from({ length: 10_000 }, () => encodeFrame(FrameType.PING, 0, 0, Buffer.alloc(8))));
  // Bounded: without the limit the engine would keep queueing ACKs, and the loop ends at 4 M PINGs.
  for (let batch = 0; batch < 400 && !sessions[0]!.destroyed; batch++) {
    if (!(await client.write(pings))) break;
  }
  t.ok(sessions[0]!.destroyed, 'the session gave up on the client');
});
