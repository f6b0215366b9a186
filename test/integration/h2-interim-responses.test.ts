// Interim responses across and within HTTP/2: the 103 Early Hints and 100 Continue of an HTTP/1.1
// endpoint (across the protocol change) or of an h2c endpoint reach an HTTP/2 client as interim HEADERS
// ahead of the final response, and those of an h2c endpoint reach an HTTP/1.1 client as interim heads
// (an HTTP/1.0 client none); a 100 Continue is never taken for the final response.
import t from 'tap';
import http from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { converse, rawExchange } from '../helpers/raw-http.js';
import { startSluice } from '../helpers/sluice-process.js';

const PRELOAD = '</style.css>; rel=preload; as=style';
const FONT = '</font.woff2>; rel=preload; as=font';

/** Events of one HTTP/2 request in arrival order ('headers 103', 'continue', 'response 200'), and its body. */
interface Seen { readonly events: string[]; readonly hints: (string | string[] | undefined)[]; readonly body: string }

function h2Request(
  session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: string,
): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const events: string[] = [];
    const hints: (string | string[] | undefined)[] = [];
    let text = '';
    const stream = session.request(headers, { endStream: body === undefined });
    stream.on('headers', (interim) => {
      events.push(`headers ${interim[':status']}`);
      if (interim[':status'] === 103) hints.push(interim.link);
    });
    // With Expect: 100-continue the body waits for the endpoint's go-ahead.
    stream.on('continue', () => {
      events.push('continue');
      stream.end(body);
    });
    stream.on('response', (final) => events.push(`response ${final[':status']}`));
    stream.setEncoding('utf8').on('data', (chunk: string) => { text += chunk; });
    stream.on('end', () => resolve({ events, hints, body: text }));
    stream.on('error', reject);
    stream.setTimeout(20_000, () => stream.close(http2.constants.NGHTTP2_CANCEL));
  });
}

type Server = http.Server | http2.Http2Server;
type Request = http.IncomingMessage | http2.Http2ServerRequest;
type Response = http.ServerResponse | http2.Http2ServerResponse;

/** The same endpoint over HTTP/1.1 and h2c: two 103s before /hints, a 100 for Expect: 100-continue (counted in `continues`). */
function serve(server: Server): { continues: number } {
  const seen = { continues: 0 };
  server.on('request', (req: Request, res: Response) => {
    if (req.url === '/hints') {
      res.writeEarlyHints({ link: PRELOAD });
      res.writeEarlyHints({ link: [PRELOAD, FONT] });
      // The final head a moment later, so the hints cannot travel in the same read as it.
      setTimeout(() => res.end('page'), 50);
      return;
    }
    req.resume();
    req.on('end', () => res.end('no hints'));
  });
  // The endpoint sees Expect: 100-continue, says go ahead, then answers with the body it received.
  server.on('checkContinue', (req: Request, res: Response) => {
    seen.continues++;
    res.writeContinue();
    let received = '';
    req.setEncoding('utf8').on('data', (chunk: string) => { received += chunk; });
    req.on('end', () => res.end(`got ${received}`));
  });
  return seen;
}

for (const protocol of ['http1', 'h2c'] as const) {
  t.test(`an HTTP/2 client of an ${protocol} cluster sees the endpoint's 103 and 100, then the final response`, async (t) => {
    const server = protocol === 'http1' ? http.createServer() : http2.createServer();
    const seen = serve(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.teardown(() => new Promise((resolve) => {
      if (server instanceof http.Server) server.closeAllConnections();
      server.close(resolve);
    }));
    const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0", protocol: http }]
routes: [{ paths: [{ path: /, pathType: Prefix, cluster: up }] }]
clusters: [{ name: up, protocol: ${protocol}, endpoints: [{ address: "${address}" }] }]
`, { workers: 1 });
    const session = http2.connect(`http://${sluice.listeners.web}`);
    t.teardown(() => session.close());

    const hints = await h2Request(session, { ':path': '/hints' });
    t.same(hints.events, ['headers 103', 'headers 103', 'response 200'], 'two 103 HEADERS, then the final response');
    t.same(hints.hints, [PRELOAD, `${PRELOAD}, ${FONT}`], 'the Link fields of each hint');
    t.equal(hints.body, 'page');

    const upload = await h2Request(session, { ':method': 'POST', ':path': '/upload', expect: '100-continue' }, 'payload');
      t.equal(seen.continues, 1, 'Expect: 100-continue reached the endpoint');
    t.same(upload.events, ['continue', 'headers 100', 'response 200'], 'the 100 is interim; the final response follows the body');
    t.equal(upload.body, 'got payload', 'the body sent after the 100 reached the endpoint');

    const plain = await h2Request(session, { ':path': '/plain' });
    t.same([plain.events, plain.body], [['response 200'], 'no hints'], 'no interim response, none invented');
    t.equal(await sluice.stop(), 0);
  });
}

/** The heads in a raw HTTP/1.1 response stream (interim ones first) as status lines and field lines, and the body after the last. */
function heads(text: string): { heads: string[][]; body: string } {
  const found: string[][] = [];
  let at = 0;
  for (;;) {
    const end = text.indexOf('\r\n\r\n', at);
    if (end < 0) return { heads: found, body: text.slice(at) };
    const lines = text.slice(at, end).split('\r\n');
    found.push(lines);
    at = end + 4;
    if (!/^HTTP\/1\.1 1\d\d /.test(lines[0]!)) return { heads: found, body: text.slice(at) };
  }
}

t.test('an HTTP/1.1 client of an h2c cluster gets the endpoint\'s 103s and 100 as interim heads; an HTTP/1.0 client none', async (t) => {
  const server = http2.createServer();
  const seen = serve(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0", protocol: http }]
routes: [{ paths: [{ path: /, pathType: Prefix, cluster: up }] }]
clusters: [{ name: up, protocol: h2c, endpoints: [{ address: "127.0.0.1:${(server.address() as AddressInfo).port}" }] }]
`, { workers: 1 });
  const web = sluice.listeners.web!;

  const hints = heads((await rawExchange(web, 'GET /hints HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', 20_000)).text);
  t.same(hints.heads.map((lines) => lines[0]), ['HTTP/1.1 103 Early Hints', 'HTTP/1.1 103 Early Hints', 'HTTP/1.1 200 OK'], 'two interim 103 heads, then the final one');
  t.same(hints.heads.slice(0, 2), [
    ['HTTP/1.1 103 Early Hints', `link: ${PRELOAD}`],
    ['HTTP/1.1 103 Early Hints', `link: ${PRELOAD}, ${FONT}`],
  ], 'each hint with its Link field');
  t.equal(hints.body, '4\r\npage\r\n0\r\n\r\n', 'the body, chunked');

  const old = heads((await rawExchange(web, 'GET /hints HTTP/1.0\r\nHost: a\r\n\r\n', 20_000)).text);
  t.same(old.heads.map((lines) => lines[0]), ['HTTP/1.1 200 OK'], 'an HTTP/1.0 client gets the final head only (RFC 9110 §15.2)');
  t.equal(old.body, 'page');

  // The client holds its body back until the endpoint's go-ahead: without it the exchange stalls.
  const upload = await converse(web, [
    ['POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 7\r\nExpect: 100-continue\r\n\r\n', /^HTTP\/1\.1 100 Continue\r\n/],
    ['payload', /got payload/],
  ]);
    t.equal(seen.continues, 1, 'Expect: 100-continue reached the endpoint');
  const answer = heads(upload);
  t.same(answer.heads.map((lines) => lines[0]), ['HTTP/1.1 100 Continue', 'HTTP/1.1 200 OK'], 'one 100, then the final head after the body');
  t.equal(answer.body, 'b\r\ngot payload\r\n0\r\n\r\n', 'the body sent after the 100 reached the endpoint');
  t.equal(await sluice.stop(), 0);
});
