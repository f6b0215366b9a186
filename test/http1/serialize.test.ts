// The serializers' exact output: which headers pass, which are replaced or dropped, the framing and
// connection lines, for requests to endpoints and responses to clients.
import t from 'tap';
import {
  findHeadEnd, isParseFailure, parseRequestHead, parseResponseHead, serializeRequestHead, serializeResponseHead,
  type RequestHead, type ResponseHead,
} from '../../src/http1/index.js';

function request(text: string): RequestHead {
  const buf = Buffer.from(text, 'latin1');
  const head = parseRequestHead(buf, findHeadEnd(buf, 0));
  if (isParseFailure(head)) throw new Error(`rejected: ${head.reason}`);
  return head;
}

function response(text: string, method = 'GET'): ResponseHead {
  const buf = Buffer.from(text, 'latin1');
  const head = parseResponseHead(buf, findHeadEnd(buf, 0), method);
  if (isParseFailure(head)) throw new Error(`rejected: ${head.reason}`);
  return head;
}

t.test('request heads', async (t) => {
  const cases: [string, string, string][] = [
    ['a plain GET',
      'GET /a HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n',
      'GET /a HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n'
      + 'x-forwarded-for: 10.0.0.9\r\nx-forwarded-proto: http\r\nx-forwarded-host: example.com\r\nx-forwarded-port: 8080\r\n'
      + 'connection: keep-alive\r\n\r\n'],
    ['hop-by-hop and forwarding headers are dropped; X-Forwarded-For is extended',
      'GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, X-Hop\r\nKeep-Alive: 5\r\nX-Hop: 1\r\nTE: trailers\r\n'
      + 'X-Forwarded-For: 1.1.1.1\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: evil\r\nX-Forwarded-Port: 1\r\n'
      + 'Proxy-Authorization: x\r\nX-Real: y\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\nX-Real: y\r\n'
      + 'x-forwarded-for: 1.1.1.1, 10.0.0.9\r\nx-forwarded-proto: http\r\nx-forwarded-host: a\r\nx-forwarded-port: 8080\r\n'
      + 'connection: keep-alive\r\n\r\n'],
    ['Content-Length is written once, as framing',
      'POST /p HTTP/1.1\r\nContent-Length: 5, 5\r\nHost: a\r\ncontent-length: 5\r\n\r\n',
      'POST /p HTTP/1.1\r\nHost: a\r\n'
      + 'x-forwarded-for: 10.0.0.9\r\nx-forwarded-proto: http\r\nx-forwarded-host: a\r\nx-forwarded-port: 8080\r\n'
      + 'content-length: 5\r\nconnection: keep-alive\r\n\r\n'],
    ['chunked',
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: a\r\n'
      + 'x-forwarded-for: 10.0.0.9\r\nx-forwarded-proto: http\r\nx-forwarded-host: a\r\nx-forwarded-port: 8080\r\n'
      + 'transfer-encoding: chunked\r\nconnection: keep-alive\r\n\r\n'],
    ['upgrade',
      'GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: k\r\n\r\n',
      'GET /ws HTTP/1.1\r\nHost: a\r\nSec-WebSocket-Key: k\r\n'
      + 'x-forwarded-for: 10.0.0.9\r\nx-forwarded-proto: http\r\nx-forwarded-host: a\r\nx-forwarded-port: 8080\r\n'
      + 'connection: upgrade\r\nupgrade: websocket\r\n\r\n'],
    ['HTTP/1.0 without Host goes out as HTTP/1.0 (so the endpoint cannot answer chunked) without x-forwarded-host',
      'GET / HTTP/1.0\r\nConnection: close\r\n\r\n',
      'GET / HTTP/1.0\r\n'
      + 'x-forwarded-for: 10.0.0.9\r\nx-forwarded-proto: http\r\nx-forwarded-port: 8080\r\n'
      + 'connection: keep-alive\r\n\r\n'],
  ];
  for (const [name, incoming, expected] of cases) {
    t.equal(serializeRequestHead(request(incoming), '10.0.0.9', 'http', '8080'), expected, name);
  }
});

t.test('response heads', async (t) => {
  const ok = response('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n'
    + 'Content-Length: 2\r\nX-Forwarded-For: kept\r\n\r\n');
  t.equal(serializeResponseHead(ok, true, 1),
    'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Forwarded-For: kept\r\ncontent-length: 2\r\n\r\n',
    'kept alive, HTTP/1.1 client: no connection header');
  t.equal(serializeResponseHead(ok, false, 1),
    'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Forwarded-For: kept\r\ncontent-length: 2\r\nconnection: close\r\n\r\n',
    'closing');
  t.equal(serializeResponseHead(ok, true, 0),
    'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Forwarded-For: kept\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\n',
    'kept alive, HTTP/1.0 client');
  t.equal(serializeResponseHead(ok, false, 0),
    'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Forwarded-For: kept\r\ncontent-length: 2\r\nconnection: close\r\n\r\n',
    'closing, HTTP/1.0 client');

  const smuggled = response('HTTP/1.1 200 OK\r\nContent-Length: 7\r\nTransfer-Encoding: chunked\r\n\r\n');
  t.equal(serializeResponseHead(smuggled, false, 1), 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n',
    'TE and CL: only the chunked framing goes on');

  const untilClose = response('HTTP/1.0 200 Fine\r\nServer: s\r\n\r\n');
  t.equal(serializeResponseHead(untilClose, false, 1), 'HTTP/1.1 200 Fine\r\nServer: s\r\nconnection: close\r\n\r\n',
    'close-delimited: no framing');

  const noReason = response('HTTP/1.1 204\r\nContent-Length: 0\r\n\r\n');
  t.equal(serializeResponseHead(noReason, true, 1), 'HTTP/1.1 204 \r\n\r\n', '204: empty reason, no framing');

  const head = response('HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n', 'HEAD');
  t.equal(serializeResponseHead(head, true, 1), 'HTTP/1.1 200 OK\r\ncontent-length: 12\r\n\r\n', 'HEAD keeps its length');

  const interim = response('HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n');
  t.equal(serializeResponseHead(interim, true, 1), 'HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n', '1xx');

  const switching = response('HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: websocket\r\n'
    + 'Sec-WebSocket-Accept: a\r\n\r\n');
  t.equal(serializeResponseHead(switching, true, 1),
    'HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: a\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n',
    '101: the upgrade pair');
});
