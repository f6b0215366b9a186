// Every reply Sluice makes itself carries an x-request-id, and its access log line the same id (as
// Envoy gives local replies one): a head it cannot parse (raw sockets: malformed, too large — a new id,
// since nothing of the head is trusted), and for HTTP/1.1 and HTTP/2 clients 404 no route, 503 no
// endpoint and 502 endpoint down (an http1 and an h2c cluster, so the bridges' failures too). With
// `requestId.generate: false` the refused head gets none.
import http2 from 'node:http2';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { eventually } from '../helpers/admin.js';
import { send } from '../helpers/http-request.js';
import { closedAddress } from '../helpers/ports.js';
import { rawExchange, responseHeaders } from '../helpers/raw-http.js';
import { startSluice, type SluiceProcess } from '../helpers/sluice-process.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

type Line = Record<string, unknown>;

async function start(t: Test, tracing: string): Promise<{ sluice: SluiceProcess; lines: () => Line[] }> {
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0", maxHeaderBytes: 1024 }]
routes:
  - paths:
      - { path: /empty, pathType: Prefix, cluster: empty }
      - { path: /down-h2c, pathType: Prefix, cluster: down-h2c }
      - { path: /down, pathType: Prefix, cluster: down }
clusters:
  - { name: empty, endpoints: [] }
  - { name: down, endpoints: [{ address: "${await closedAddress()}" }] }
  - { name: down-h2c, protocol: h2c, endpoints: [{ address: "${await closedAddress()}" }] }
accessLog: { enabled: true, path: access.log }
${tracing}
`);
  const file = path.join(path.dirname(sluice.configFile), 'access.log');
  const lines = (): Line[] => existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Line) : [];
  return { sluice, lines };
}

/** The access log line with `requestId`, once it is written. */
async function lineOf(lines: () => Line[], requestId: unknown): Promise<Line | undefined> {
  await eventually(() => lines().some((line) => line.requestId === requestId), 20_000, `the access log line of ${String(requestId)}`);
  return lines().find((line) => line.requestId === requestId);
}

function h2Get(session: http2.ClientHttp2Session, pathname: string): Promise<{ status: number; headers: http2.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': pathname });
    let headers: http2.IncomingHttpHeaders = {};
    stream.on('response', (response) => { headers = response; });
    stream.resume();
    stream.setTimeout(15_000, () => stream.close());
    stream.on('end', () => resolve({ status: Number(headers[':status']), headers }));
    stream.on('error', reject);
    stream.end();
  });
}

t.test('heads Sluice refuses get a new request id, and their access log line the same', async (t) => {
  const { sluice, lines } = await start(t, '');
  const address = sluice.listeners.web!;
  const refused: Array<[string, string, number, string]> = [
    ['malformed header line', 'GET / HTTP/1.1\r\nHost: a\r\nx-request-id: client-id\r\nno colon here\r\n\r\n', 400, 'bad_request'],
    ['malformed request line', 'GET  /  HTTP/1.1\r\nHost: a\r\n\r\n', 400, 'bad_request'],
    ['head over maxHeaderBytes', `GET / HTTP/1.1\r\nHost: a\r\nx-big: ${'a'.repeat(2048)}\r\n\r\n`, 431, 'headers_too_large'],
  ];
  for (const [what, bytes, status, code] of refused) {
    const answer = await rawExchange(address, bytes);
    t.match(answer.text, new RegExp(`^HTTP/1\\.1 ${status} `), `${what}: ${status}`);
    t.ok(answer.closedByServer, `${what}: the connection is closed`);
    const headers = responseHeaders(answer.text);
    t.match(headers, { 'x-sluice-error': code, connection: 'close' }, `${what}: the error reply`);
    t.match(headers['x-request-id'], UUID_V4, `${what}: a generated request id (the client's is not trusted)`);
    t.match(await lineOf(lines, headers['x-request-id']), {
      status, errorCode: code, method: null, path: null, host: null, protocol: 'HTTP/1.1', clientAddress: '127.0.0.1',
      upstream: null, route: null, bytesIn: 0, bytesOut: Number(headers['content-length']),
    }, `${what}: its access log line`);
  }
  t.equal(new Set(lines().map((line) => line.requestId)).size, refused.length, 'one line and one id per refused head');
});

t.test('local replies carry the request id for HTTP/1.1 and HTTP/2 clients, and log it', async (t) => {
  const { sluice, lines } = await start(t, '');
  const address = sluice.listeners.web!;
  const session = http2.connect(`http://${address}`);
  t.teardown(() => session.close());
  const replies: Array<[string, number, string]> = [
    ['/nowhere', 404, 'no_route'], ['/empty', 503, 'no_healthy_endpoint'],
    ['/down', 502, 'upstream_connect_failed'], ['/down-h2c', 502, 'upstream_connect_failed'],
  ];
  for (const [pathname, status, code] of replies) {
    const h1 = await send(address, { path: pathname });
    t.equal(h1.status, status, `HTTP/1.1 ${pathname}: ${status}`);
    t.match(h1.headers['x-request-id'], UUID_V4, `HTTP/1.1 ${pathname}: a request id`);
    t.match(await lineOf(lines, h1.headers['x-request-id']), { status, errorCode: code, path: pathname, protocol: 'HTTP/1.1' }, `HTTP/1.1 ${pathname}: logged with it`);

    const kept = await send(address, { path: pathname, headers: { 'x-request-id': `kept-${code}` } });
    t.equal(kept.headers['x-request-id'], `kept-${code}`, `HTTP/1.1 ${pathname}: the client's request id kept`);

    const h2 = await h2Get(session, pathname);
    t.equal(h2.status, status, `HTTP/2 ${pathname}: ${status}`);
    t.match(h2.headers['x-request-id'], UUID_V4, `HTTP/2 ${pathname}: a request id`);
    t.match(await lineOf(lines, h2.headers['x-request-id']), { status, errorCode: code, path: pathname, protocol: 'HTTP/2' }, `HTTP/2 ${pathname}: logged with it`);
  }
});

t.test('requestId.generate false: a refused head gets no request id', async (t) => {
  const { sluice, lines } = await start(t, 'tracing: { requestId: { generate: false } }');
  const answer = await rawExchange(sluice.listeners.web!, 'GET / HTTP/1.1\r\nHost: a\r\nno colon here\r\n\r\n');
  t.match(answer.text, /^HTTP\/1\.1 400 /);
  t.notOk('x-request-id' in responseHeaders(answer.text), 'no x-request-id');
  await eventually(() => lines().length === 1, 20_000, 'the access log line');
  t.match(lines()[0], { status: 400, errorCode: 'bad_request', requestId: null });
});
