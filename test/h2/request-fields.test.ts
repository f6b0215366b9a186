// The HTTP/2 engine's request checks (RFC 9113 §8.2–§8.3) and the header object it builds.
import t from 'tap';
import { requestFields, validTrailers } from '../../src/h2/server/request-fields.js';

const BASE = [':method', 'GET', ':scheme', 'https', ':authority', 'example.com', ':path', '/a?b=c'];

t.test('a well-formed request: the object node:http2 would build', async (t) => {
  const fields = requestFields([...BASE, 'cookie', 'a=1', 'cookie', 'b=2', 'accept', 'x', 'accept', 'y', 'set-cookie', 's', 'user-agent', 'one', 'user-agent', 'two', 'content-length', '5', 'te', 'trailers']);
  t.ok(fields);
  t.same({ ...fields!.headers }, {
    ':method': 'GET', ':scheme': 'https', ':authority': 'example.com', ':path': '/a?b=c',
    cookie: 'a=1; b=2', accept: 'x, y', 'set-cookie': ['s'], 'user-agent': 'one', 'content-length': '5', te: 'trailers',
  });
  t.equal(fields!.contentLength, 5);
  t.equal(requestFields(BASE)!.contentLength, -1, 'no content-length');
  t.ok(requestFields([':method', 'CONNECT', ':authority', 'example.com:443']), 'CONNECT names only its authority');
});

t.test('malformed requests', async (t) => {
  const cases: Array<[string, string[]]> = [
    ['upper-case name', [...BASE, 'X-Upper', 'v']],
    ['space in a name', [...BASE, 'bad name', 'v']],
    ['connection-specific field', [...BASE, 'connection', 'keep-alive']],
    ['transfer-encoding', [...BASE, 'transfer-encoding', 'chunked']],
    ['te other than trailers', [...BASE, 'te', 'gzip']],
    ['CR in a value', [...BASE, 'x', 'a\rb']],
    ['NUL in a value', [...BASE, 'x', 'a\u0000b']],
    ['leading space in a value', [...BASE, 'x', ' a']],
    ['unknown pseudo-field', [...BASE, ':protocol', 'websocket']],
    ['repeated pseudo-field', [...BASE, ':path', '/again']],
    ['pseudo-field after a regular one', [':method', 'GET', ':scheme', 'https', 'x', 'y', ':path', '/']],
    ['no :path', [':method', 'GET', ':scheme', 'https']],
    ['empty :path', [':method', 'GET', ':scheme', 'https', ':path', '']],
    ['no :method', [':scheme', 'https', ':path', '/']],
    ['space in :path', [':method', 'GET', ':scheme', 'https', ':path', '/a HTTP/1.1']],
    ['space in :method', [':method', 'GET /x', ':scheme', 'https', ':path', '/']],
    ['non-token :method', [':method', 'GE(T', ':scheme', 'https', ':path', '/']],
    ['space in :authority', [':method', 'GET', ':scheme', 'https', ':authority', 'a b', ':path', '/']],
    ['CONNECT with a path', [':method', 'CONNECT', ':authority', 'example.com:443', ':path', '/']],
    ['content-length not digits', [...BASE, 'content-length', '1e3']],
    ['two different content-lengths', [...BASE, 'content-length', '1', 'content-length', '2']],
  ];
  for (const [name, raw] of cases) t.equal(requestFields(raw), undefined, name);
});

t.test('request trailers: regular fields only', async (t) => {
  t.ok(validTrailers(['x-checksum', 'abc']));
  t.notOk(validTrailers([':path', '/']), 'a pseudo-field');
  t.notOk(validTrailers(['X-Upper', 'v']), 'an upper-case name');
  t.notOk(validTrailers(['connection', 'close']), 'a connection-specific field');
});
