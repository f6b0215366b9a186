// Microbenchmark of the HTTP/1.1 head codec: parses (and serializes) a typical 8-header request head
// in a tight loop and prints ns/op. Not a test; run with `node dist/bench/http1-parse.js [iterations]`.
import { findHeadEnd, isParseFailure, parseRequestHead, serializeRequestHead } from '../src/http1/index.js';

const iterations = Number(process.argv[2] ?? 1e6);
const request = Buffer.from(
  'GET /api/v1/items?page=2&sort=name HTTP/1.1\r\n'
  + 'Host: shop.example.com\r\n'
  + 'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36\r\n'
  + 'Accept: application/json, text/plain, */*\r\n'
  + 'Accept-Encoding: gzip, deflate, br\r\n'
  + 'Accept-Language: en-US,en;q=0.9\r\n'
  + 'Cookie: session=4f9a1c2e8b7d6a5f; theme=dark\r\n'
  + 'X-Request-Id: 7d2c1b0a-9e8f-4a3b-8c7d-6e5f4a3b2c1d\r\n'
  + 'Connection: keep-alive\r\n'
  + '\r\n',
  'latin1',
);

function measure(label: string, run: () => number): void {
  let sink = 0;
  for (let i = 0; i < Math.min(iterations, 100_000); i++) sink += run();
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink += run();
  const ns = Number(process.hrtime.bigint() - started) / iterations;
  console.log(`${label.padEnd(34)} ${ns.toFixed(1).padStart(8)} ns/op  (${iterations} ops, sink ${sink % 10})`);
}

const end = findHeadEnd(request, 0);
const parsed = parseRequestHead(request, end);
if (isParseFailure(parsed)) throw new Error(`benchmark request does not parse: ${parsed.reason}`);

measure('findHeadEnd', () => findHeadEnd(request, 0));
measure('parseRequestHead (8 headers)', () => {
  const head = parseRequestHead(request, end);
  return isParseFailure(head) ? 0 : head.headers.length;
});
measure('serializeRequestHead', () => serializeRequestHead(parsed, '10.0.0.7', 'http', '8080').length);
measure('findHeadEnd + parse + serialize', () => {
  const head = parseRequestHead(request, findHeadEnd(request, 0));
  return isParseFailure(head) ? 0 : serializeRequestHead(head, '10.0.0.7', 'http', '8080').length;
});
