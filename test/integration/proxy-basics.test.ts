// The HTTP/1.1 data plane end to end: real sluice process (2 workers), real node:http upstreams,
// real clients. Routing, local replies and their codes, headers, keep-alive, malformed input.
import t from 'tap';
import net from 'node:net';
import { Agent, request } from 'undici';
import { startBackend } from '../helpers/backend.js';
import { converse, rawExchange, responseHeaders } from '../helpers/raw-http.js';
import { startSluice } from '../helpers/sluice-process.js';

async function get(url: string, headers: Record<string, string> = {}, dispatcher?: Agent) {
  const response = await request(url, { headers, dispatcher });
  return { status: response.statusCode, headers: response.headers, body: await response.body.text() };
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

t.test('routes by host and path, wildcard hosts, default backend', async (t) => {
  const [api, apiV2, web, wild, fallback] = await Promise.all(
    ['api', 'api-v2', 'web', 'wild', 'fallback'].map((name) => startBackend(t, name)),
  );
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0", protocol: http }]
routes:
  - host: shop.example.com
    paths:
      - { path: /api, pathType: Prefix, cluster: api }
      - { path: /api/v2, pathType: Prefix, cluster: api-v2 }
      - { path: /exact, pathType: Exact, cluster: web }
  - host: "*.example.com"
    paths: [{ path: /, pathType: Prefix, cluster: wild }]
  - paths: [{ path: /, pathType: Prefix, cluster: web }]
defaultCluster: fallback
clusters:
  - { name: api, endpoints: [{ address: "${api!.address}" }] }
  - { name: api-v2, endpoints: [{ address: "${apiV2!.address}" }] }
  - { name: web, endpoints: [{ address: "${web!.address}" }] }
  - { name: wild, endpoints: [{ address: "${wild!.address}" }] }
  - { name: fallback, endpoints: [{ address: "${fallback!.address}" }] }
`);
  const cases: [host: string, path: string, expected: string][] = [
    ['shop.example.com', '/api', 'api'],
    ['shop.example.com', '/api/', 'api'],
    ['SHOP.example.com:8080', '/api/users?id=1', 'api'],
    ['shop.example.com', '/api/v2/x', 'api-v2'],
    ['shop.example.com', '/apiary', 'fallback'],
    ['shop.example.com', '/exact', 'web'],
    ['shop.example.com', '/exact/', 'fallback'],
    ['blog.example.com', '/anything', 'wild'],
    ['a.b.example.com', '/anything', 'web'],
    ['example.com', '/', 'web'],
    ['other.test', '/x', 'web'],
  ];
  for (const [host, path, expected] of cases) {
    const response = await get(sluice.url(path), { host });
    t.equal(response.status, 200, `${host}${path} status`);
    t.equal(response.body, expected, `${host}${path} → ${expected}`);
  }
  t.equal(await sluice.stop(), 0, 'SIGTERM exits 0');
});

t.test('local replies carry their status and x-sluice-error code', async (t) => {
  const slow = await startBackend(t, 'slow', (_req, res) => { setTimeout(() => res.end('late'), 3_000); });
  const deadPort = await closedPort();
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0", protocol: http }]
routes:
  - paths:
      - { path: /refused, pathType: Prefix, cluster: refused }
      - { path: /empty, pathType: Prefix, cluster: empty }
      - { path: /slow, pathType: Prefix, cluster: slow }
clusters:
  - { name: refused, endpoints: [{ address: "127.0.0.1:${deadPort}" }] }
  - { name: empty, endpoints: [] }
  - { name: slow, endpoints: [{ address: "${slow.address}" }], timeouts: { request: 300ms } }
`);
  const expectations: [path: string, status: number, code: string][] = [
    ['/nothing-here', 404, 'no_route'],
    ['/refused', 502, 'upstream_connect_failed'],
    ['/empty', 503, 'no_healthy_endpoint'],
    ['/slow', 504, 'upstream_timeout'],
  ];
  for (const [path, status, code] of expectations) {
    const response = await get(sluice.url(path));
    t.equal(response.status, status, `${path} status`);
    t.equal(response.headers['x-sluice-error'], code, `${path} code`);
    t.match(response.body, code, `${path} body names the code`);
  }
  t.equal(await sluice.stop(), 0);
});

t.test('upstream reset before a response → 502 upstream_reset', async (t) => {
  const rude = await startBackend(t, 'rude', (req) => { req.socket.destroy(); });
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0", protocol: http }]
routes: [{ paths: [{ path: /, pathType: Prefix, cluster: rude }] }]
clusters: [{ name: rude, endpoints: [{ address: "${rude.address}" }] }]
`);
  const response = await get(sluice.url('/'));
  t.equal(response.status, 502);
  t.equal(response.headers['x-sluice-error'], 'upstream_reset');
  await sluice.stop();
});

t.test('X-Forwarded-* are set, hop-by-hop headers are stripped both ways, Host is kept', async (t) => {
  const echo = await startBackend(t, 'echo', (req, res) => {
    req.resume();
    res.setHeader('keep-alive', 'timeout=30');
    res.setHeader('x-upstream-private', 'listed in connection');
    res.setHeader('connection', 'x-upstream-private');
    res.setHeader('x-kept', 'yes');
    res.end(JSON.stringify(req.headers));
  });
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0", protocol: http }]
routes: [{ paths: [{ path: /, pathType: Prefix, cluster: echo }] }]
clusters: [{ name: echo, endpoints: [{ address: "${echo.address}" }] }]
`);
  const port = sluice.listeners.web!.split(':')[1];
  const { text } = await rawExchange(sluice.listeners.web!,
    'GET /headers HTTP/1.1\r\nHost: app.example.com\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\n' +
    'Connection: close, X-Secret\r\nX-Secret: hop\r\nKeep-Alive: timeout=5\r\nProxy-Authorization: Basic Zm9v\r\nTE: trailers\r\n' +
    'Upgrade: h2c\r\nX-Custom: kept\r\n\r\n');
  t.match(text, /^HTTP\/1\.1 200 OK\r\n/);
  const seen = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as Record<string, string>;
  t.equal(seen.host, 'app.example.com', 'Host kept');
  t.equal(seen['x-forwarded-for'], '203.0.113.7, 127.0.0.1', 'client appended to X-Forwarded-For');
  t.equal(seen['x-forwarded-proto'], 'http', 'proto is what Sluice saw');
  t.equal(seen['x-forwarded-host'], 'app.example.com');
  t.equal(seen['x-forwarded-port'], port);
  t.equal(seen['x-custom'], 'kept');
  for (const name of ['x-secret', 'keep-alive', 'proxy-authorization', 'te', 'upgrade']) {
    t.notOk(name in seen, `${name} not forwarded`);
  }
  t.equal(seen.connection, 'keep-alive', 'Sluice speaks keep-alive upstream');
  const headers = responseHeaders(text);
  t.equal(headers['x-kept'], 'yes');
  t.notOk('keep-alive' in headers, 'response Keep-Alive stripped');
  t.notOk('x-upstream-private' in headers, 'response header listed in Connection stripped');
  t.equal(headers.connection, 'close', 'client asked to close');
  await sluice.stop();
});

t.test('keep-alive: upstream connections are reused across requests and clients', async (t) => {
  const backend = await startBackend(t, 'ka');
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0", protocol: http }]
routes: [{ paths: [{ path: /, pathType: Prefix, cluster: ka }] }]
clusters: [{ name: ka, endpoints: [{ address: "${backend.address}" }] }]
`);
  const agent = new Agent({ connections: 4 });
  t.teardown(() => agent.close());
  const total = 400;
  for (let batch = 0; batch < total / 8; batch++) {
    const responses = await Promise.all(Array.from({ length: 8 }, () => get(sluice.url('/'), {}, agent)));
    for (const response of responses) if (response.status !== 200) t.fail(`status ${response.status}`);
  }
  t.equal(backend.requests, total, 'every request reached the backend');
  t.ok(backend.connections <= 16, `backend saw ${backend.connections} connections for ${total} requests`);
  await sluice.stop();
});

t.test('malformed requests get 400 and the connection is closed', async (t) => {
  const backend = await startBackend(t, 'never');
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0", protocol: http, maxHeaderBytes: 4096 }]
routes: [{ paths: [{ path: /, pathType: Prefix, cluster: never }] }]
clusters: [{ name: never, endpoints: [{ address: "${backend.address}" }] }]
`);
  const address = sluice.listeners.web!;
  const bad: [name: string, bytes: string, status: number, code: string][] = [
    ['garbage request line', 'HELLO\r\n\r\n', 400, 'bad_request'],
    ['Content-Length with Transfer-Encoding', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400, 'bad_request'],
    ['differing Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd', 400, 'bad_request'],
    ['obs-fold', 'GET / HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n two\r\n\r\n', 400, 'bad_request'],
    ['bad chunk size', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n', 400, 'bad_request'],
    ['no Host in HTTP/1.1', 'GET / HTTP/1.1\r\n\r\n', 400, 'bad_request'],
    ['space before colon', 'GET / HTTP/1.1\r\nHost : a\r\n\r\n', 400, 'bad_request'],
    ['head too large', `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'x'.repeat(8000)}\r\n\r\n`, 431, 'headers_too_large'],
    ['unknown transfer coding', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n', 501, 'unsupported_transfer_coding'],
  ];
  for (const [name, bytes, status, code] of bad) {
    const result = await rawExchange(address, bytes);
    t.match(result.text, new RegExp(`^HTTP/1\\.1 ${status} `), `${name}: ${status}`);
    t.equal(responseHeaders(result.text)['x-sluice-error'], code, `${name}: ${code}`);
    t.ok(result.closedByServer, `${name}: connection closed`);
  }
  t.equal(backend.requests, 0, 'nothing malformed reached the backend');
  const ok = await get(sluice.url('/'));
  t.equal(ok.status, 200, 'the proxy still serves');
  await sluice.stop();
});

t.test('pipelined requests are answered in order', async (t) => {
  const backend = await startBackend(t, 'pipe', (req, res) => { req.resume(); res.end(req.url); });
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0", protocol: http }]
routes: [{ paths: [{ path: /, pathType: Prefix, cluster: pipe }] }]
clusters: [{ name: pipe, endpoints: [{ address: "${backend.address}" }] }]
`);
  const requests = ['/one', '/two', '/three'].map((p, i) =>
    `POST ${p} HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n${i === 2 ? 'Connection: close\r\n' : ''}\r\nhello`).join('');
  const { text } = await rawExchange(sluice.listeners.web!, requests);
  const bodies = text.split('HTTP/1.1 200 OK').slice(1).map((part) => part.slice(part.indexOf('\r\n\r\n') + 4));
  t.same(bodies, ['/one', '/two', '/three']);
  await sluice.stop();
});

t.test('an HTTP/1.0 client never receives a chunked response', async (t) => {
  const streaming = await startBackend(t, 'streaming', (req, res) => {
    req.resume();
    res.write('part one, ');
    setTimeout(() => res.end(`part two (${req.httpVersion})`), 20);
  });
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0", protocol: http }]
routes: [{ paths: [{ path: /, pathType: Prefix, cluster: streaming }] }]
clusters: [{ name: streaming, endpoints: [{ address: "${streaming.address}" }] }]
`);
  const { text, closedByServer } = await rawExchange(sluice.listeners.web!, 'GET / HTTP/1.0\r\nHost: a\r\n\r\n');
  t.match(text, /^HTTP\/1\.1 200 OK\r\n/);
  t.notOk('transfer-encoding' in responseHeaders(text), 'no chunked framing');
  t.equal(text.slice(text.indexOf('\r\n\r\n') + 4), 'part one, part two (1.0)', 'body intact, endpoint saw HTTP/1.0');
  t.ok(closedByServer, 'the end of the body is the end of the connection');
  const chunked = await rawExchange(sluice.listeners.web!, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  t.equal(responseHeaders(chunked.text)['transfer-encoding'], 'chunked', 'an HTTP/1.1 client gets the chunked stream');
  await sluice.stop();
});

t.test('Expect: 100-continue is relayed before the body is sent', async (t) => {
  const echo = await startBackend(t, 'echo', (req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => { body += chunk; });
    req.on('end', () => res.end(`got ${body}`));
  });
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0", protocol: http }]
routes: [{ paths: [{ path: /, pathType: Prefix, cluster: echo }] }]
clusters: [{ name: echo, endpoints: [{ address: "${echo.address}" }] }]
`);
  const text = await converse(sluice.listeners.web!, [
    ['POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n', /^HTTP\/1\.1 100 Continue\r\n\r\n/],
    ['hello', /got hello$/],
  ]);
  t.match(text, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
  await sluice.stop();
});

t.test('Upgrade: a 101 turns the connection into a two-way tunnel', async (t) => {
  const upgrader = await startBackend(t, 'upgrader');
  upgrader.server.on('upgrade', (req, socket) => {
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${req.headers.upgrade}\r\nConnection: Upgrade\r\n\r\n`);
    socket.on('data', (chunk) => socket.write(`echo:${chunk.toString('latin1')};`));
    socket.on('end', () => socket.end()); // upgraded sockets are half-open; close when the proxy does
  });
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0", protocol: http }]
routes: [{ paths: [{ path: /, pathType: Prefix, cluster: upgrader }] }]
clusters: [{ name: upgrader, endpoints: [{ address: "${upgrader.address}" }] }]
`);
  const text = await converse(sluice.listeners.web!, [
    ['GET /chat HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: echo-protocol\r\n\r\n', /\r\n\r\n/],
    ['ping', /echo:ping;$/],
    ['pong', /echo:pong;$/],
  ]);
  t.match(text, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  t.match(responseHeaders(text), { upgrade: 'echo-protocol', connection: 'upgrade' });
  await sluice.stop();
});
