// Trace, span and request ids from one pooled random source: exact digits for a known fill, ids that
// never repeat bytes within a refill, all-zero draws skipped, and UUID v4 version and variant digits.
import t from 'tap';
import { TraceIdSource } from '../../src/tracing/trace-ids.js';

function countingFill(buffer: Buffer): void {
  for (let i = 0; i < buffer.length; i++) buffer[i] = (i + 1) & 0xff;
}

t.test('ids are consecutive slices of the pool as hex', async (t) => {
  const ids = new TraceIdSource(countingFill);
  t.equal(ids.traceId(), '0102030405060708090a0b0c0d0e0f10');
  t.equal(ids.spanId(), '1112131415161718');
  // Bytes 19..28: version digit 4 replaces digit 12, the variant replaces digit 16 (0x21 → digit 2 → 2 & 3 = 2 → 'a').
  t.equal(ids.uuid(), '191a1b1c-1d1e-4f20-a122-232425262728');
});

t.test('an all-zero draw is skipped, and a spent pool is refilled', async (t) => {
  let refills = 0;
  const ids = new TraceIdSource((buffer) => {
    refills++;
    // The first refill starts with 8 zero bytes (an all-zero span id), then 0x11s.
    buffer.fill(0x11);
    if (refills === 1) buffer.fill(0, 0, 8);
  });
  t.equal(ids.spanId(), '1111111111111111', 'the zero span id was never handed out');
  for (let i = 0; i < 4096 / 8 - 2; i++) ids.spanId();
  t.equal(refills, 1);
  ids.spanId();
  t.equal(refills, 2, 'the 513th draw needs a new pool');
});

t.test('UUIDs are version 4 with the RFC 9562 variant and differ', async (t) => {
  const ids = new TraceIdSource();
  const drawn = Array.from({ length: 1000 }, () => ids.uuid());
  t.same(drawn.filter((id) => !/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id)), [], 'every one well formed');
  t.equal(new Set(drawn).size, 1000, 'no repeats');
  const variants = new Set(drawn.map((id) => id[19]));
  t.same([...variants].sort(), ['8', '9', 'a', 'b'], 'all four variant digits occur');
});
