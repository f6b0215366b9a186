// The response-head parser: status line, framing (Transfer-Encoding wins over Content-Length), body
// delimiting per status and request method, keep-alive and upgrade.
import t from 'tap';
import {
  findHeadEnd, HeaderKind, isParseFailure, parseResponseHead, type ParseFailure, type ResponseHead,
} from '../../src/http1/index.js';

function parse(text: string, method = 'GET'): ResponseHead | ParseFailure {
  const buf = Buffer.from(text, 'latin1');
  const end = findHeadEnd(buf, 0);
  if (end < 0) throw new Error(`test head has no CRLFCRLF: ${JSON.stringify(text)}`);
  return parseResponseHead(buf, end, method);
}

/** Parses a head that must be accepted; a rejection throws, failing the test with its reason. */
function accepted(text: string, method = 'GET'): ResponseHead {
  const head = parse(text, method);
  if (isParseFailure(head)) throw new Error(`rejected: ${head.reason}`);
  return head;
}

const response = (fields: string, line = 'HTTP/1.1 200 OK'): string => `${line}\r\n${fields}\r\n`;

t.test('a typical response', async (t) => {
  t.same(accepted(response('Content-Type: text/plain\r\nContent-Length: 5\r\nConnection: keep-alive\r\n')), {
    versionMinor: 1,
    headers: ['Content-Type', 'text/plain', 'Content-Length', '5', 'Connection', 'keep-alive'],
    kinds: [HeaderKind.Other, HeaderKind.Other, HeaderKind.HopByHop],
    contentLength: 5,
    chunked: false,
    keepAlive: true,
    upgrade: undefined,
    status: 200,
    reason: 'OK',
    closeDelimited: false,
  });
});

t.test('status lines', async (t) => {
  const cases: [string, number, string][] = [
    ['HTTP/1.1 404 Not Found', 404, 'Not Found'],
    ['HTTP/1.1 200 ', 200, ''],
    ['HTTP/1.1 200', 200, ''],
    ['HTTP/1.0 599 odd\tbut fine', 599, 'odd\tbut fine'],
    ['HTTP/1.1 100 Continue', 100, 'Continue'],
    ['HTTP/1.1 200 caf\xe9', 200, 'caf\xe9'],
  ];
  for (const [line, status, reason] of cases) t.match(accepted(response('', line)), { status, reason }, line);
  const rejected = [
    'HTTP/1.1 099 Low', 'HTTP/1.1 600 High', 'HTTP/1.1 20 Short', 'HTTP/1.1 2000 Long', 'HTTP/1.1 2x0 X',
    'HTTP/1.1  200 OK', 'HTTP/1.1 200\tOK', 'HTTP/2 200 OK', 'HTTP/1.2 200 OK', 'http/1.1 200 OK', 'HTTP/1.1',
    'HTTP/1.1 200 O\x00K', 'HTTP/1.1 200 O\rK',
  ];
  for (const line of rejected) {
    const head = parse(response('', line));
    t.ok(isParseFailure(head) && head.error === 'bad_request', JSON.stringify(line));
  }
});

t.test('field rules are the same as for requests', async (t) => {
  const rejected: [string, string][] = [
    ['obs-fold', response('X: a\r\n b\r\n')],
    ['bare LF', 'HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n'],
    ['space before colon', response('Content-Length : 0\r\n')],
    ['NUL in value', response('X: \x00\r\n')],
    ['differing Content-Length', response('Content-Length: 1\r\nContent-Length: 2\r\n')],
    ['Content-Length not digits', response('Content-Length: 1e3\r\n')],
    ['chunked twice', response('Transfer-Encoding: chunked, chunked\r\n')],
    ['chunked not final', response('Transfer-Encoding: chunked, gzip\r\n')],
  ];
  for (const [name, text] of rejected) {
    const head = parse(text);
    t.ok(isParseFailure(head) && head.error === 'bad_request', name);
  }
});

t.test('framing and body delimiting', async (t) => {
  const cases: [string, string, string, Partial<ResponseHead>][] = [
    ['Content-Length', response('Content-Length: 10\r\n'), 'GET',
      { contentLength: 10, chunked: false, closeDelimited: false, keepAlive: true }],
    ['chunked', response('Transfer-Encoding: chunked\r\n'), 'GET',
      { contentLength: -1, chunked: true, closeDelimited: false, keepAlive: true }],
    ['TE and CL: TE wins, no reuse', response('Content-Length: 10\r\nTransfer-Encoding: chunked\r\n'), 'GET',
      { contentLength: -1, chunked: true, closeDelimited: false, keepAlive: false }],
    ['neither: until close', response(''), 'GET', { contentLength: -1, closeDelimited: true, keepAlive: false }],
    ['non-chunked final coding: until close', response('Transfer-Encoding: gzip\r\n'), 'GET',
      { chunked: false, closeDelimited: true, keepAlive: false }],
    ['non-chunked coding overrides CL', response('Transfer-Encoding: gzip\r\nContent-Length: 3\r\n'), 'GET',
      { contentLength: -1, chunked: false, closeDelimited: true, keepAlive: false }],
    ['TE in an HTTP/1.0 response: no reuse', response('Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n', 'HTTP/1.0 200 OK'),
      'GET', { chunked: true, keepAlive: false }],
    ['HEAD: no body', response(''), 'HEAD', { closeDelimited: false, keepAlive: true }],
    ['HEAD keeps Content-Length', response('Content-Length: 99\r\n'), 'HEAD', { contentLength: 99, closeDelimited: false }],
    ['204: no body', response('', 'HTTP/1.1 204 No Content'), 'GET', { closeDelimited: false, keepAlive: true }],
    ['304: no body', response('', 'HTTP/1.1 304 Not Modified'), 'GET', { closeDelimited: false, keepAlive: true }],
    ['1xx: no body', response('', 'HTTP/1.1 103 Early Hints'), 'GET', { closeDelimited: false, keepAlive: true }],
    ['2xx to CONNECT: no body', response(''), 'CONNECT', { closeDelimited: false, keepAlive: true }],
    ['4xx to CONNECT: body until close', response('', 'HTTP/1.1 407 Auth'), 'CONNECT', { closeDelimited: true }],
    ['201 until close', response('', 'HTTP/1.1 201 Created'), 'POST', { closeDelimited: true }],
  ];
  for (const [name, text, method, expected] of cases) t.match(accepted(text, method), expected, name);
});

t.test('keep-alive per version', async (t) => {
  const cases: [string, string, boolean][] = [
    ['HTTP/1.1 default', response('Content-Length: 0\r\n'), true],
    ['HTTP/1.1 close', response('Content-Length: 0\r\nConnection: close\r\n'), false],
    ['HTTP/1.0 default', response('Content-Length: 0\r\n', 'HTTP/1.0 200 OK'), false],
    ['HTTP/1.0 keep-alive', response('Content-Length: 0\r\nConnection: keep-alive\r\n', 'HTTP/1.0 200 OK'), true],
  ];
  for (const [name, text, keepAlive] of cases) t.equal(accepted(text).keepAlive, keepAlive, name);
});

t.test('upgrade and Connection-named headers', async (t) => {
  const switching = accepted(response('Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: x\r\n',
    'HTTP/1.1 101 Switching Protocols'));
  t.match(switching, { status: 101, upgrade: 'websocket', closeDelimited: false });
  t.same(switching.kinds, [HeaderKind.HopByHop, HeaderKind.HopByHop, HeaderKind.Other]);
  const named = accepted(response('Connection: x-hop\r\nX-Hop: 1\r\nContent-Length: 0\r\n'));
  t.same(named.kinds, [HeaderKind.HopByHop, HeaderKind.HopByHop, HeaderKind.Other]);
});
