// HTTP/2 clients of an HTTP/1.1 cluster, through Sluice's own HTTP/1.1 pool: request bodies with and
// without content-length (the latter chunked for the endpoint), a large response under backpressure,
// header translation both ways (Host from :authority, cookies joined, hop-by-hop fields dropped,
// repeated response fields kept), bodiless responses, keep-alive reuse, and a refused endpoint.
import t from 'tap';
import http2 from 'node:http2';
import net from 'node:net';
import { startBackend } from '../helpers/backend.js';
import { startSluice } from '../helpers/sluice-process.js';

interface Answer { status: number; headers: http2.IncomingHttpHeaders; body: Buffer }

function exchange(client: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: Buffer | Buffer[]): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const stream = client.request(headers, { endStream: body === undefined });
    let response: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (received) => { response = received; });
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve({ status: Number(response[':status']), headers: response, body: Buffer.concat(chunks) }));
    stream.on('error', reject);
    stream.setTimeout(20_000, () => stream.close(http2.constants.NGHTTP2_CANCEL));
    if (Array.isArray(body)) {
      for (const part of body) stream.write(part);
      stream.end();
    } else if (body !== undefined) {
      stream.end(body);
    }
  });
}

t.test('HTTP/2 clients of an HTTP/1.1 endpoint', async (t) => {
  const big = Buffer.alloc(4 * 1024 * 1024, 'abcdefghij');
  const seen: { method: string; headers: Record<string, unknown>; body: string }[] = [];
  const backend = await startBackend(t, 'h1', (req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (chunk: Buffer) => parts.push(chunk));
    req.on('end', () => {
      seen.push({ method: req.method!, headers: req.headers, body: Buffer.concat(parts).toString() });
      if (req.url === '/big') return res.end(big);
      if (req.url === '/empty') {
        res.statusCode = 204;
        return res.end();
      }
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.setHeader('Keep-Alive', 'timeout=30');
      res.setHeader('X-Mixed-Case', 'yes');
      res.end(`${req.method} ${req.url} ${Buffer.concat(parts).length}`);
    });
  });
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0", protocol: http }]
routes: [{ paths: [{ path: /, pathType: Prefix, cluster: h1 }] }]
clusters: [{ name: h1, endpoints: [{ address: "${backend.address}" }] }]
`);
  const client = http2.connect(`http://${sluice.listeners.web}`);
  t.teardown(() => client.close());

  const get = await exchange(client, { ':path': '/get?x=1', cookie: ['c1=1', 'c2=2'], 'x-forwarded-for': '10.0.0.1' });
  t.equal(get.status, 200);
  t.equal(get.body.toString(), 'GET /get?x=1 0');
  t.same(get.headers['set-cookie'], ['a=1', 'b=2'], 'repeated response fields stay apart');
  t.equal(get.headers['x-mixed-case'], 'yes', 'names lower-cased for HTTP/2');
  t.equal(get.headers['keep-alive'], undefined, 'hop-by-hop response fields dropped');
  const first = seen.at(-1)!;
  t.equal(first.headers.host, sluice.listeners.web, 'Host from :authority');
  t.equal(first.headers.cookie, 'c1=1; c2=2', 'cookies joined for HTTP/1.1');
  t.equal(first.headers['x-forwarded-for'], '10.0.0.1, 127.0.0.1');
  t.equal(first.headers['x-forwarded-proto'], 'http');

  const sized = await exchange(client, { ':method': 'POST', ':path': '/sized', 'content-length': '11' }, Buffer.from('hello world'));
  t.equal(sized.body.toString(), 'POST /sized 11');
  t.equal(seen.at(-1)!.headers['content-length'], '11', 'content-length forwarded');
  t.equal(seen.at(-1)!.body, 'hello world');

  const streamed = await exchange(client, { ':method': 'POST', ':path': '/streamed' }, [Buffer.from('part one, '), Buffer.from('part two')]);
  t.equal(streamed.body.toString(), 'POST /streamed 18');
  t.equal(seen.at(-1)!.headers['transfer-encoding'], 'chunked', 'no content-length: chunked for the endpoint');
  t.equal(seen.at(-1)!.body, 'part one, part two');

  const large = await exchange(client, { ':path': '/big' });
  t.equal(large.body.length, big.length, 'a 4 MiB body arrives whole');
  t.ok(large.body.equals(big), 'byte for byte');

  const head = await exchange(client, { ':method': 'HEAD', ':path': '/head' });
  t.same([head.status, head.body.length], [200, 0], 'HEAD: no body');
  const empty = await exchange(client, { ':path': '/empty' });
  t.same([empty.status, empty.body.length], [204, 0]);

  const connectionsBefore = backend.connections;
  for (let i = 0; i < 20; i++) await exchange(client, { ':path': '/again' });
  t.equal(backend.connections, connectionsBefore, 'sequential requests reuse one kept-alive connection');

  const parallel = await Promise.all(Array.from({ length: 50 }, (_, i) => exchange(client, { ':path': `/p${i}` })));
  t.same(parallel.map((answer) => answer.body.toString()), Array.from({ length: 50 }, (_, i) => `GET /p${i} 0`));
  t.equal(await sluice.stop(), 0);
});

t.test('HTTP/2 client, HTTP/1.1 endpoint that is down or answers garbage', async (t) => {
  const garbage = net.createServer((socket) => socket.once('data', () => socket.end('NOT HTTP\r\n\r\n')));
  await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => garbage.close(() => resolve())));
  const closed = net.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const deadPort = (closed.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0", protocol: http }]
routes:
  - paths:
      - { path: /down, pathType: Prefix, cluster: down }
      - { path: /garbage, pathType: Prefix, cluster: garbage }
clusters:
  - { name: down, endpoints: [{ address: "127.0.0.1:${deadPort}" }] }
  - { name: garbage, endpoints: [{ address: "127.0.0.1:${(garbage.address() as net.AddressInfo).port}" }] }
`);
  const client = http2.connect(`http://${sluice.listeners.web}`);
  t.teardown(() => client.close());
  const down = await exchange(client, { ':path': '/down' });
  t.same([down.status, down.headers['x-sluice-error']], [502, 'upstream_connect_failed']);
  const bad = await exchange(client, { ':path': '/garbage' });
  t.same([bad.status, bad.headers['x-sluice-error']], [502, 'upstream_bad_response']);
  const grpc = await exchange(client, { ':method': 'POST', ':path': '/down/svc/M', 'content-type': 'application/grpc' }, Buffer.alloc(5));
  t.same([grpc.status, grpc.headers['grpc-status']], [200, '14'], 'gRPC call: trailers-only UNAVAILABLE');
  t.equal(await sluice.stop(), 0);
});
