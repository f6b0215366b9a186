// HpackEncoder, checked through HpackDecoder (itself checked against RFC 7541 Appendix C): what it
// indexes and what it does not, evictions over many responses, table size changes, and the field
// rules of an HTTP/2 response (pseudo-fields skipped, names lower-cased, connection fields dropped).
// An encoded block is a view the next call overwrites, so blocks kept across calls are copied.
import t from 'tap';
import { DECODED, HpackDecoder } from '../../../src/h2/hpack/decoder.js';
import { HpackEncoder } from '../../../src/h2/hpack/encoder.js';

type Headers = Record<string, string | number | readonly string[] | undefined>;

function decodeWith(decoder: HpackDecoder, block: Buffer): string[] {
  const out: string[] = [];
  const result = decoder.decode(block, 0, block.length, out, 1 << 20);
  if (result !== DECODED) throw new Error(`decode result ${result}`);
  return out;
}

t.test(':status first (static where it can be), then the fields in order, arrays as repeats', async (t) => {
  const encoder = new HpackEncoder();
  const decoder = new HpackDecoder();
  const block = Buffer.from(encoder.encodeResponse(200, { 'content-type': 'text/plain', ':status': 200, 'set-cookie': ['a=1', 'b=2'], 'content-length': 12, skipped: undefined }));
  t.same(decodeWith(decoder, block), [':status', '200', 'content-type', 'text/plain', 'set-cookie', 'a=1', 'set-cookie', 'b=2', 'content-length', '12']);
  t.equal(encoder.encodeResponse(204, {})[0], 0x80 | 9, '204 is static index 9, one octet');
  t.same(decodeWith(decoder, encoder.encodeResponse(418, {})), [':status', '418'], 'a status the static table lacks');
});

t.test('names are lower-cased and connection-specific fields dropped', async (t) => {
  const encoder = new HpackEncoder();
  const block = encoder.encodeFields({ 'X-Custom': 'v', connection: 'close', 'transfer-encoding': 'chunked', upgrade: 'h2c', 'keep-alive': '5', 'proxy-connection': 'x' });
  t.same(decodeWith(new HpackDecoder(), block), ['x-custom', 'v']);
});

t.test('a repeated response is indexed; per-response and sensitive values are not', async (t) => {
  const encoder = new HpackEncoder();
  const decoder = new HpackDecoder();
  const head = (id: string): Headers => ({ 'content-type': 'application/json', server: 'backend', 'x-request-id': id, 'set-cookie': 'session=abc' });
  const first = Buffer.from(encoder.encodeResponse(200, head('id-1')));
  const second = Buffer.from(encoder.encodeResponse(200, head('id-2')));
  t.same(decodeWith(decoder, first), [':status', '200', 'content-type', 'application/json', 'server', 'backend', 'x-request-id', 'id-1', 'set-cookie', 'session=abc']);
  t.same(decodeWith(decoder, second), [':status', '200', 'content-type', 'application/json', 'server', 'backend', 'x-request-id', 'id-2', 'set-cookie', 'session=abc']);
  // status and the two repeated fields: one octet each; the request id a literal with its name
  // (1 + 1 + 12 + 1 + 4), the cookie a never-indexed literal with static name 55 (2 + 1 + 11).
  t.equal(second.length, 3 + 19 + 14, 'the second head is indexed but for the request id and the cookie');
  const cookieAt = second.indexOf(Buffer.from('session=abc'));
  t.same([second[cookieAt - 3], second[cookieAt - 2]], [0x1f, 55 - 15], 'set-cookie is a never-indexed literal');
});

t.test('many different responses: evictions keep both tables in step', async (t) => {
  const encoder = new HpackEncoder();
  const decoder = new HpackDecoder();
  for (let index = 0; index < 2_000; index++) {
    const headers: Headers = { 'x-shard': `shard-${index % 97}`, 'x-version': `v${index % 13}`, vary: 'accept', [`x-n${index % 50}`]: 'y'.repeat(index % 120) };
    const expected = [':status', '200', ...Object.entries(headers).flatMap(([name, value]) => [name, String(value)])];
    const decoded = decodeWith(decoder, encoder.encodeResponse(200, headers));
    if (JSON.stringify(decoded) !== JSON.stringify(expected)) {
      t.same(decoded, expected, `response ${index}`);
      return;
    }
  }
  t.pass('2,000 responses decoded exactly');
});

t.test('values too long for indexing go as literals and leave the table alone', async (t) => {
  const encoder = new HpackEncoder();
  const decoder = new HpackDecoder();
  const long = 'z'.repeat(200);
  const first = Buffer.from(encoder.encodeResponse(200, { 'x-long': long }));
  const second = Buffer.from(encoder.encodeResponse(200, { 'x-long': long }));
  t.equal(first.length, second.length, 'sent whole both times');
  t.same(decodeWith(decoder, first), [':status', '200', 'x-long', long]);
  t.same(decodeWith(decoder, second), [':status', '200', 'x-long', long]);
});

t.test('the peer\'s SETTINGS_HEADER_TABLE_SIZE: size updates first, then the smaller table is used', async (t) => {
  const encoder = new HpackEncoder();
  const decoder = new HpackDecoder();
  decodeWith(decoder, encoder.encodeResponse(200, { 'x-a': 'one', 'x-b': 'two' }));
  encoder.setMaxTableSize(0);
  const empty = Buffer.from(encoder.encodeResponse(200, { 'x-a': 'one' }));
  t.equal(empty[0], 0x20, 'a size update to 0 opens the block');
  t.same(decodeWith(decoder, empty), [':status', '200', 'x-a', 'one'], 'sent as a literal: the table is empty');
  encoder.setMaxTableSize(8192);
  const grown = Buffer.from(encoder.encodeResponse(200, { 'x-c': 'three' }));
  t.same([...grown.subarray(0, 3)], [0x3f, 0xe1, 0x1f], 'one update, to 4096 (the most the encoder uses)');
  t.same(decodeWith(decoder, grown), [':status', '200', 'x-c', 'three']);
  t.equal(encoder.encodeResponse(200, { 'x-c': 'three' }).length, 2, 'indexed again');
});

t.test('a size that dips and rises again before the next block: the low point is announced first', async (t) => {
  const encoder = new HpackEncoder();
  const decoder = new HpackDecoder();
  decodeWith(decoder, encoder.encodeResponse(200, { 'x-a': 'a'.repeat(40), 'x-b': 'b'.repeat(40) }));
  encoder.setMaxTableSize(50);
  encoder.setMaxTableSize(4096);
  const block = Buffer.from(encoder.encodeResponse(200, { 'x-b': 'b'.repeat(40) }));
  t.same([...block.subarray(0, 5)], [0x3f, 50 - 31, 0x3f, 0xe1, 0x1f], 'updates to 50, then 4096');
  t.same(decodeWith(decoder, block), [':status', '200', 'x-b', 'b'.repeat(40)], 'the evicted entry is sent again, not indexed');
});
