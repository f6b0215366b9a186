// Traces Sluice starts — for requests that bring no trace context and no sampling decision, the
// common case at the edge — made a batch at a time: each trace's ids, its sampling draw and its
// HTTP/1.1 trace lines in the configured formats are written into one buffer that becomes one flat
// string, and a request takes three slices of it. Built per request from some twenty string pieces,
// the same lines cost more to walk and copy into the request head (and to collect afterwards) than
// everything else tracing does. One batch per compiled snapshot: the formats are the snapshot's.
import type { Random } from '../balancing/random.js';
import type { TraceIdSource } from './trace-ids.js';

const TRACES_PER_BATCH = 64;
const TRACE_ID_DIGITS = 32;
const SPAN_ID_DIGITS = 16;
/** A record starts with both ids (what the slices for the hop take), then its lines. */
const IDS_DIGITS = TRACE_ID_DIGITS + SPAN_ID_DIGITS;

/** What a new trace gives its hop (TraceHop has these fields). */
export interface NewTrace {
  traceId: string;
  spanId: string;
  sampled: boolean;
  /** The trace lines for the endpoint's HTTP/1.1 request head, each ending CRLF. */
  http1Lines: string | undefined;
}

export interface NewTraceFormats {
  readonly b3multi: boolean;
  readonly b3: boolean;
  readonly w3c: boolean;
}

/** The share `sampleRate` of draws is true. */
export function drawSampled(sampleRate: number, random: Random): boolean {
  return sampleRate >= 1 || (sampleRate > 0 && random.next() < sampleRate);
}

/** Placeholders in a format's lines: the trace id, the span id, the sampling flag (a '0' or '1' digit). */
const TRACE = Symbol('trace id');
const SPAN = Symbol('span id');
const FLAG = Symbol('sampled flag');
type Part = string | typeof TRACE | typeof SPAN | typeof FLAG;

const B3MULTI_LINES: readonly Part[] = ['x-b3-traceid: ', TRACE, '\r\nx-b3-spanid: ', SPAN, '\r\nx-b3-sampled: ', FLAG, '\r\n'];
const B3_LINE: readonly Part[] = ['b3: ', TRACE, '-', SPAN, '-', FLAG, '\r\n'];
const W3C_LINE: readonly Part[] = ['traceparent: 00-', TRACE, '-', SPAN, '-0', FLAG, '\r\n'];

/** A record's constant bytes (flags '0'), and where in it the ids are copied and the flags set. */
interface RecordTemplate {
  readonly bytes: Buffer;
  readonly traceAt: readonly number[];
  readonly spanAt: readonly number[];
  readonly flagAt: readonly number[];
}

function recordTemplate(formats: NewTraceFormats): RecordTemplate {
  const parts: Part[] = [
    ...(formats.b3multi ? B3MULTI_LINES : []), ...(formats.b3 ? B3_LINE : []), ...(formats.w3c ? W3C_LINE : []),
  ];
  let text = '-'.repeat(IDS_DIGITS);
  const traceAt: number[] = [];
  const spanAt: number[] = [];
  const flagAt: number[] = [];
  for (const part of parts) {
    if (part === TRACE) { traceAt.push(text.length); text += '-'.repeat(TRACE_ID_DIGITS); }
    else if (part === SPAN) { spanAt.push(text.length); text += '-'.repeat(SPAN_ID_DIGITS); }
    else if (part === FLAG) { flagAt.push(text.length); text += '0'; }
    else text += part;
  }
  return { bytes: Buffer.from(text, 'latin1'), traceAt, spanAt, flagAt };
}

export class NewTraceBatch {
  readonly #ids: TraceIdSource;
  readonly #sampleRate: number;
  readonly #random: Random;
  readonly #template: RecordTemplate;
  readonly #bytes: Buffer;
  #text = '';
  readonly #sampled = new Uint8Array(TRACES_PER_BATCH);
  #taken = TRACES_PER_BATCH;

  constructor(ids: TraceIdSource, formats: NewTraceFormats, sampleRate: number, random: Random) {
    this.#ids = ids;
    this.#sampleRate = sampleRate;
    this.#random = random;
    this.#template = recordTemplate(formats);
    this.#bytes = Buffer.allocUnsafe(TRACES_PER_BATCH * this.#template.bytes.length);
  }

  /** Gives `into` the next new trace. */
  next(into: NewTrace): void {
    if (this.#taken === TRACES_PER_BATCH) this.#format();
    const n = this.#taken++;
    const text = this.#text;
    const start = n * this.#template.bytes.length;
    into.traceId = text.slice(start, start + TRACE_ID_DIGITS);
    into.spanId = text.slice(start + TRACE_ID_DIGITS, start + IDS_DIGITS);
    into.sampled = this.#sampled[n] === 1;
    into.http1Lines = text.slice(start + IDS_DIGITS, start + this.#template.bytes.length);
  }

  #format(): void {
    const out = this.#bytes;
    const { bytes: template, traceAt, spanAt, flagAt } = this.#template;
    for (let n = 0, at = 0; n < TRACES_PER_BATCH; n++, at += template.length) {
      out.set(template, at);
      this.#ids.writeHexId(out, at, TRACE_ID_DIGITS / 2);
      this.#ids.writeHexId(out, at + TRACE_ID_DIGITS, SPAN_ID_DIGITS / 2);
      for (const offset of traceAt) copyDigits(out, at + offset, at, TRACE_ID_DIGITS);
      for (const offset of spanAt) copyDigits(out, at + offset, at + TRACE_ID_DIGITS, SPAN_ID_DIGITS);
      const sampled = drawSampled(this.#sampleRate, this.#random);
      this.#sampled[n] = sampled ? 1 : 0;
      if (sampled) for (const offset of flagAt) out[at + offset] = 0x31;
    }
    this.#text = out.toString('latin1');
    this.#taken = 0;
  }
}

/** Copies an id's digits within the batch: a byte loop beats a native call at these lengths. */
function copyDigits(out: Buffer, to: number, from: number, length: number): void {
  for (let i = 0; i < length; i++) out[to + i] = out[from + i]!;
}
