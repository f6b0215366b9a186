// ChunkedScanner: where a chunked body ends, fed whole, byte by byte and in seeded random splits;
// extensions and trailers; every malformed framing rejected.
import t from 'tap';
import { seededRandom } from '../../src/balancing/random.js';
import { CHUNKED_CONTINUES, CHUNKED_INVALID, ChunkedScanner } from '../../src/http1/index.js';

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

/** Feeds buf in pieces ending at `cuts`; returns the end index (in buf) or the first negative result. */
function scanInPieces(scanner: ChunkedScanner, buf: Buffer, cuts: number[]): number {
  let start = 0;
  for (const cut of [...cuts, buf.length]) {
    const result = scanner.scan(buf, start, cut);
    if (result !== CHUNKED_CONTINUES) return result;
    start = cut;
  }
  return CHUNKED_CONTINUES;
}

const everyByte = (buf: Buffer): number[] => Array.from({ length: buf.length - 1 }, (_, i) => i + 1);

const valid: [string, string][] = [
  ['last chunk only', '0\r\n\r\n'],
  ['one chunk', '5\r\nhello\r\n0\r\n\r\n'],
  ['several chunks, upper and lower hex', 'a\r\n0123456789\r\nA\r\nabcdefghij\r\n1\r\n\n\r\n0\r\n\r\n'],
  ['leading zeros', '0005\r\nhello\r\n000\r\n\r\n'],
  ['data holding CRLF and chunk-like bytes', '7\r\n0\r\n\r\n\r\n\r\n0\r\n\r\n'],
  ['extensions', '5;name=value\r\nhello\r\n0;last\r\n\r\n'],
  ['extensions with quotes and BWS', '5 ; a="b c" ;d\r\nhello\r\n0\t;x\r\n\r\n'],
  ['trailers', '5\r\nhello\r\n0\r\nX-Sum: 123\r\nX-Empty:\r\nX-T:\ta b\r\n\r\n'],
];

t.test('valid bodies end exactly where the message ends', async (t) => {
  const scanner = new ChunkedScanner();
  for (const [name, text] of valid) {
    const body = bytes(text);
    const withNext = Buffer.concat([body, bytes('GET / HTTP/1.1\r\n')]);
    scanner.reset();
    t.equal(scanner.scan(body, 0, body.length), body.length, `${name}: whole`);
    scanner.reset();
    t.equal(scanner.scan(withNext, 0, withNext.length), body.length, `${name}: pipelined bytes follow`);
    scanner.reset();
    t.equal(scanInPieces(scanner, body, everyByte(body)), body.length, `${name}: byte by byte`);
  }
});

t.test('seeded random splits', async (t) => {
  const random = seededRandom(20240613);
  const scanner = new ChunkedScanner();
  for (const [name, text] of valid) {
    const prefix = bytes('HTTP/1.1 200 OK\r\n\r\n');
    const buf = Buffer.concat([prefix, bytes(text), bytes('tail')]);
    const bodyEnd = prefix.length + text.length;
    for (let round = 0; round < 50; round++) {
      const cuts = new Set<number>();
      const count = 1 + Math.floor(random.next() * 6);
      for (let k = 0; k < count; k++) cuts.add(prefix.length + 1 + Math.floor(random.next() * (buf.length - prefix.length - 1)));
      const sorted = [...cuts].sort((a, b) => a - b);
      scanner.reset();
      let start = prefix.length;
      let result = CHUNKED_CONTINUES;
      for (const cut of [...sorted, buf.length]) {
        result = scanner.scan(buf, start, cut);
        if (result !== CHUNKED_CONTINUES) break;
        start = cut;
      }
      if (result !== bodyEnd) t.fail(`${name}: cuts ${sorted.join(',')} gave ${result}`);
    }
    t.pass(`${name}: 50 random splits`);
  }
});

t.test('incomplete bodies need more bytes', async (t) => {
  const scanner = new ChunkedScanner();
  for (const text of ['', '5', '5\r', '5\r\nhel', '5\r\nhello', '5\r\nhello\r\n', '0\r\n', '0\r\n\r', '0\r\nX: 1\r\n', '5;ext']) {
    scanner.reset();
    t.equal(scanner.scan(bytes(text), 0, text.length), CHUNKED_CONTINUES, JSON.stringify(text));
  }
});

t.test('large chunk sizes are counted across calls without copying', async (t) => {
  const scanner = new ChunkedScanner();
  const head = bytes('100000\r\n');
  const data = Buffer.alloc(0x100000, 0x61);
  t.equal(scanner.scan(head, 0, head.length), CHUNKED_CONTINUES);
  t.equal(scanner.scan(data, 0, 0x80000), CHUNKED_CONTINUES);
  t.equal(scanner.scan(data, 0x80000, data.length), CHUNKED_CONTINUES);
  const tail = bytes('\r\n0\r\n\r\n');
  t.equal(scanner.scan(tail, 0, tail.length), tail.length);
  t.equal(scanner.scan(tail, 2, tail.length), 2, 'after the end: ends at start until reset');
});

t.test('invalid framing', async (t) => {
  const invalid: [string, string][] = [
    ['0x prefix', '0x5\r\nhello\r\n0\r\n\r\n'],
    ['negative size', '-1\r\n'],
    ['leading space', ' 5\r\nhello\r\n0\r\n\r\n'],
    ['leading tab', '\t5\r\n'],
    ['plus sign', '+5\r\n'],
    ['empty size line', '\r\n'],
    ['non-hex digit', '5g\r\n'],
    ['trailing space without extension', '5 \r\nhello\r\n'],
    ['size above 2^53', '20000000000001\r\n'],
    ['huge size', 'ffffffffffffffffffff\r\n'],
    ['bare LF after size', '5\nhello\r\n0\r\n\r\n'],
    ['CR without LF after size', '5\rhello'],
    ['LF inside an extension', '5;a\nb\r\n'],
    ['NUL inside an extension', '5;a\x00\r\n'],
    ['data longer than the size', '5\r\nhello!\r\n0\r\n\r\n'],
    ['data shorter than the size', '5\r\nhell\r\n0\r\n\r\n'],
    ['bare LF after data', '5\r\nhello\n0\r\n\r\n'],
    ['bare LF ending the message', '0\r\n\n'],
    ['bare LF after a trailer', '0\r\nX: 1\n\r\n'],
    ['obs-fold in trailers', '0\r\nX: 1\r\n 2\r\n\r\n'],
    ['space before colon in a trailer', '0\r\nX : 1\r\n\r\n'],
    ['trailer without colon', '0\r\nX\r\n\r\n'],
    ['control in a trailer value', '0\r\nX: \x01\r\n\r\n'],
    ['over-long extension', `5;${'x'.repeat(20000)}\r\nhello\r\n0\r\n\r\n`],
    ['over-long trailer section', `0\r\n${'X-Pad: 0123456789\r\n'.repeat(1000)}\r\n`],
  ];
  const scanner = new ChunkedScanner();
  for (const [name, text] of invalid) {
    const body = bytes(text);
    scanner.reset();
    t.equal(scanner.scan(body, 0, body.length), CHUNKED_INVALID, `${name}: whole`);
    scanner.reset();
    t.equal(scanInPieces(scanner, body, everyByte(body)), CHUNKED_INVALID, `${name}: byte by byte`);
  }
});

t.test('a size of exactly 2^53 is accepted', async (t) => {
  const scanner = new ChunkedScanner();
  const line = bytes(`${(2 ** 53).toString(16)}\r\nabc`);
  t.equal(scanner.scan(line, 0, line.length), CHUNKED_CONTINUES);
});

t.test('invalid stays invalid until reset', async (t) => {
  const scanner = new ChunkedScanner();
  t.equal(scanner.scan(bytes('x'), 0, 1), CHUNKED_INVALID);
  t.equal(scanner.scan(bytes('0\r\n\r\n'), 0, 5), CHUNKED_INVALID);
  scanner.reset();
  t.equal(scanner.scan(bytes('0\r\n\r\n'), 0, 5), 5);
});

t.test('trailer field lines reach onTrailer exactly, across any split; data and framing never do', async (t) => {
  const cases: [string, string, string][] = [
    ['no trailers', '5\r\nhello\r\n0\r\n\r\n', ''],
    ['one trailer', '5\r\nhello\r\n0\r\nX-Sum: 123\r\n\r\n', 'X-Sum: 123\r\n'],
    ['several, empty value, tab', '5\r\nhello\r\n0;ext\r\nX-Sum: 123\r\nX-Empty:\r\nX-T:\ta b\r\n\r\n', 'X-Sum: 123\r\nX-Empty:\r\nX-T:\ta b\r\n'],
  ];
  const random = seededRandom(7);
  const scanner = new ChunkedScanner();
  for (const [name, text, trailer] of cases) {
    const body = bytes(text);
    const splits: number[][] = [[], everyByte(body)];
    for (let round = 0; round < 30; round++) {
      splits.push([...new Set(Array.from({ length: 3 }, () => 1 + Math.floor(random.next() * (body.length - 1))))].sort((a, b) => a - b));
    }
    for (const cuts of splits) {
      scanner.reset();
      let data = '';
      let seen = '';
      let calls = 0;
      let start = 0;
      let result = CHUNKED_CONTINUES;
      for (const cut of [...cuts, body.length]) {
        result = scanner.scan(body, start, cut,
          (buf, from, to) => { data += buf.toString('latin1', from, to); },
          (buf, from, to) => { calls++; seen += buf.toString('latin1', from, to); });
        if (result !== CHUNKED_CONTINUES) break;
        start = cut;
      }
      if (result !== body.length || data !== 'hello' || seen !== trailer || (trailer === '' && calls !== 0)) {
        t.fail(`${name}: cuts ${cuts.join(',')} gave ${result}, data ${JSON.stringify(data)}, trailer ${JSON.stringify(seen)} in ${calls} calls`);
      }
    }
    t.pass(`${name}: whole, byte by byte and 30 random splits`);
  }
});

t.test('an invalid trailer section is never handed over whole', async (t) => {
  const scanner = new ChunkedScanner();
  let seen = '';
  const body = bytes('0\r\nX: 1\r\nBad Name: 2\r\n\r\n');
  t.equal(scanner.scan(body, 0, body.length, undefined, (buf, from, to) => { seen += buf.toString('latin1', from, to); }), CHUNKED_INVALID);
  t.equal(seen, '', 'nothing handed over before the section is found invalid within one call');
});
