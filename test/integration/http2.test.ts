// HTTP/2 through Sluice with real node:http2 clients and servers: h2c with prior knowledge and ALPN h2
// on the same ports as HTTP/1.1, HTTP/2 clients of HTTP/1.1 endpoints, h2c endpoints with trailers,
// per-request balancing on one client connection, rapid-reset protection, maxConnectionAge, and the codec switched by a reload.
import t from 'tap';
import { mkdtempSync, readFileSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type tls from 'node:tls';
import { request } from 'undici';
import { adminText, eventually, metricValue } from '../helpers/admin.js';
import { startBackend } from '../helpers/backend.js';
import { makeCertificate } from '../helpers/certificates.js';
import { rawExchange, responseHeaders } from '../helpers/raw-http.js';
import { startSluice } from '../helpers/sluice-process.js';
import { connectWire, requestFields } from '../helpers/h2-wire.js';

interface H2Response { status: number; headers: http2.IncomingHttpHeaders; body: string; trailers: http2.IncomingHttpHeaders | undefined }

function h2Get(client: http2.ClientHttp2Session, pathname: string, headers: http2.OutgoingHttpHeaders = {}): Promise<H2Response> {
  return new Promise((resolve, reject) => {
    const stream = client.request({ ':path': pathname, ...headers });
    let response: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders | undefined;
    let body = '';
    stream.on('response', (received) => { response = received; });
    stream.on('trailers', (received) => { trailers = received; });
    stream.setEncoding('utf8').on('data', (chunk: string) => { body += chunk; });
    stream.on('end', () => resolve({ status: Number(response[':status']), headers: response, body, trailers }));
    stream.on('error', reject);
    stream.setTimeout(10_000, () => stream.close(http2.constants.NGHTTP2_CANCEL));
  });
}

async function startH2Backend(t: { teardown(fn: () => unknown): void }, name: string): Promise<{ address: string; streams: number }> {
  const server = http2.createServer();
  const backend = { address: '', streams: 0 };
  server.on('stream', (stream, headers) => {
    backend.streams++;
    stream.respond({ ':status': 200, 'content-type': 'text/plain', 'x-backend': name }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'x-checksum': `${name}:${headers[':path']}` }));
    stream.end(`${name} ${headers['x-forwarded-proto']}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  backend.address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return backend;
}

t.test('h2c and HTTP/1.1 on one port; HTTP/2 clients reach HTTP/1.1 and h2c endpoints', async (t) => {
  const h1 = await startBackend(t, 'h1', (req, res) => {
    req.resume();
    res.setHeader('x-seen-proto', String(req.headers['x-forwarded-proto']));
    res.end(`h1 saw ${req.method} ${req.url} host=${req.headers.host}`);
  });
  const grpcish = await Promise.all(['b1', 'b2', 'b3', 'b4'].map((name) => startH2Backend(t, name)));
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0", protocol: http }]
routes:
  - paths:
      - { path: /h1, pathType: Prefix, cluster: h1 }
      - { path: /h2, pathType: Prefix, cluster: h2 }
clusters:
  - { name: h1, endpoints: [{ address: "${h1.address}" }] }
  - name: h2
    protocol: h2c
    endpoints:
${grpcish.map((b) => `      - { address: "${b.address}" }`).join('\n')}
`);
  const client = http2.connect(`http://${sluice.listeners.web}`);
  t.teardown(() => client.close());

  const toH1 = await h2Get(client, '/h1/x?y=1');
  t.equal(toH1.status, 200, 'h2c client → HTTP/1.1 endpoint');
  t.equal(toH1.body, `h1 saw GET /h1/x?y=1 host=${sluice.listeners.web}`);
  t.equal(toH1.headers['x-seen-proto'], 'http');

  const plain = await request(sluice.url('/h1/plain'));
  t.equal(await plain.body.text(), `h1 saw GET /h1/plain host=${sluice.listeners.web}`, 'HTTP/1.1 on the same port');

  const toH2 = await h2Get(client, '/h2/one');
  t.equal(toH2.status, 200, 'h2c client → h2c endpoint');
  t.match(toH2.body, /^b\d http$/);
  t.same(toH2.trailers?.['x-checksum'], `${toH2.headers['x-backend']}:/h2/one`, 'trailers relayed');

  const missing = await h2Get(client, '/nowhere');
  t.equal(missing.status, 404);
  t.equal(missing.headers['x-sluice-error'], 'no_route');

  // One client connection, 400 requests: balanced per request, not per connection.
  const before = grpcish.map((b) => b.streams);
  for (let batch = 0; batch < 20; batch++) await Promise.all(Array.from({ length: 20 }, () => h2Get(client, '/h2/spread')));
  const shares = grpcish.map((b, i) => b.streams - before[i]!);
  t.equal(shares.reduce((a, b) => a + b, 0), 400);
  t.ok(shares.every((share) => share >= 50), `every endpoint served a share: ${shares.join(' / ')}`);
  t.equal(await sluice.stop(), 0);
});

t.test('ALPN: one https port serves h2 and HTTP/1.1', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-h2-'));
  const cert = makeCertificate(dir, 'site', ['site.example']);
  const backend = await startBackend(t, 'site', (req, res) => { req.resume(); res.end(`proto=${req.headers['x-forwarded-proto']}`); });
  const sluice = await startSluice(t, `
listeners:
  - name: websecure
    address: "127.0.0.1:0"
    protocol: https
    tls: { certificates: [{ cert: "${cert.cert}", key: "${cert.key}" }] }
routes: [{ paths: [{ path: /, pathType: Prefix, cluster: site }] }]
clusters: [{ name: site, endpoints: [{ address: "${backend.address}" }] }]
`);
  const ca = readFileSync(cert.cert, 'utf8');
  const client = http2.connect(`https://${sluice.listeners.websecure}`, { ca, servername: 'site.example' });
  t.teardown(() => client.close());
  const viaH2 = await h2Get(client, '/', { ':authority': 'site.example' });
  t.equal(viaH2.body, 'proto=https', 'h2 chosen by ALPN');
  t.equal(client.alpnProtocol, 'h2');

  const [host, port] = sluice.listeners.websecure!.split(':');
  const viaH1 = await new Promise<string>((resolve, reject) => {
    // An HTTP/1.1 client that offers ALPN (curl does): the proxy must pick http/1.1, not h2.
    const options: https.RequestOptions & tls.ConnectionOptions = { host, port: Number(port), ca, servername: 'site.example', path: '/', agent: false, ALPNProtocols: ['http/1.1'] };
    https.get(options, (res) => {
      const { alpnProtocol } = res.socket as tls.TLSSocket;
      t.equal(alpnProtocol, 'http/1.1', 'ALPN chose http/1.1');
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
  t.equal(viaH1, 'proto=https', 'HTTP/1.1 on the same port');
  t.equal(await sluice.stop(), 0);
});

t.test('a client that resets streams abusively is cut off; the proxy stays healthy', async (t) => {
  const backend = await startBackend(t, 'calm', (req, res) => { req.resume(); setTimeout(() => res.end('ok'), 50); });
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0", protocol: http, http2: { maxResetsPerSecond: 50 } }]
routes: [{ paths: [{ path: /, pathType: Prefix, cluster: calm }] }]
clusters: [{ name: calm, endpoints: [{ address: "${backend.address}" }] }]
`);
  const attacker = http2.connect(`http://${sluice.listeners.web}`);
  attacker.on('error', () => { /* expected: the proxy closes this connection */ });
  const closed = new Promise<number | undefined>((resolve) => {
    let code: number | undefined;
    attacker.on('goaway', (errorCode) => { code = errorCode; });
    attacker.on('close', () => resolve(code));
  });
  await new Promise((resolve) => attacker.once('connect', resolve));
  for (let i = 0; i < 500 && !attacker.destroyed && !attacker.closed; i++) {
    const stream = attacker.request({ ':path': '/' });
    stream.on('error', () => { /* reset by us or by the proxy */ });
    stream.close(http2.constants.NGHTTP2_CANCEL);
    if (i % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
  }
  const code = await closed;
  t.equal(code, http2.constants.NGHTTP2_ENHANCE_YOUR_CALM, 'GOAWAY ENHANCE_YOUR_CALM, connection closed');
  const healthy = http2.connect(`http://${sluice.listeners.web}`);
  t.teardown(() => healthy.close());
  t.equal((await h2Get(healthy, '/')).body, 'ok', 'other clients are served');
  const metrics = (await adminText(sluice.admin, '/metrics')).text;
  t.equal(metricValue(metrics, 'sluice_http2_rapid_reset_closes_total'), 1, 'the cut-off is counted');
  t.equal(await sluice.stop(), 0);
});

t.test('maxConnectionAge sends GOAWAY; the in-flight stream finishes', async (t) => {
  const backend = await startBackend(t, 'slow', (req, res) => { req.resume(); setTimeout(() => res.end('finished'), 1_500); });
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0", protocol: http, http2: { maxConnectionAge: 500ms } }]
routes: [{ paths: [{ path: /, pathType: Prefix, cluster: slow }] }]
clusters: [{ name: slow, endpoints: [{ address: "${backend.address}" }] }]
`);
  const client = http2.connect(`http://${sluice.listeners.web}`);
  t.teardown(() => client.close());
  const goaway = new Promise<number>((resolve) => client.once('goaway', (code) => resolve(code)));
  const inFlight = h2Get(client, '/');
  t.equal(await goaway, http2.constants.NGHTTP2_NO_ERROR, 'GOAWAY (NO_ERROR) after the age');
  const response = await inFlight;
  t.same([response.status, response.body], [200, 'finished'], 'the stream in flight completed');
  t.equal(await sluice.stop(), 0);
});

t.test('HTTP/1.1 clients of an h2c cluster: bodies de-framed, responses chunked with trailers', async (t) => {
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      if (headers[':path'] === '/sized') {
        stream.respond({ ':status': 200, 'content-length': '5' });
        stream.end('sized');
        return;
      }
      stream.respond({ ':status': 201, 'x-method': String(headers[':method']), 'x-proto': String(headers['x-forwarded-proto']) }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'x-length': String(body.length) }));
      stream.write('echo:');
      stream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0", protocol: http }]
routes: [{ paths: [{ path: /, pathType: Prefix, cluster: grpcish }] }]
clusters: [{ name: grpcish, protocol: h2c, endpoints: [{ address: "${address}" }] }]
`);
  const posted = await request(sluice.url('/echo'), { method: 'POST', body: 'hello h2' });
  t.equal(posted.statusCode, 201);
  t.equal(posted.headers['x-method'], 'POST');
  t.equal(posted.headers['x-proto'], 'http');
  t.equal(await posted.body.text(), 'echo:hello h2', 'Content-Length body carried as DATA');
  t.same(posted.trailers, { 'x-length': '8' }, 'HTTP/2 trailers arrive in the last chunk');

  const { text } = await rawExchange(sluice.listeners.web!,
    'POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6;ext=1\r\n, h2c!\r\n0\r\n\r\n');
  t.match(text, /^HTTP\/1\.1 201 Created\r\n/);
  t.equal(responseHeaders(text)['transfer-encoding'], 'chunked');
  t.match(text, /\r\n\r\n5\r\necho:\r\nb\r\nhello, h2c!\r\n0\r\nx-length: 11\r\n\r\n$/, 'chunked body de-framed for the endpoint, re-chunked for the client');

  const sized = await request(sluice.url('/sized'));
  t.equal(sized.headers['content-length'], '5');
  t.equal(await sized.body.text(), 'sized');
  t.equal(await sluice.stop(), 0);
});

t.test('an h2c endpoint that refuses connections → 502 upstream_connect_failed, for HTTP/1.1 and HTTP/2 clients', async (t) => {
  const closed = http2.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const deadPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0", protocol: http }]
routes: [{ paths: [{ path: /, pathType: Prefix, cluster: gone }] }]
clusters: [{ name: gone, protocol: h2c, endpoints: [{ address: "127.0.0.1:${deadPort}" }] }]
`);
  const viaH1 = await request(sluice.url('/'));
  await viaH1.body.dump();
  t.same([viaH1.statusCode, viaH1.headers['x-sluice-error']], [502, 'upstream_connect_failed'], 'HTTP/1.1 client');
  const client = http2.connect(`http://${sluice.listeners.web}`);
  t.teardown(() => client.close());
  const viaH2 = await h2Get(client, '/');
  t.same([viaH2.status, viaH2.headers['x-sluice-error']], [502, 'upstream_connect_failed'], 'HTTP/2 client');
  t.equal(await sluice.stop(), 0);
});

t.test('an HTTP/2 client that vanishes without GOAWAY does not keep its session (or a drain) waiting', async (t) => {
  const backend = await startBackend(t, 'b');
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0", protocol: http }]
routes: [{ paths: [{ path: /, pathType: Prefix, cluster: b }] }]
clusters: [{ name: b, endpoints: [{ address: "${backend.address}" }] }]
drainTimeout: 60s
`);
  const [host, port] = sluice.listeners.web!.split(':');
  const sockets = Array.from({ length: 4 }, () => net.connect({ host, port: Number(port) }));
  const clients = sockets.map((socket) => http2.connect(`http://${sluice.listeners.web}`, { createConnection: () => socket }));
  await Promise.all(clients.map((client) => h2Get(client, '/')));
  for (const socket of sockets) socket.destroy(); // FIN, no GOAWAY
  const active = async () => metricValue((await adminText(sluice.admin, '/metrics')).text, 'sluice_downstream_connections_active');
  await eventually(async () => (await active()) === 0, 10_000, 'the sessions to close');
  t.pass('every session closed with its socket');
  const started = Date.now();
  t.equal(await sluice.stop(), 0);
  t.ok(Date.now() - started < 30_000, 'the drain did not wait for its timeout');
});

/** How a listener answers a header list over its maxHeaderListSize: the codecs differ (a 431, or a reset stream). */
async function oversizedHeaders(t: { teardown(fn: () => unknown): void }, address: string): Promise<string> {
  const client = await connectWire(t, address);
  await client.handshake();
  await client.sendHeaders(1, requestFields('/', [['x-big', 'v'.repeat(9_000)]]));
  const outcome = await client.streamOutcome(1);
  client.close();
  return outcome.kind === 'response' ? String(outcome.status) : outcome.kind;
}

t.test('http2.codec: a reload moves the connections opened after it to the other codec', async (t) => {
  const backend = await startBackend(t, 'codec', (req, res) => { req.resume(); res.end('ok'); });
  const config = (codec: string) => `
listeners: [{ name: web, address: "127.0.0.1:0", protocol: http, http2: { codec: ${codec}, maxHeaderListSize: 8192 } }]
routes: [{ paths: [{ path: /, pathType: Prefix, cluster: codec }] }]
clusters: [{ name: codec, endpoints: [{ address: "${backend.address}" }] }]
`;
  const sluice = await startSluice(t, config('node'), { workers: 1 });
  const address = sluice.listeners.web!;
  t.equal(await oversizedHeaders(t, address), 'reset', 'node:http2 resets the stream');
  const open = http2.connect(`http://${address}`);
  t.teardown(() => open.close());
  t.equal((await h2Get(open, '/')).body, 'ok', 'a connection opened before the reload');
  sluice.writeConfig(config('sluice'));
  await eventually(async () => (await oversizedHeaders(t, address)) === '431', 20_000, 'the sluice codec on new connections');
  t.pass('Sluice\'s engine answers 431');
  t.equal((await h2Get(open, '/')).body, 'ok', 'the connection opened before the reload is still served');
  t.equal(await sluice.stop(), 0);
});
