// New traces made a batch at a time: each one's ids are fresh random digits, its lines are exactly
// what trace-fields.ts would write for the same ids in every format combination, the sampling draw
// follows the rate, and the batch after 64 traces is made from new random bytes.
import t from 'tap';
import { seededRandom } from '../../src/balancing/random.js';
import { NewTraceBatch, type NewTrace } from '../../src/tracing/new-trace-batch.js';
import { TraceIdSource } from '../../src/tracing/trace-ids.js';

function countingFill(buffer: Buffer): void {
  for (let i = 0; i < buffer.length; i++) buffer[i] = (i + 1) & 0xff;
}

const FIRST_TRACE = '0102030405060708090a0b0c0d0e0f10';
const FIRST_SPAN = '1112131415161718';

function take(batch: NewTraceBatch): NewTrace {
  const trace: NewTrace = { traceId: '', spanId: '', sampled: false, http1Lines: undefined };
  batch.next(trace);
  return trace;
}

t.test('lines for each combination of formats', async (t) => {
  const cases: Array<[string, { b3multi: boolean; b3: boolean; w3c: boolean }, string]> = [
    ['all three', { b3multi: true, b3: true, w3c: true },
      `x-b3-traceid: ${FIRST_TRACE}\r\nx-b3-spanid: ${FIRST_SPAN}\r\nx-b3-sampled: 1\r\nb3: ${FIRST_TRACE}-${FIRST_SPAN}-1\r\ntraceparent: 00-${FIRST_TRACE}-${FIRST_SPAN}-01\r\n`],
    ['b3multi', { b3multi: true, b3: false, w3c: false }, `x-b3-traceid: ${FIRST_TRACE}\r\nx-b3-spanid: ${FIRST_SPAN}\r\nx-b3-sampled: 1\r\n`],
    ['b3', { b3multi: false, b3: true, w3c: false }, `b3: ${FIRST_TRACE}-${FIRST_SPAN}-1\r\n`],
    ['w3c', { b3multi: false, b3: false, w3c: true }, `traceparent: 00-${FIRST_TRACE}-${FIRST_SPAN}-01\r\n`],
    ['none', { b3multi: false, b3: false, w3c: false }, ''],
  ];
  for (const [name, formats, lines] of cases) {
    const trace = take(new NewTraceBatch(new TraceIdSource(countingFill), formats, 1, seededRandom(1)));
    t.same(trace, { traceId: FIRST_TRACE, spanId: FIRST_SPAN, sampled: true, http1Lines: lines }, name);
  }
});

t.test('unsampled traces say so in every format', async (t) => {
  const trace = take(new NewTraceBatch(new TraceIdSource(countingFill), { b3multi: true, b3: true, w3c: true }, 0, seededRandom(1)));
  t.equal(trace.sampled, false);
  t.match(trace.http1Lines, /x-b3-sampled: 0\r\nb3: [0-9a-f]{32}-[0-9a-f]{16}-0\r\ntraceparent: 00-[0-9a-f]{32}-[0-9a-f]{16}-00\r\n$/);
});

t.test('a fractional rate draws once per trace from the random source, in order', async (t) => {
  const batch = new NewTraceBatch(new TraceIdSource(), { b3multi: false, b3: true, w3c: false }, 0.5, seededRandom(7));
  const draws = seededRandom(7);
  const expected = Array.from({ length: 100 }, () => draws.next() < 0.5);
  const sampled = Array.from({ length: 100 }, () => take(batch));
  t.same(sampled.map((trace) => trace.sampled), expected);
  t.same(sampled.filter((trace) => trace.http1Lines!.endsWith(trace.sampled ? '-1\r\n' : '-0\r\n')).length, 100, 'each line matches its draw');
});

t.test('ids are fresh in every trace and across batches', async (t) => {
  const batch = new NewTraceBatch(new TraceIdSource(), { b3multi: true, b3: true, w3c: true }, 1, seededRandom(1));
  const traces = Array.from({ length: 200 }, () => take(batch));
  t.equal(new Set(traces.map((trace) => trace.traceId)).size, 200, 'trace ids');
  t.equal(new Set(traces.map((trace) => trace.spanId)).size, 200, 'span ids');
  t.same(traces.filter((trace) => !/^[0-9a-f]{32}$/.test(trace.traceId) || !/^[0-9a-f]{16}$/.test(trace.spanId)), [], 'lower-case hex of the right length');
  t.same(traces.filter((trace) => trace.http1Lines !==
    `x-b3-traceid: ${trace.traceId}\r\nx-b3-spanid: ${trace.spanId}\r\nx-b3-sampled: 1\r\nb3: ${trace.traceId}-${trace.spanId}-1\r\ntraceparent: 00-${trace.traceId}-${trace.spanId}-01\r\n`), [],
  'each trace\'s lines carry its own ids (the 65th and later come from a new batch)');
});
