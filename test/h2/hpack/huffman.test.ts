// huffmanDecode: the RFC 7541 Appendix B code, every octet, and the §5.2 rules on padding and EOS.
import t from 'tap';
import { HUFFMAN_CODE_LENGTHS, HUFFMAN_CODES, huffmanDecode } from '../../../src/h2/hpack/huffman.js';

// A reference encoder for the tests only (Sluice sends raw literals): codes MSB first, padded with ones.
function huffmanEncode(octets: Buffer): Buffer {
  const out: number[] = [];
  let pending = 0; // value of the bits not yet written, fewer than 8 of them before each symbol
  let pendingBits = 0;
  for (const octet of octets) {
    const length = HUFFMAN_CODE_LENGTHS[octet]!;
    pending = pending * 2 ** length + HUFFMAN_CODES[octet]!;
    pendingBits += length;
    while (pendingBits >= 8) {
      pendingBits -= 8;
      out.push(Math.floor(pending / 2 ** pendingBits) & 0xff);
      pending %= 2 ** pendingBits;
    }
  }
  if (pendingBits > 0) out.push(((pending << (8 - pendingBits)) | (0xff >> pendingBits)) & 0xff);
  return Buffer.from(out);
}

const decodeAll = (buf: Buffer): string | undefined => huffmanDecode(buf, 0, buf.length);
const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

t.test('codes match Appendix B where it is easy to misremember', async (t) => {
  const code = (symbol: number): [number, number] => [HUFFMAN_CODES[symbol]!, HUFFMAN_CODE_LENGTHS[symbol]!];
  t.same(code(0), [0x1ff8, 13]);
  t.same(code(10), [0x3ffffffc, 30]);
  t.same(code('0'.charCodeAt(0)), [0x0, 5]);
  t.same(code('a'.charCodeAt(0)), [0x3, 5]);
  t.same(code(' '.charCodeAt(0)), [0x14, 6]);
  t.same(code('~'.charCodeAt(0)), [0x1ffd, 13]);
  t.same(code(128), [0xfffe6, 20]);
  t.same(code(255), [0x3ffffee, 26]);
  t.same(code(256), [0x3fffffff, 30], 'EOS');
});

t.test('RFC 7541 Appendix C strings decode', async (t) => {
  const vectors: [string, string][] = [
    ['f1e3 c2e5 f23a 6ba0 ab90 f4ff', 'www.example.com'],
    ['a8eb 1064 9cbf', 'no-cache'],
    ['25a8 49e9 5ba9 7d7f', 'custom-key'],
    ['25a8 49e9 5bb8 e8b4 bf', 'custom-value'],
    ['6402', '302'],
    ['640e ff', '307'],
    ['aec3 771a 4b', 'private'],
    ['d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff', 'Mon, 21 Oct 2013 20:13:21 GMT'],
    ['9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3', 'https://www.example.com'],
    ['9bd9 ab', 'gzip'],
    ['94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07',
      'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1'],
  ];
  for (const [encoded, text] of vectors) {
    t.equal(decodeAll(hex(encoded)), text, text);
    t.same(huffmanEncode(Buffer.from(text, 'latin1')), hex(encoded), `reference encoder agrees on ${text}`);
  }
});

t.test('every octet value round-trips, alone, all together and in random strings', async (t) => {
  let failures = 0;
  for (let octet = 0; octet < 256; octet++) {
    const text = String.fromCharCode(octet);
    if (decodeAll(huffmanEncode(Buffer.from([octet]))) !== text) failures++;
    if (decodeAll(huffmanEncode(Buffer.from([octet, octet, octet]))) !== text.repeat(3)) failures++;
  }
  t.equal(failures, 0, 'each octet alone and thrice');
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  t.equal(decodeAll(huffmanEncode(all)), all.toString('latin1'), 'all 256 in one string');
  let seed = 0x2545f491; // xorshift32: deterministic "random" strings
  const next = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };
  failures = 0;
  for (let round = 0; round < 500; round++) {
    const octets = Buffer.from(Array.from({ length: next() % 200 }, () => (round % 2 ? next() % 256 : 32 + (next() % 95))));
    if (decodeAll(huffmanEncode(octets)) !== octets.toString('latin1')) failures++;
  }
  t.equal(failures, 0, '500 random strings (binary and printable)');
});

t.test('decodes only buf[start, end)', async (t) => {
  const encoded = huffmanEncode(Buffer.from('no-cache'));
  const framed = Buffer.concat([Buffer.from([0x00, 0x00]), encoded, Buffer.from([0x00])]);
  t.equal(huffmanDecode(framed, 2, 2 + encoded.length), 'no-cache');
  t.equal(huffmanDecode(framed, 2, 2), '', 'empty range is the empty string');
});

t.test('invalid padding and EOS are rejected (§5.2)', async (t) => {
  t.equal(decodeAll(Buffer.from([0x1f])), 'a', "'a' with 3 bits of padding is valid");
  t.equal(decodeAll(Buffer.from([0xff])), undefined, '8 bits of padding');
  t.equal(decodeAll(Buffer.from([0x1f, 0xff])), undefined, "'a' then a whole byte of padding");
  t.equal(decodeAll(Buffer.from([0xff, 0x9f, 0xff, 0xff, 0xff])), undefined, "'a' inside 29 bits of padding");
  t.equal(decodeAll(Buffer.from([0x00])), undefined, "'0' then padding of zeros");
  t.equal(decodeAll(Buffer.from([0x1e])), undefined, "'a' then padding 110, not all ones");
  t.equal(decodeAll(Buffer.from([0x52, 0xbc, 0x30, 0xff, 0xff, 0xff, 0xff])), undefined, 'padding ends on a partial symbol');
  t.equal(decodeAll(Buffer.from([0xff, 0xff, 0xff, 0xfc])), undefined, 'EOS then 00');
  t.equal(decodeAll(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xfc])), undefined, 'EOS then more');
  t.equal(decodeAll(Buffer.from([0x1f, 0xff, 0xff, 0xff, 0xff])), undefined, "'a' then EOS");
});
