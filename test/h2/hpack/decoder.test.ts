// HpackDecoder: RFC 7541 Appendix C, the dynamic table kept in step, and every COMPRESSION_ERROR.
import t, { type Test } from 'tap';
import { COMPRESSION_ERROR, DECODED, HpackDecoder, LIST_TOO_LARGE } from '../../../src/h2/hpack/decoder.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const NO_LIMIT = Number.MAX_SAFE_INTEGER;

function decodeBlock(decoder: HpackDecoder, block: Buffer, maxListSize = NO_LIMIT): { result: number; fields: string[][] } {
  const out: string[] = [];
  const result = decoder.decode(block, 0, block.length, out, maxListSize);
  const fields: string[][] = [];
  for (let i = 0; i < out.length; i += 2) fields.push([out[i]!, out[i + 1]!]);
  return { result, fields };
}

// The dynamic table, newest first, read back by indexed fields 62, 63, ... until one is out of range
// (an indexed field does not change the table, so this does not disturb the sequence under test).
function dynamicTable(decoder: HpackDecoder): string[][] {
  const entries: string[][] = [];
  for (let index = 62; ; index++) {
    const block = index < 127 ? Buffer.from([0x80 | index]) : Buffer.from([0xff, index - 127]);
    const { result, fields } = decodeBlock(decoder, block);
    if (result !== DECODED) return entries;
    entries.push(fields[0]!);
  }
}
const tableSize = (entries: string[][]): number => entries.reduce((size, [name, value]) => size + name!.length + value!.length + 32, 0);

interface Step { block: string; fields: string[][]; table: string[][]; size: number }

function runSequence(t: Test, maxTableSize: number, steps: Step[]): void {
  const decoder = new HpackDecoder(maxTableSize);
  steps.forEach((step, i) => {
    t.same(decodeBlock(decoder, hex(step.block)), { result: DECODED, fields: step.fields }, `block ${i + 1} fields`);
    const table = dynamicTable(decoder);
    t.same(table, step.table, `table after block ${i + 1}`);
    t.equal(tableSize(table), step.size, `table size after block ${i + 1}`);
  });
}

t.test('C.2: one representation each', async (t) => {
  const cases: [string, string, string[][], string[][]][] = [
    ['C.2.1 literal with indexing', '400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572',
      [['custom-key', 'custom-header']], [['custom-key', 'custom-header']]],
    ['C.2.2 literal without indexing', '040c 2f73 616d 706c 652f 7061 7468', [[':path', '/sample/path']], []],
    ['C.2.3 literal never indexed', '1008 7061 7373 776f 7264 0673 6563 7265 74', [['password', 'secret']], []],
    ['C.2.4 indexed', '82', [[':method', 'GET']], []],
  ];
  for (const [name, block, fields, table] of cases) {
    const decoder = new HpackDecoder();
    t.same(decodeBlock(decoder, hex(block)), { result: DECODED, fields }, name);
    t.same(dynamicTable(decoder), table, `${name}: table`);
  }
});

const REQUEST_FIELDS = [
  [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']],
  [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com'], ['cache-control', 'no-cache']],
  [[':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', 'www.example.com'], ['custom-key', 'custom-value']],
];
const REQUEST_TABLES = [
  [[':authority', 'www.example.com']],
  [['cache-control', 'no-cache'], [':authority', 'www.example.com']],
  [['custom-key', 'custom-value'], ['cache-control', 'no-cache'], [':authority', 'www.example.com']],
];
const requestSteps = (blocks: string[]): Step[] =>
  blocks.map((block, i) => ({ block, fields: REQUEST_FIELDS[i]!, table: REQUEST_TABLES[i]!, size: [57, 110, 164][i]! }));

t.test('C.3: requests without Huffman, one decoder', async (t) => {
  runSequence(t, 4096, requestSteps([
    '8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
    '8286 84be 5808 6e6f 2d63 6163 6865',
    '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65',
  ]));
});

t.test('C.4: requests with Huffman, one decoder', async (t) => {
  runSequence(t, 4096, requestSteps([
    '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff',
    '8286 84be 5886 a8eb 1064 9cbf',
    '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf',
  ]));
});

const COOKIE = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1';
const DATE_1 = 'Mon, 21 Oct 2013 20:13:21 GMT';
const DATE_2 = 'Mon, 21 Oct 2013 20:13:22 GMT';
const LOCATION = 'https://www.example.com';
const RESPONSE_FIELDS = [
  [[':status', '302'], ['cache-control', 'private'], ['date', DATE_1], ['location', LOCATION]],
  [[':status', '307'], ['cache-control', 'private'], ['date', DATE_1], ['location', LOCATION]],
  [[':status', '200'], ['cache-control', 'private'], ['date', DATE_2], ['location', LOCATION], ['content-encoding', 'gzip'], ['set-cookie', COOKIE]],
];
const RESPONSE_TABLES = [
  [['location', LOCATION], ['date', DATE_1], ['cache-control', 'private'], [':status', '302']],
  [[':status', '307'], ['location', LOCATION], ['date', DATE_1], ['cache-control', 'private']],
  [['set-cookie', COOKIE], ['content-encoding', 'gzip'], ['date', DATE_2]],
];
const responseSteps = (blocks: string[]): Step[] =>
  blocks.map((block, i) => ({ block, fields: RESPONSE_FIELDS[i]!, table: RESPONSE_TABLES[i]!, size: [222, 222, 215][i]! }));

t.test('C.5: responses without Huffman, 256-octet table with evictions', async (t) => {
  runSequence(t, 256, responseSteps([
    `4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133
     2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d`,
    '4803 3330 37c1 c0bf',
    `88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d
     54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049
     5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31`,
  ]));
});

t.test('C.6: responses with Huffman, 256-octet table with evictions', async (t) => {
  runSequence(t, 256, responseSteps([
    `4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
     2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3`,
    '4883 640e ffc1 c0bf',
    `88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
     77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
     9587 3160 65c0 03ed 4ee5 b106 3d50 07`,
  ]));
});

t.test('decodes only block[start, end); literal octets pass through as latin1', async (t) => {
  const block = hex('0003 782d 62 03 ff80 00 be'); // without indexing: "x-b" = ff 80 00, then index 62
  const framed = Buffer.concat([hex('ffff'), block, hex('ffff')]);
  const out: string[] = [];
  t.equal(new HpackDecoder().decode(framed, 2, 2 + block.length - 1, out, NO_LIMIT), DECODED);
  t.same(out, ['x-b', '\xff\x80\x00']);
});

t.test('an entry larger than the table empties it (§4.4)', async (t) => {
  const decoder = new HpackDecoder(100);
  t.equal(decodeBlock(decoder, hex('4003 6162 6301 78')).result, DECODED); // abc: x (36 octets)
  t.same(dynamicTable(decoder), [['abc', 'x']]);
  const big = Buffer.concat([hex('4001 7844'), Buffer.alloc(68, 0x79)]); // x: 68 octets, an entry of 101
  t.same(decodeBlock(decoder, big).fields, [['x', 'y'.repeat(68)]], 'the field itself is still emitted');
  t.same(dynamicTable(decoder), [], 'and the table is empty');
});

t.test('dynamic table size updates', async (t) => {
  const decoder = new HpackDecoder();
  decodeBlock(decoder, hex('4003 6162 6301 78'));
  t.same(decodeBlock(decoder, hex('20 3fe1 1f 82')), { result: DECODED, fields: [[':method', 'GET']] }, 'two at the start (0 then 4096)');
  t.same(dynamicTable(decoder), [], 'the update to 0 evicted everything');
  t.equal(decodeBlock(decoder, hex('82 3fe1 1f')).result, COMPRESSION_ERROR, 'after a field');
  t.equal(decodeBlock(new HpackDecoder(), hex('3fe2 1f')).result, COMPRESSION_ERROR, 'above the maximum (4097 > 4096)');
  t.equal(decodeBlock(new HpackDecoder(256), hex('3fe2 01 82')).result, COMPRESSION_ERROR, 'above a constructor maximum (257 > 256)');
  t.equal(decodeBlock(new HpackDecoder(256), hex('3fe2 01')).result, COMPRESSION_ERROR, '...even in a block of updates only');
  t.equal(decodeBlock(new HpackDecoder(256), hex('3fe1 01')).result, DECODED, 'up to it (256)');
});

t.test('the header list size limit keeps the table in step', async (t) => {
  const decoder = new HpackDecoder();
  // custom-key: custom-header is 55 octets by §4.1, followed by :method GET (42).
  const block = hex('400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572 82');
  t.same(decodeBlock(new HpackDecoder(), block, 97), { result: DECODED, fields: [['custom-key', 'custom-header'], [':method', 'GET']] }, 'exactly at the limit');
  const out: string[] = [];
  t.equal(decoder.decode(block, 0, block.length, out, 96), LIST_TOO_LARGE, 'one octet over');
  t.same(out, ['custom-key', 'custom-header'], 'fields past the limit are not appended');
  t.same(decodeBlock(decoder, hex('be')), { result: DECODED, fields: [['custom-key', 'custom-header']] }, 'the entry was still inserted');
  t.equal(decodeBlock(decoder, block, 10).result, LIST_TOO_LARGE, 'over the limit from the first field');
  t.same(dynamicTable(decoder), [['custom-key', 'custom-header'], ['custom-key', 'custom-header']], 'and its entry inserted too');
  t.equal(decodeBlock(decoder, hex('82 00'), 10).result, COMPRESSION_ERROR, 'a malformed block over the limit is still an error');
});

t.test('malformed blocks are COMPRESSION_ERROR', async (t) => {
  const cases: [string, string][] = [
    ['indexed field 0', '80'],
    ['indexed field past the static table, empty dynamic table', 'be'],
    ['indexed field far out of range', 'ff 80 01'],
    ['literal name index out of range (incremental)', '7e 01 78'],
    ['literal name index out of range (without indexing)', '0f 2f 01 78'],
    ['literal name index out of range (never indexed)', '1f 2f 01 78'],
    ['integer truncated', 'ff'],
    ['integer truncated after a continuation octet', 'ff 80'],
    ['integer above 2^31 - 1', 'ff ff ff ff ff 0f'],
    ['integer with more than 5 continuation octets', 'ff 80 80 80 80 80 00'],
    ['name length past the block end', '40 0a 6162'],
    ['value length past the block end', '40 01 61 05 6162'],
    ['value missing', '40 01 61'],
    ['string length integer truncated', '40 7f'],
    ['string length above 2^31 - 1', '40 7f ff ff ff ff 0f'],
    ['invalid Huffman name (8 bits of padding)', '40 81 ff 01 78'],
    ['invalid Huffman value (EOS)', '40 01 61 84 ffff fffc'],
    ['invalid Huffman value (padding of zeros)', '04 81 00'],
    ['size update integer truncated', '3f'],
  ];
  for (const [name, block] of cases) t.equal(decodeBlock(new HpackDecoder(), hex(block)).result, COMPRESSION_ERROR, name);
  const decoder = new HpackDecoder();
  decodeBlock(decoder, hex('4003 6162 6301 78'));
  t.equal(decodeBlock(decoder, hex('be')).result, DECODED, 'the one dynamic entry');
  t.equal(decodeBlock(decoder, hex('bf')).result, COMPRESSION_ERROR, 'one past the dynamic table');
  t.equal(decodeBlock(decoder, hex('00 00')).result, COMPRESSION_ERROR, 'empty literal name, then no value');
  t.same(decodeBlock(decoder, hex('00 00 00 82')).fields, [['', ''], [':method', 'GET']], 'empty name and value are HPACK-valid');
});
