// Trailers of chunked HTTP/1.1 responses: relayed byte for byte to HTTP/1.1 clients, and as HTTP/2
// trailers to HTTP/2 clients (node:http2, and a @grpc/grpc-js call whose grpc-status comes from an
// HTTP/1.1 endpoint's trailer section); fields that cannot be HTTP/2 trailers are dropped.
import t from 'tap';
import http from 'node:http';
import http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { startBackend } from '../helpers/backend.js';
import { rawExchange } from '../helpers/raw-http.js';
import { startSluice } from '../helpers/sluice-process.js';

interface Answer { status: number; body: string; trailers: http2.IncomingHttpHeaders | undefined }

function h2Get(client: http2.ClientHttp2Session, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const stream = client.request({ ':path': path });
    let status = 0;
    let body = '';
    let trailers: http2.IncomingHttpHeaders | undefined;
    stream.on('response', (headers) => { status = Number(headers[':status']); });
    stream.on('trailers', (received) => { trailers = received; });
    stream.setEncoding('utf8').on('data', (text: string) => { body += text; });
    stream.on('end', () => resolve({ status, body, trailers }));
    stream.on('error', reject);
    stream.setTimeout(20_000, () => stream.close(http2.constants.NGHTTP2_CANCEL));
  });
}

function h1Get(address: string, path: string): Promise<{ body: string; trailers: NodeJS.Dict<string> }> {
  return new Promise((resolve, reject) => {
    const request = http.get(`http://${address}${path}`, { agent: false, timeout: 20_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (text: string) => { body += text; });
      res.on('end', () => resolve({ body, trailers: res.trailers }));
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
  });
}

/** A gRPC frame: uncompressed flag, 4-byte length, message. */
function grpcFrame(message: Buffer): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

const identity = (buf: Buffer): Buffer => buf;

function grpcCall(client: grpc.Client, method: string, message: Buffer): Promise<{ error: grpc.ServiceError | null; value: Buffer | undefined; trailers: grpc.Metadata | undefined }> {
  return new Promise((resolve) => {
    let trailers: grpc.Metadata | undefined;
    const call = client.makeUnaryRequest(method, identity, identity, message, new grpc.Metadata(), { deadline: Date.now() + 20_000 },
      (error, value) => setImmediate(() => resolve({ error, value, trailers })));
    call.on('status', (status: grpc.StatusObject) => { trailers = status.metadata; });
  });
}

t.test('chunked HTTP/1.1 response trailers reach HTTP/1.1, HTTP/2 and gRPC clients', async (t) => {
  const backend = await startBackend(t, 'h1', (req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (chunk: Buffer) => parts.push(chunk));
    req.on('end', () => {
      if (req.url === '/trailers') {
        res.setHeader('Trailer', 'X-Checksum, X-Count');
        res.write('part one,');
        res.write(' part two');
        res.addTrailers([['X-Checksum', 'abc123'], ['X-Count', '2'], ['X-Twice', 'a'], ['X-Twice', 'b'], ['X-Padded', '  v  ']]);
        return res.end();
      }
      if (req.url === '/hop-by-hop-trailers') {
        res.write('body');
        res.addTrailers({ Connection: 'close', 'Content-Length': '4', Te: 'trailers', 'X-Kept': 'yes' });
        return res.end();
      }
      if (req.url === '/chunked') {
        res.write('no ');
        return res.end('trailers');
      }
      if (req.url?.startsWith('/raw.Raw/')) {
        // A gRPC server written on HTTP/1.1: the status travels in the chunked body's trailer section.
        res.setHeader('content-type', 'application/grpc');
        const request = Buffer.concat(parts).subarray(5);
        if (req.url === '/raw.Raw/Missing') {
          // No message, only the status (node would send content-length: 0 and drop the trailers unless told).
          res.setHeader('transfer-encoding', 'chunked');
          res.addTrailers({ 'grpc-status': '5', 'grpc-message': 'no%20such%20thing' });
          return res.end();
        }
        res.write(grpcFrame(Buffer.concat([Buffer.from('echo:'), request])));
        res.addTrailers({ 'grpc-status': '0', 'x-meta': 'from-trailers' });
        return res.end();
      }
      res.end('plain');
    });
  });
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0", protocol: http }]
routes: [{ paths: [{ path: /, pathType: Prefix, cluster: h1 }] }]
clusters: [{ name: h1, endpoints: [{ address: "${backend.address}" }] }]
`);

  // HTTP/1.1 clients: the chunked body, trailer section included, exactly as the endpoint sent it.
  const raw = await rawExchange(sluice.listeners.web!, `GET /trailers HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 20_000);
  const rawBody = raw.text.slice(raw.text.indexOf('\r\n\r\n') + 4);
  t.equal(rawBody, '9\r\npart one,\r\n9\r\n part two\r\n0\r\nX-Checksum: abc123\r\nX-Count: 2\r\nX-Twice: a\r\nX-Twice: b\r\nX-Padded:   v  \r\n\r\n',
    'HTTP/1.1: chunked body and trailer section byte for byte');
  const h1 = await h1Get(sluice.listeners.web!, '/trailers');
  t.same([h1.body, h1.trailers['x-checksum'], h1.trailers['x-count']], ['part one, part two', 'abc123', '2'], 'node:http client reads the trailers');

  // HTTP/2 clients: the same trailers as an HTTP/2 trailer HEADERS frame.
  const client = http2.connect(`http://${sluice.listeners.web}`);
  t.teardown(() => client.close());
  const h2 = await h2Get(client, '/trailers');
  t.same([h2.status, h2.body], [200, 'part one, part two']);
  t.equal(h2.trailers?.['x-checksum'], 'abc123', 'HTTP/2: trailer relayed');
  t.equal(h2.trailers?.['x-count'], '2');
  t.equal(h2.trailers?.['x-twice'], 'a, b', 'a repeated trailer keeps both values');
  t.equal(h2.trailers?.['x-padded'], 'v', 'whitespace around the value trimmed');

  const hop = await h2Get(client, '/hop-by-hop-trailers');
  t.equal(hop.body, 'body');
  t.same([hop.trailers?.['x-kept'], hop.trailers?.connection, hop.trailers?.['content-length'], hop.trailers?.te], ['yes', undefined, undefined, undefined],
    'connection-specific and framing trailers dropped, the rest kept');

  const plain = await h2Get(client, '/chunked');
  t.same([plain.body, plain.trailers], ['no trailers', undefined], 'chunked without trailers: the stream simply ends');
  const sized = await h2Get(client, '/sized');
  t.same([sized.body, sized.trailers], ['plain', undefined], 'content-length body: no trailers');

  // gRPC over an HTTP/1.1 cluster: grpc-status and metadata from the trailer section.
  const grpcClient = new grpc.Client(sluice.listeners.web!, grpc.credentials.createInsecure());
  t.teardown(() => grpcClient.close());
  const ok = await grpcCall(grpcClient, '/raw.Raw/Echo', Buffer.from('ping'));
  t.equal(ok.error, null, 'grpc-status 0 from the trailers');
  t.equal(ok.value?.toString(), 'echo:ping');
  t.same(ok.trailers?.get('x-meta'), ['from-trailers'], 'custom trailer metadata relayed');
  const missing = await grpcCall(grpcClient, '/raw.Raw/Missing', Buffer.from('x'));
  t.same([missing.error?.code, missing.error?.details], [grpc.status.NOT_FOUND, 'no such thing'], 'a failing status and its message from the trailers');

  t.equal(await sluice.stop(), 0);
});
