// HpackEncoder: round trips through HpackDecoder, what is indexed and what is not, size updates.
import t from 'tap';
import { DECODED, HpackDecoder } from '../../../src/h2/hpack/decoder.js';
import { type EncodableHeaders, HpackEncoder } from '../../../src/h2/hpack/encoder.js';

function decodeAll(decoder: HpackDecoder, block: Buffer): string[] {
  const out: string[] = [];
  const result = decoder.decode(block, 0, block.length, out, Number.MAX_SAFE_INTEGER);
  if (result !== DECODED) throw new Error(`decode result ${result}`);
  return out;
}
const copy = (view: Buffer): Buffer => Buffer.from(view); // encode returns a view the next call overwrites

t.test('a typical response: :status, fields in order, numbers, arrays, lower-cased names, forbidden fields dropped', async (t) => {
  const encoder = new HpackEncoder();
  const decoder = new HpackDecoder();
  const headers: EncodableHeaders = {
    ':status': '200', 'Content-Type': 'application/json', 'content-length': 42, 'set-cookie': ['a=1', 'b=2'],
    connection: 'keep-alive', 'Keep-Alive': 'timeout=5', 'proxy-connection': 'x', 'transfer-encoding': 'chunked',
    upgrade: 'h2c', 'x-skip': undefined, 'x-count': 0, server: 'sluice',
  };
  const expected = [':status', '200', 'content-type', 'application/json', 'content-length', '42',
    'set-cookie', 'a=1', 'set-cookie', 'b=2', 'x-count', '0', 'server', 'sluice'];
  t.same(decodeAll(decoder, encoder.encodeResponse(200, headers)), expected, 'first response');
  t.same(decodeAll(decoder, encoder.encodeResponse(200, headers)), expected, 'second response');
  t.same(decodeAll(decoder, encoder.encodeFields({ 'grpc-status': '0', 'Grpc-Message': 'ok' })),
    ['grpc-status', '0', 'grpc-message', 'ok'], 'trailers');
});

t.test('a repeated response is sent as table indices', async (t) => {
  const encoder = new HpackEncoder();
  const headers = { 'content-type': 'application/json', server: 'sluice', 'cache-control': 'no-store', vary: 'accept-encoding', 'x-custom': 'v' };
  const first = copy(encoder.encodeResponse(200, headers));
  const second = copy(encoder.encodeResponse(200, headers));
  t.ok(first.length > 60, `first carries the literals (${first.length} octets)`);
  t.same(second, Buffer.from([0x88, 0xc2, 0xc1, 0xc0, 0xbf, 0xbe]), 'second: one octet per field, :status 200 static');
  const decoder = new HpackDecoder();
  const expected = [':status', '200', ...Object.entries(headers).flat()];
  t.same(decodeAll(decoder, first), expected, 'first decodes');
  t.same(decodeAll(decoder, second), expected, 'second decodes to the same');
});

t.test('statuses outside the static table are indexed once sent', async (t) => {
  const encoder = new HpackEncoder();
  t.same(copy(encoder.encodeResponse(418, {})), Buffer.from([0x48, 0x03, 0x34, 0x31, 0x38]), 'literal, name index 8, incremental');
  t.same(copy(encoder.encodeResponse(418, {})), Buffer.from([0xbe]), 'then indexed');
  for (const [status, index] of [[200, 8], [204, 9], [206, 10], [304, 11], [400, 12], [404, 13], [500, 14]] as const) {
    t.same(copy(encoder.encodeResponse(status, { ':status': '999' })), Buffer.from([0x80 | index]), `${status} is static ${index}; ':status' in headers ignored`);
  }
});

t.test('unique-per-response and sensitive fields are not indexed', async (t) => {
  const encoder = new HpackEncoder();
  const date = 'Mon, 21 Oct 2013 20:13:21 GMT';
  const literal = (first: number[], text: string): Buffer => Buffer.concat([Buffer.from([...first, text.length]), Buffer.from(text, 'latin1')]);
  const cases: [string, string, Buffer][] = [
    ['date', date, literal([0x0f, 0x12], date)], // without indexing, static name 33
    ['etag', '"abc"', literal([0x0f, 0x13], '"abc"')], // static name 34
    ['content-length', '1234', literal([0x0f, 0x0d], '1234')], // static name 28
    ['set-cookie', 'id=1', literal([0x1f, 0x28], 'id=1')], // never indexed, static name 55
    ['authorization', 'Bearer x', literal([0x1f, 0x08], 'Bearer x')], // static name 23
    ['cookie', 'c=1', literal([0x1f, 0x11], 'c=1')], // static name 32
    ['proxy-authorization', 'Basic y', literal([0x1f, 0x22], 'Basic y')], // static name 49
    ['x-request-id', 'r-1', Buffer.concat([Buffer.from([0x00]), literal([], 'x-request-id'), literal([], 'r-1')])],
    ['traceparent', '00-ab-cd-01', Buffer.concat([Buffer.from([0x00]), literal([], 'traceparent'), literal([], '00-ab-cd-01')])],
  ];
  for (const [name, value, expected] of cases) {
    t.same(copy(encoder.encodeFields({ [name]: value })), expected, `${name}, first time`);
    t.same(copy(encoder.encodeFields({ [name]: value })), expected, `${name}, again: still a literal`);
  }
  const long = 'v'.repeat(129);
  const first = copy(encoder.encodeFields({ 'x-long': long }));
  t.equal(first[0], 0x00, 'a value over 128 octets: literal without indexing');
  t.same(copy(encoder.encodeFields({ 'x-long': long })), first, 'and not indexed');
  t.same(copy(encoder.encodeFields({ 'x-short': 'v' })), Buffer.concat([Buffer.from([0x40]), literal([], 'x-short'), literal([], 'v')]),
    'an ordinary field is inserted with a literal name');
  t.same(copy(encoder.encodeFields({ 'x-short': 'w' })), Buffer.concat([Buffer.from([0x7e]), literal([], 'w')]),
    'a new value of it reuses the dynamic name (index 62)');
});

t.test('many responses round-trip with evictions and table size changes', async (t) => {
  let seed = 0x9e3779b9; // xorshift32: deterministic
  const next = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };
  const names = ['content-type', 'x-a', 'X-Mixed', 'cache-control', 'date', 'x-request-id', 'set-cookie', 'x-bin', 'vary', 'server'];
  const statuses = [200, 201, 204, 302, 404, 418, 503];
  const sizes = [0, 100, 256, 4096, 8192, 1];
  const encoder = new HpackEncoder();
  const decoder = new HpackDecoder(); // the peer's: the encoder announces at most 4096, its default ceiling
  let mismatches = 0;
  let updates = 0;
  for (let round = 0; round < 3000; round++) {
    if (round % 97 === 96) {
      // Down then (often) up again before the next block: both must be announced.
      const low = sizes[next() % sizes.length]!;
      const high = sizes[next() % sizes.length]!;
      for (const size of [low, high]) {
        encoder.setMaxTableSize(size);
      }
      updates++;
    }
    const headers: Record<string, string | number | string[]> = {};
    const expected: string[] = [];
    for (let i = 0, count = next() % 8; i < count; i++) {
      const name = names[next() % names.length]!;
      if (name in headers) continue;
      const value = name === 'x-bin'
        ? String.fromCharCode(...Array.from({ length: next() % 40 }, () => next() % 256))
        : `v${next() % 50}`.repeat(1 + (next() % 20));
      headers[name] = name === 'set-cookie' ? [value, 'k=v'] : name === 'x-a' ? next() % 1000 : value;
      const values = Array.isArray(headers[name]) ? (headers[name] as string[]) : [String(headers[name])];
      for (const item of values) expected.push(name.toLowerCase(), item);
    }
    const status = statuses[next() % statuses.length]!;
    const decoded = decodeAll(decoder, encoder.encodeResponse(status, headers));
    if (JSON.stringify(decoded) !== JSON.stringify([':status', String(status), ...expected])) mismatches++;
  }
  t.equal(mismatches, 0, '3000 responses decode to what was encoded');
  t.ok(updates > 20, `${updates} table size changes`);
});

t.test('size updates on the wire (§4.2, §6.3)', async (t) => {
  const encoder = new HpackEncoder();
  t.same(copy(encoder.encodeResponse(200, {})), Buffer.from([0x88]), 'no update at first: 4096 is the initial size');
  encoder.setMaxTableSize(8192);
  t.same(copy(encoder.encodeResponse(200, {})), Buffer.from([0x88]), 'a larger allowance changes nothing: the table stays at 4096');
  encoder.setMaxTableSize(256);
  t.same(copy(encoder.encodeResponse(200, {})), Buffer.from([0x3f, 0xe1, 0x01, 0x88]), 'down to 256');
  t.same(copy(encoder.encodeResponse(200, {})), Buffer.from([0x88]), 'announced once');
  encoder.setMaxTableSize(0);
  encoder.setMaxTableSize(4096);
  t.same(copy(encoder.encodeResponse(200, {})), Buffer.from([0x20, 0x3f, 0xe1, 0x1f, 0x88]), 'down to 0 and up to 4096: both');
  encoder.setMaxTableSize(1000);
  encoder.setMaxTableSize(2000);
  t.same(copy(encoder.encodeResponse(200, {})), Buffer.from([0x3f, 0xc9, 0x07, 0x3f, 0xb1, 0x0f, 0x88]), '1000 then 2000');
  encoder.setMaxTableSize(2000);
  t.same(copy(encoder.encodeFields({})), Buffer.alloc(0), 'the same size again: nothing');

  const evicting = new HpackEncoder();
  const decoder = new HpackDecoder();
  decodeAll(decoder, evicting.encodeFields({ 'x-a': '1', 'x-b': '2' }));
  evicting.setMaxTableSize(0);
  const block = copy(evicting.encodeFields({ 'x-a': '1' }));
  t.same(block.subarray(0, 2), Buffer.from([0x20, 0x00]), 'after shrinking to 0: the update, then a literal without indexing');
  t.same(decodeAll(decoder, block), ['x-a', '1']);
});

t.test('the scratch buffer grows for large blocks', async (t) => {
  const encoder = new HpackEncoder();
  const headers: Record<string, string> = {};
  const expected: string[] = [];
  for (let i = 0; i < 100; i++) {
    headers[`x-field-${i}`] = String(i).repeat(200);
    expected.push(`x-field-${i}`, String(i).repeat(200));
  }
  t.same(decodeAll(new HpackDecoder(), encoder.encodeFields(headers)), expected);
});
