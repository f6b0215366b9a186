// The trace header matrix at unit level: what Sluice sends upstream for each incoming combination
// (none, B3 multi 128/64-bit, single b3 in every form, W3C, malformed each way, sampled 0/1/debug,
// precedence, request ids), over the HTTP/1.1 reader and writer and the HTTP/2 ones alike.
import t, { type Test } from 'tap';
import { seededRandom } from '../../src/balancing/random.js';
import { findHeadEnd, isParseFailure, parseRequestHead } from '../../src/http1/index.js';
import { serializeRequestHead } from '../../src/http1/serialize.js';
import type { TracingSnapshot } from '../../src/snapshot.js';
import { http1TraceFields, setTraceFields } from '../../src/tracing/trace-fields.js';
import { readH2TraceHeaders, readHttp1TraceHeaders } from '../../src/tracing/trace-headers.js';
import { TraceHop } from '../../src/tracing/trace-hop.js';
import { TraceIdSource } from '../../src/tracing/trace-ids.js';
import { compileTracing, type TracingRuntime } from '../../src/tracing/tracing-runtime.js';

/** Pool bytes 01 02 03 …: the first new trace id is 0102…10, the first span id after it 1112…18. */
export function countingFill(buffer: Buffer): void {
  for (let i = 0; i < buffer.length; i++) buffer[i] = (i + 1) & 0xff;
}

const NEW_TRACE = '0102030405060708090a0b0c0d0e0f10';
const SPAN_AFTER_NEW_TRACE = '1112131415161718';
/** The span id drawn when the trace id came with the request (nothing drawn before it). */
const FIRST_SPAN = '0102030405060708';

const T128 = '463ac35c9f6413ad48485a3953bb6124';
const T64 = 'a3ce929d0e0e4736';
const S = 'a2fb4a1d1a96d312';
const P = '0020000000000001';

function runtime(tracing: Partial<TracingSnapshot> = {}): TracingRuntime {
  const snapshot: TracingSnapshot = {
    enabled: true, sampleRate: 1, propagation: ['b3multi', 'b3', 'w3c'], requestId: { preserve: true, generate: true }, ...tracing,
  };
  return compileTracing(snapshot, { ids: new TraceIdSource(countingFill), random: seededRandom(6), uuid: () => 'generated-uuid', tracer: () => undefined });
}

/** What the endpoint receives over HTTP/1.1 (name → value, trace and request-id fields only). */
function viaHttp1(headers: Array<[string, string]>, tracing: TracingRuntime): Record<string, string> {
  const raw = Buffer.from(`GET / HTTP/1.1\r\nHost: a\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`, 'latin1');
  const head = parseRequestHead(raw, findHeadEnd(raw, 0));
  if (isParseFailure(head)) throw new Error(head.reason);
  const hop = new TraceHop();
  readHttp1TraceHeaders(head, hop.values);
  hop.decide(tracing);
  const text = serializeRequestHead(head, '10.0.0.1', 'http', '80', http1TraceFields(hop, tracing));
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).toLowerCase();
    if (name.startsWith('x-forwarded') || name === 'host' || name === 'connection') continue;
    if (name in out) throw new Error(`${name} sent twice`);
    out[name] = line.slice(colon + 2);
  }
  return out;
}

/** The same over HTTP/2: the header object's trace fields (the copy skips incoming trace names). */
function viaH2(headers: Array<[string, string]>, tracing: TracingRuntime): Record<string, string> {
  const incoming: Record<string, string> = {};
  for (const [name, value] of headers) incoming[name.toLowerCase()] = name.toLowerCase() in incoming ? `${incoming[name.toLowerCase()]}, ${value}` : value;
  const hop = new TraceHop();
  readH2TraceHeaders(incoming, hop.values);
  hop.decide(tracing);
  const out: Record<string, string> = {};
  setTraceFields(out, hop, tracing);
  return out;
}

function sent(t: Test, name: string, headers: Array<[string, string]>, expected: Record<string, string>, tracing = runtime()): void {
  t.same(viaHttp1(headers, tracing), expected, `${name} (HTTP/1.1)`);
  t.same(viaH2(headers, runtime(snapshotOf(tracing))), expected, `${name} (HTTP/2)`);
}

/** A fresh runtime with the same choices (fresh id pool and random, so both paths draw the same). */
function snapshotOf(tracing: TracingRuntime): Partial<TracingSnapshot> {
  const propagation = (['b3multi', 'b3', 'w3c'] as const).filter((format) => tracing[format]);
  return { sampleRate: tracing.sampleRate, propagation, requestId: { preserve: tracing.preserveRequestId, generate: tracing.generateRequestId } };
}

/** Everything sent for a trace Sluice starts. */
function newTrace(sampled: '0' | '1' | 'd'): Record<string, string> {
  return {
    'x-request-id': 'generated-uuid',
    'x-b3-traceid': NEW_TRACE,
    'x-b3-spanid': SPAN_AFTER_NEW_TRACE,
    ...(sampled === 'd' ? { 'x-b3-flags': '1' } : { 'x-b3-sampled': sampled }),
    b3: `${NEW_TRACE}-${SPAN_AFTER_NEW_TRACE}-${sampled}`,
    traceparent: `00-${NEW_TRACE}-${SPAN_AFTER_NEW_TRACE}-${sampled === '0' ? '00' : '01'}`,
  };
}

/** Everything sent for a kept trace whose incoming span is `parent`. */
function kept(traceId: string, parent: string, sampled: '0' | '1' | 'd', extra: Record<string, string> = {}): Record<string, string> {
  const w3cTrace = traceId.length === 16 ? `0000000000000000${traceId}` : traceId;
  return {
    'x-request-id': 'generated-uuid',
    'x-b3-traceid': traceId,
    'x-b3-spanid': FIRST_SPAN,
    'x-b3-parentspanid': parent,
    ...(sampled === 'd' ? { 'x-b3-flags': '1' } : { 'x-b3-sampled': sampled }),
    b3: `${traceId}-${FIRST_SPAN}-${sampled}-${parent}`,
    traceparent: `00-${w3cTrace}-${FIRST_SPAN}-${sampled === '0' ? '00' : '01'}`,
    ...extra,
  };
}

t.test('no incoming trace: a new 128-bit trace, sampled by sampleRate', async (t) => {
  sent(t, 'rate 1', [], newTrace('1'));
  sent(t, 'rate 0', [], newTrace('0'), runtime({ sampleRate: 0 }));
  // seededRandom(6) draws 0.5257… first, so a rate of 0.5 says no and 0.6 says yes.
  sent(t, 'rate 0.5, draw above', [], newTrace('0'), runtime({ sampleRate: 0.5 }));
  sent(t, 'rate 0.6, draw below', [], newTrace('1'), runtime({ sampleRate: 0.6 }));
});

t.test('B3 multi: the trace id is kept, the incoming span becomes the parent', async (t) => {
  sent(t, '128-bit sampled', [['X-B3-TraceId', T128], ['X-B3-SpanId', S], ['X-B3-Sampled', '1']], kept(T128, S, '1'));
  sent(t, '64-bit trace id', [['x-b3-traceid', T64], ['x-b3-spanid', S], ['x-b3-sampled', '1']], kept(T64, S, '1'));
  sent(t, 'not sampled', [['x-b3-traceid', T128], ['x-b3-spanid', S], ['x-b3-sampled', '0']], kept(T128, S, '0'));
  sent(t, 'legacy true', [['x-b3-traceid', T128], ['x-b3-spanid', S], ['x-b3-sampled', 'true']], kept(T128, S, '1'));
  sent(t, 'debug flag', [['x-b3-traceid', T128], ['x-b3-spanid', S], ['x-b3-flags', '1']], kept(T128, S, 'd'));
  sent(t, 'debug wins over sampled 0', [['x-b3-traceid', T128], ['x-b3-spanid', S], ['x-b3-sampled', '0'], ['x-b3-flags', '1']], kept(T128, S, 'd'));
  sent(t, 'with its own parent (not forwarded: Sluice is the new parent)', [['x-b3-traceid', T128], ['x-b3-spanid', S], ['x-b3-parentspanid', P], ['x-b3-sampled', '1']], kept(T128, S, '1'));
  sent(t, 'no decision, rate 0: Sluice decides no', [['x-b3-traceid', T128], ['x-b3-spanid', S]], kept(T128, S, '0'), runtime({ sampleRate: 0 }));
  sent(t, 'no decision, rate 1: Sluice decides yes', [['x-b3-traceid', T128], ['x-b3-spanid', S]], kept(T128, S, '1'));
  sent(t, 'sampled alone: a new trace with that decision', [['x-b3-sampled', '0']], newTrace('0'));
  sent(t, 'debug alone', [['x-b3-flags', '1']], newTrace('d'), runtime({ sampleRate: 0 }));
});

t.test('single b3: every form', async (t) => {
  sent(t, 'trace-span', [['b3', `${T128}-${S}`]], kept(T128, S, '1'));
  sent(t, 'trace-span, rate 0', [['b3', `${T128}-${S}`]], kept(T128, S, '0'), runtime({ sampleRate: 0 }));
  sent(t, 'trace-span-1', [['b3', `${T128}-${S}-1`]], kept(T128, S, '1'));
  sent(t, 'trace-span-0-parent', [['b3', `${T128}-${S}-0-${P}`]], kept(T128, S, '0'));
  sent(t, 'trace-span-d', [['b3', `${T128}-${S}-d`]], kept(T128, S, 'd'), runtime({ sampleRate: 0 }));
  sent(t, '64-bit trace id', [['b3', `${T64}-${S}-1`]], kept(T64, S, '1'));
  sent(t, '0 only', [['b3', '0']], newTrace('0'));
  sent(t, '1 only', [['b3', '1']], newTrace('1'), runtime({ sampleRate: 0 }));
  sent(t, 'd only', [['b3', 'd']], newTrace('d'), runtime({ sampleRate: 0 }));
});

t.test('W3C traceparent, with tracestate passed through', async (t) => {
  sent(t, 'sampled', [['traceparent', `00-${T128}-${S}-01`], ['tracestate', 'congo=t61rcWkgMzE']], kept(T128, S, '1', { tracestate: 'congo=t61rcWkgMzE' }));
  sent(t, 'not sampled, other flag bits ignored', [['traceparent', `00-${T128}-${S}-02`]], kept(T128, S, '0'));
  // HTTP/1.1 lines join with a comma (node:http2 joins repeated fields itself, with ", ").
  t.same(viaHttp1([['traceparent', `00-${T128}-${S}-01`], ['tracestate', 'a=1'], ['tracestate', 'b=2']], runtime()),
    kept(T128, S, '1', { tracestate: 'a=1,b=2' }), 'tracestate over two lines');
  sent(t, 'tracestate without traceparent is dropped', [['tracestate', 'a=1']], newTrace('1'));
});

t.test('malformed trace headers are replaced, never forwarded, never an error', async (t) => {
  const cases: Array<[string, Array<[string, string]>]> = [
    ['upper-case hex', [['x-b3-traceid', T128.toUpperCase()], ['x-b3-spanid', S]]],
    ['trace id of 20 digits', [['x-b3-traceid', T128.slice(0, 20)], ['x-b3-spanid', S]]],
    ['all-zero trace id', [['x-b3-traceid', '0'.repeat(32)], ['x-b3-spanid', S]]],
    ['all-zero span id', [['x-b3-traceid', T128], ['x-b3-spanid', '0'.repeat(16)]]],
    ['span id missing', [['x-b3-traceid', T128]]],
    ['trace id missing', [['x-b3-spanid', S], ['x-b3-sampled', '1']]],
    ['bad parent', [['x-b3-traceid', T128], ['x-b3-spanid', S], ['x-b3-parentspanid', 'xyz']]],
    ['sampled yes', [['x-b3-traceid', T128], ['x-b3-spanid', S], ['x-b3-sampled', 'yes']]],
    ['flags 2', [['x-b3-traceid', T128], ['x-b3-spanid', S], ['x-b3-flags', '2']]],
    ['trace id twice', [['x-b3-traceid', T128], ['x-b3-traceid', T128], ['x-b3-spanid', S]]],
    ['b3 garbage', [['b3', 'not-a-trace']]],
    ['b3 bad sampling state', [['b3', `${T128}-${S}-x`]]],
    ['b3 short parent', [['b3', `${T128}-${S}-1-abc`]]],
    ['b3 trailing dash', [['b3', `${T128}-${S}-`]]],
    ['b3 empty', [['b3', '']]],
    ['traceparent version 01', [['traceparent', `01-${T128}-${S}-01`]]],
    ['traceparent version ff', [['traceparent', `ff-${T128}-${S}-01`]]],
    ['traceparent zero trace', [['traceparent', `00-${'0'.repeat(32)}-${S}-01`]]],
    ['traceparent zero parent', [['traceparent', `00-${T128}-${'0'.repeat(16)}-01`]]],
    ['traceparent too long', [['traceparent', `00-${T128}-${S}-01-extra`]]],
    ['traceparent bad flags', [['traceparent', `00-${T128}-${S}-0g`]]],
    ['traceparent 64-bit id', [['traceparent', `00-${T64}-${S}-01`]]],
  ];
  for (const [name, headers] of cases) sent(t, name, headers, newTrace('1'));
});

t.test('precedence: single b3, then B3 multi, then traceparent; the first valid one wins', async (t) => {
  const other = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
  sent(t, 'b3 over multi', [['b3', `${T128}-${S}-1`], ['x-b3-traceid', other], ['x-b3-spanid', P], ['x-b3-sampled', '0']], kept(T128, S, '1'));
  sent(t, 'malformed b3 falls through to multi', [['b3', 'garbage'], ['x-b3-traceid', T128], ['x-b3-spanid', S], ['x-b3-sampled', '0']], kept(T128, S, '0'));
  sent(t, 'B3 over W3C; tracestate of another trace dropped', [['x-b3-traceid', T128], ['x-b3-spanid', S], ['x-b3-sampled', '1'], ['traceparent', `00-${other}-${P}-00`], ['tracestate', 'a=1']], kept(T128, S, '1'));
  sent(t, 'B3 over W3C; tracestate of the same trace kept', [['b3', `${T64}-${S}-1`], ['traceparent', `00-0000000000000000${T64}-${P}-01`], ['tracestate', 'a=1']], kept(T64, S, '1', { tracestate: 'a=1' }));
  sent(t, 'malformed B3 falls through to W3C', [['x-b3-traceid', 'nope'], ['x-b3-spanid', S], ['traceparent', `00-${T128}-${S}-01`]], kept(T128, S, '1'));
  sent(t, 'a B3 decision alone gives way to a W3C context', [['b3', '0'], ['traceparent', `00-${T128}-${S}-01`]], kept(T128, S, '1'));
  sent(t, 'a B3 decision alone applies to a new trace', [['b3', 'd'], ['x-b3-sampled', '0']], newTrace('d'), runtime({ sampleRate: 0 }));
});

t.test('x-request-id: kept when valid, else a UUID; both switches', async (t) => {
  const ids = (headers: Array<[string, string]>, tracing = runtime()) => viaHttp1(headers, tracing)['x-request-id'];
  t.equal(ids([['X-Request-Id', 'abc-123']]), 'abc-123', 'kept');
  t.equal(ids([['x-request-id', 'has space']]), 'generated-uuid', 'invalid: replaced');
  t.equal(ids([['x-request-id', 'x'.repeat(201)]]), 'generated-uuid', 'too long: replaced');
  t.equal(ids([['x-request-id', 'a'], ['x-request-id', 'b']]), 'generated-uuid', 'twice: replaced');
  t.equal(ids([['x-request-id', 'abc']], runtime({ requestId: { preserve: false, generate: true } })), 'generated-uuid', 'preserve off');
  t.equal(ids([], runtime({ requestId: { preserve: true, generate: false } })), undefined, 'generate off, none sent');
  t.equal(ids([['x-request-id', 'abc']], runtime({ requestId: { preserve: false, generate: false } })), undefined, 'both off: stripped');
});

t.test('propagation lists the formats written; every incoming format is stripped', async (t) => {
  const incoming: Array<[string, string]> = [['b3', `${T128}-${S}-1`], ['x-b3-traceid', T128], ['x-b3-spanid', S], ['traceparent', `00-${T128}-${S}-01`]];
  sent(t, 'w3c only', incoming, { 'x-request-id': 'generated-uuid', traceparent: `00-${T128}-${FIRST_SPAN}-01` }, runtime({ propagation: ['w3c'] }));
  sent(t, 'b3 only', incoming, { 'x-request-id': 'generated-uuid', b3: `${T128}-${FIRST_SPAN}-1-${S}` }, runtime({ propagation: ['b3'] }));
  sent(t, 'none', incoming, { 'x-request-id': 'generated-uuid' }, runtime({ propagation: [] }));
});

t.test('tracing off: trace and request-id headers pass through untouched', async (t) => {
  const raw = Buffer.from(`GET / HTTP/1.1\r\nHost: a\r\nb3: 1\r\nx-request-id: r\r\n\r\n`, 'latin1');
  const head = parseRequestHead(raw, findHeadEnd(raw, 0));
  if (isParseFailure(head)) throw new Error(head.reason);
  const hop = new TraceHop();
  hop.clear();
  const text = serializeRequestHead(head, '10.0.0.1', 'http', '80', http1TraceFields(hop, runtime({ enabled: false })));
  t.match(text, /\r\nb3: 1\r\nx-request-id: r\r\n/);
  t.equal(text.match(/x-request-id/g)?.length, 1);
});
