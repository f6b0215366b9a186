// Every accept and reject rule of the request-head parser, table-driven: request line, field syntax,
// framing (the request-smuggling cases), Host, keep-alive per version, upgrade, expect, header kinds.
import t from 'tap';
import {
  findHeadEnd, HeaderKind, isParseFailure, parseRequestHead, type ParseFailure, type RequestHead,
} from '../../src/http1/index.js';

function parse(text: string): RequestHead | ParseFailure {
  const buf = Buffer.from(text, 'latin1');
  const end = findHeadEnd(buf, 0);
  if (end < 0) throw new Error(`test head has no CRLFCRLF: ${JSON.stringify(text)}`);
  return parseRequestHead(buf, end);
}

/** Parses a head that must be accepted; a rejection throws, failing the test with its reason. */
function accepted(text: string): RequestHead {
  const head = parse(text);
  if (isParseFailure(head)) throw new Error(`rejected: ${head.reason}`);
  return head;
}

const get = (fields: string, line = 'GET / HTTP/1.1'): string => `${line}\r\n${fields}\r\n`;

t.test('a typical request', async (t) => {
  const head = accepted(get('Host: example.com\r\nUser-Agent: t/1\r\nAccept:  */*  \r\n', 'GET /a?b=c HTTP/1.1'));
  t.same(head, {
    versionMinor: 1,
    headers: ['Host', 'example.com', 'User-Agent', 't/1', 'Accept', '*/*'],
    kinds: [HeaderKind.Other, HeaderKind.Other, HeaderKind.Other],
    contentLength: -1,
    chunked: false,
    keepAlive: true,
    upgrade: undefined,
    method: 'GET',
    target: '/a?b=c',
    host: 'example.com',
    expectContinue: false,
    forwardedFor: undefined,
  });
});

t.test('accepted heads', async (t) => {
  const cases: [string, string, Partial<RequestHead>][] = [
    ['HTTP/1.0 without Host', 'GET / HTTP/1.0\r\n\r\n', { versionMinor: 0, host: undefined }],
    ['extension method', get('Host: a\r\n', 'PURGE /x HTTP/1.1'), { method: 'PURGE' }],
    ['absolute-form target', get('Host: a\r\n', 'GET http://a/b HTTP/1.1'), { target: '/b', host: 'a' }],
    ['authority-form target', get('Host: a:443\r\n', 'CONNECT a:443 HTTP/1.1'), { method: 'CONNECT', target: 'a:443' }],
    ['asterisk-form target', get('Host: a\r\n', 'OPTIONS * HTTP/1.1'), { target: '*' }],
    ['obs-text in target and values', get('Host: a\r\nX-Name: caf\xe9\r\n', 'GET /caf\xe9 HTTP/1.1'), { target: '/caf\xe9' }],
    ['empty field value', get('Host: a\r\nX-Empty:\r\n'), { headers: ['Host', 'a', 'X-Empty', ''] }],
    ['HTAB inside a value, OWS trimmed', get('Host: a\r\nX-T:\t a\tb \t\r\n'), { headers: ['Host', 'a', 'X-T', 'a\tb'] }],
    ['empty Host (HTTP/1.1)', get('Host:\r\n'), { host: '' }],
    ['Host with port and IPv6 literal', get('Host: [::1]:8080\r\n'), { host: '[::1]:8080' }],
    ['leading empty line before the request line', `\r\n${get('Host: a\r\n')}`, { method: 'GET', host: 'a' }],
    ['Content-Length', get('Host: a\r\nContent-Length: 12\r\n', 'POST / HTTP/1.1'), { contentLength: 12 }],
    ['Content-Length zero', get('Host: a\r\nContent-Length: 0\r\n'), { contentLength: 0 }],
    ['Content-Length with leading zeros', get('Host: a\r\nContent-Length: 007\r\n'), { contentLength: 7 }],
    ['Content-Length list of identical values', get('Host: a\r\nContent-Length: 5, 5\r\n'), { contentLength: 5 }],
    ['duplicate identical Content-Length', get('Host: a\r\nContent-Length: 5\r\ncontent-length: 5\r\n'), { contentLength: 5 }],
    ['Content-Length = MAX_SAFE_INTEGER', get(`Host: a\r\nContent-Length: ${Number.MAX_SAFE_INTEGER}\r\n`), { contentLength: Number.MAX_SAFE_INTEGER }],
    ['Transfer-Encoding: chunked', get('Host: a\r\nTransfer-Encoding: chunked\r\n'), { chunked: true, contentLength: -1 }],
    ['Transfer-Encoding case-insensitive', get('Host: a\r\ntransfer-encoding: CHUNKED\r\n'), { chunked: true }],
    ['gzip then chunked', get('Host: a\r\nTransfer-Encoding: gzip, chunked\r\n'), { chunked: true }],
    ['codings across two headers', get('Host: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n'), { chunked: true }],
    ['Expect: 100-continue', get('Host: a\r\nExpect: 100-Continue\r\n'), { expectContinue: true }],
    ['other Expect', get('Host: a\r\nExpect: something\r\n'), { expectContinue: false }],
    ['Expect ignored in HTTP/1.0', 'GET / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n', { expectContinue: false }],
  ];
  for (const [name, text, expected] of cases) {
    const head = parse(text);
    t.notOk(isParseFailure(head), name);
    t.match(head, expected, name);
  }
});

t.test('rejected heads (bad_request)', async (t) => {
  const cases: [string, string][] = [
    // request line
    ['empty method', get('Host: a\r\n', ' / HTTP/1.1')],
    ['method not a token', get('Host: a\r\n', 'G(T / HTTP/1.1')],
    ['two spaces after method', get('Host: a\r\n', 'GET  / HTTP/1.1')],
    ['space inside target', get('Host: a\r\n', 'GET /a b HTTP/1.1')],
    ['HTAB inside target', get('Host: a\r\n', 'GET /a\tb HTTP/1.1')],
    ['DEL inside target', get('Host: a\r\n', 'GET /a\x7fb HTTP/1.1')],
    ['missing version', get('Host: a\r\n', 'GET /')],
    ['trailing space after version', get('Host: a\r\n', 'GET / HTTP/1.1 ')],
    ['HTTP/2.0', get('Host: a\r\n', 'GET / HTTP/2.0')],
    ['HTTP/1.2', get('Host: a\r\n', 'GET / HTTP/1.2')],
    ['lower-case version', get('Host: a\r\n', 'GET / http/1.1')],
    ['HTTP/0.9 style line', get('', 'GET /')],
    // line endings and controls
    ['bare LF after request line', 'GET / HTTP/1.1\nHost: a\r\n\r\n'],
    ['bare LF after a field', 'GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n'],
    ['bare CR inside a field value', get('Host: a\r\nX: b\rc\r\n')],
    ['bare CR in request line', get('Host: a\r\n', 'GET /\r HTTP/1.1')],
    ['NUL in a value', get('Host: a\r\nX: a\x00b\r\n')],
    ['NUL in a name', get('Host: a\r\nX\x00: b\r\n')],
    ['vertical tab in a value', get('Host: a\r\nX: a\x0bb\r\n')],
    ['DEL in a value', get('Host: a\r\nX: a\x7fb\r\n')],
    ['ESC in a value', get('Host: a\r\nX: a\x1bb\r\n')],
    // field syntax
    ['obs-fold with space', get('Host: a\r\nX: b\r\n c\r\n')],
    ['obs-fold with tab', get('Host: a\r\nX: b\r\n\tc\r\n')],
    ['space before colon', get('Host: a\r\nX-A : b\r\n')],
    ['tab before colon', get('Host: a\r\nX-A\t: b\r\n')],
    ['no colon', get('Host: a\r\nX-A b\r\n')],
    ['empty field name', get('Host: a\r\n: b\r\n')],
    ['field name not a token', get('Host: a\r\nX(A): b\r\n')],
    ['whitespace before the first field', 'GET / HTTP/1.1\r\n Host: a\r\n\r\n'],
    // Host
    ['HTTP/1.1 without Host', get('X: a\r\n')],
    ['two Host headers', get('Host: a\r\nHost: a\r\n')],
    ['two Host headers in HTTP/1.0', 'GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n'],
    ['Host with userinfo', get('Host: user@a\r\n')],
    ['Host with a path', get('Host: a/b\r\n')],
    ['Host with a space', get('Host: a b\r\n')],
    // Content-Length
    ['Content-Length not a number', get('Host: a\r\nContent-Length: abc\r\n')],
    ['Content-Length negative', get('Host: a\r\nContent-Length: -1\r\n')],
    ['Content-Length with plus sign', get('Host: a\r\nContent-Length: +5\r\n')],
    ['Content-Length hex', get('Host: a\r\nContent-Length: 0x5\r\n')],
    ['Content-Length with inner space', get('Host: a\r\nContent-Length: 1 2\r\n')],
    ['Content-Length decimal', get('Host: a\r\nContent-Length: 1.0\r\n')],
    ['Content-Length empty', get('Host: a\r\nContent-Length: \r\n')],
    ['Content-Length list of differing values', get('Host: a\r\nContent-Length: 5, 6\r\n')],
    ['duplicate differing Content-Length', get('Host: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n')],
    ['Content-Length above MAX_SAFE_INTEGER', get(`Host: a\r\nContent-Length: ${Number.MAX_SAFE_INTEGER + 1}\r\n`)],
    ['Content-Length huge', get(`Host: a\r\nContent-Length: ${'9'.repeat(40)}\r\n`)],
    // Transfer-Encoding smuggling
    ['Transfer-Encoding with Content-Length', get('Host: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n')],
    ['Content-Length after Transfer-Encoding', get('Host: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n')],
    ['chunked, chunked', get('Host: a\r\nTransfer-Encoding: chunked, chunked\r\n')],
    ['chunked in two headers', get('Host: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n')],
    ['chunked not final', get('Host: a\r\nTransfer-Encoding: chunked, gzip\r\n')],
    ['chunked with parameters', get('Host: a\r\nTransfer-Encoding: chunked;x=1\r\n')],
    ['Transfer-Encoding empty', get('Host: a\r\nTransfer-Encoding: \r\n')],
    ['Transfer-Encoding not a token', get('Host: a\r\nTransfer-Encoding: "chunked"\r\n')],
    ['Transfer-Encoding with inner space', get('Host: a\r\nTransfer-Encoding: chun ked\r\n')],
    ['Transfer-Encoding in HTTP/1.0', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n'],
  ];
  for (const [name, text] of cases) {
    const head = parse(text);
    t.ok(isParseFailure(head) && head.error === 'bad_request', name);
  }
});

t.test('unsupported transfer codings', async (t) => {
  for (const coding of ['gzip', 'identity', 'chunked2', 'gzip;q=1']) {
    const head = parse(get(`Host: a\r\nTransfer-Encoding: ${coding}\r\n`));
    t.ok(isParseFailure(head) && head.error === 'unsupported_transfer_coding', coding);
  }
});

t.test('failures carry a reason', async (t) => {
  t.same(parse(get('Host: a\r\nX: b\r\n c\r\n')), { error: 'bad_request', reason: 'obsolete line folding' });
  t.same(parse(get('X: a\r\n')), { error: 'bad_request', reason: 'HTTP/1.1 request without Host' });
});

t.test('keep-alive per version', async (t) => {
  const cases: [string, string, boolean][] = [
    ['HTTP/1.1 default', get('Host: a\r\n'), true],
    ['HTTP/1.1 close', get('Host: a\r\nConnection: close\r\n'), false],
    ['HTTP/1.1 Close among tokens', get('Host: a\r\nConnection: foo, Close\r\n'), false],
    ['HTTP/1.1 keep-alive', get('Host: a\r\nConnection: keep-alive\r\n'), true],
    ['HTTP/1.0 default', 'GET / HTTP/1.0\r\n\r\n', false],
    ['HTTP/1.0 keep-alive', 'GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n', true],
    ['HTTP/1.0 keep-alive and close', 'GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n', false],
    ['HTTP/1.0 other token', 'GET / HTTP/1.0\r\nConnection: foo\r\n\r\n', false],
  ];
  for (const [name, text, keepAlive] of cases) t.equal(accepted(text).keepAlive, keepAlive, name);
});

t.test('upgrade', async (t) => {
  t.equal(accepted(get('Host: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n')).upgrade, 'websocket');
  t.equal(accepted(get('Host: a\r\nUpgrade: websocket\r\nConnection: keep-alive, upgrade\r\n')).upgrade, 'websocket');
  t.equal(accepted(get('Host: a\r\nUpgrade: websocket\r\n')).upgrade, undefined, 'Connection must list upgrade');
  t.equal(accepted(get('Host: a\r\nConnection: upgrade\r\n')).upgrade, undefined, 'no Upgrade header');
  t.equal(accepted('GET / HTTP/1.0\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n').upgrade, undefined,
    'ignored in HTTP/1.0');
  t.equal(accepted(get('Host: a\r\nConnection: upgrade\r\nUpgrade: h2c\r\nUpgrade: websocket\r\n')).upgrade,
    'h2c, websocket', 'several Upgrade headers are joined');
});

t.test('header kinds', async (t) => {
  const head = accepted(get([
    'Host: a', 'Connection: keep-alive', 'Keep-Alive: timeout=5', 'Proxy-Connection: keep-alive',
    'Proxy-Authenticate: Basic', 'Proxy-Authorization: Basic eA==', 'TE: trailers', 'Trailer: X-Sum',
    'Upgrade: websocket', 'X-Forwarded-For: 1.1.1.1', 'X-FORWARDED-PROTO: https', 'x-forwarded-host: b',
    'X-Forwarded-Port: 443', 'Content-Length: 0', 'X-Forwarded-Server: s', 'Tee: x', 'Hostx: y', '',
  ].join('\r\n')));
  t.same(head.kinds, [
    HeaderKind.Other, HeaderKind.HopByHop, HeaderKind.HopByHop, HeaderKind.HopByHop,
    HeaderKind.HopByHop, HeaderKind.HopByHop, HeaderKind.HopByHop, HeaderKind.HopByHop,
    HeaderKind.HopByHop, HeaderKind.XForwardedFor, HeaderKind.XForwardedOther, HeaderKind.XForwardedOther,
    HeaderKind.XForwardedOther, HeaderKind.Other, HeaderKind.Other, HeaderKind.Other, HeaderKind.Other,
  ]);
  t.equal(head.forwardedFor, '1.1.1.1');
  const chunked = accepted(get('Host: a\r\nTransfer-Encoding: chunked\r\n'));
  t.same(chunked.kinds, [HeaderKind.Other, HeaderKind.HopByHop], 'transfer-encoding is hop-by-hop');
});

t.test('headers named by Connection become hop-by-hop', async (t) => {
  const head = accepted(get(
    'X-Secret: 1\r\nHost: a\r\nConnection: x-secret, X-Other, content-length, host\r\nx-other: 2\r\nX-Kept: 3\r\nContent-Length: 0\r\n',
  ));
  t.same(head.kinds, [
    HeaderKind.HopByHop, HeaderKind.Other, HeaderKind.HopByHop, HeaderKind.HopByHop, HeaderKind.Other, HeaderKind.Other,
  ], 'Host and Content-Length are never stripped');
  t.equal(head.keepAlive, true);
  const xff = accepted(get('Host: a\r\nX-Forwarded-For: 1.1.1.1\r\nConnection: X-Forwarded-For\r\n'));
  t.equal(xff.kinds[1], HeaderKind.HopByHop);
  t.equal(xff.forwardedFor, undefined, 'a hop-by-hop X-Forwarded-For is not forwarded');
});

t.test('X-Forwarded-For values are joined', async (t) => {
  const head = accepted(get('Host: a\r\nX-Forwarded-For: 1.1.1.1, 2.2.2.2\r\nX-Forwarded-For:\r\nx-forwarded-for: 3.3.3.3\r\n'));
  t.equal(head.forwardedFor, '1.1.1.1, 2.2.2.2, 3.3.3.3');
});

t.test('parses only buf[0..end): pipelined bytes after the head are left alone', async (t) => {
  const buf = Buffer.from('GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n', 'latin1');
  const end = findHeadEnd(buf, 0);
  const head = parseRequestHead(buf, end);
  t.notOk(isParseFailure(head));
  t.equal((head as RequestHead).target, '/1');
  const second = parseRequestHead(buf.subarray(end), findHeadEnd(buf.subarray(end), 0));
  t.equal((second as RequestHead).target, '/2');
});

t.test('an end past the first empty line is rejected', async (t) => {
  const buf = Buffer.from('GET / HTTP/1.1\r\nHost: a\r\n\r\nX: b\r\n\r\n', 'latin1');
  t.ok(isParseFailure(parseRequestHead(buf, buf.length)));
});

t.test('absolute-form targets become origin-form; their authority replaces Host (RFC 9112 §3.2.2)', async (t) => {
  const head = accepted(get('Host: ignored.example\r\nX-A: 1\r\n', 'GET http://Shop.Example.com:8080/cart?id=1 HTTP/1.1'));
  t.equal(head.target, '/cart?id=1');
  t.equal(head.host, 'Shop.Example.com:8080');
  t.same(head.headers, ['Host', 'Shop.Example.com:8080', 'X-A', '1'], 'the Host header now says the same');
  t.equal(accepted(get('Host: a\r\n', 'GET HTTPS://a.example HTTP/1.1')).target, '/', 'no path → /');
  t.equal(accepted(get('Host: a\r\n', 'GET http://a.example?q=1 HTTP/1.1')).target, '/?q=1', 'query without path');
  const http10 = accepted(get('', 'GET http://b.example/x HTTP/1.0'));
  t.same([http10.host, http10.headers], ['b.example', ['host', 'b.example']], 'HTTP/1.0 without Host gets one');
  for (const target of ['ftp://a/x', 'http:///x', 'http://user@a/x', 'http://a b/x']) {
    t.ok(isParseFailure(parse(get('Host: a\r\n', `GET ${target} HTTP/1.1`))), `${target} rejected`);
  }
  t.equal(accepted(get('Host: a\r\n', 'OPTIONS * HTTP/1.1')).target, '*', 'asterisk-form untouched');
});
