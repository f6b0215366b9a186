// Finds the trace and request-id headers of a request, for HTTP/1.1 (the parsed head's flat list,
// where each one found is marked `Replaced` so the serializer leaves it out) and for HTTP/2 (the
// header object, whose copy for the endpoint skips the names in TRACE_HEADER_NAMES).
import type { IncomingHttpHeaders } from 'node:http2';
import { equalsLower } from '../http1/char-classes.js';
import { HeaderKind, type MessageHead } from '../http1/index.js';
import type { TraceHeaderValues } from './incoming-trace.js';

/** Every header Sluice reads and replaces when tracing is on (lower case, as HTTP/2 delivers them). */
export const TRACE_HEADER_NAMES: ReadonlySet<string> = new Set([
  'b3', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-parentspanid', 'x-b3-sampled', 'x-b3-flags',
  'traceparent', 'tracestate', 'x-request-id',
]);

const enum Field { None, B3, TraceId, SpanId, ParentSpanId, Sampled, Flags, Traceparent, Tracestate, RequestId }

/** Length first, so most names cost one switch. */
function fieldOf(name: string): Field {
  const n = name.length;
  switch (n) {
    case 2: return equalsLower(name, 0, n, 'b3') ? Field.B3 : Field.None;
    case 10:
      if (equalsLower(name, 0, n, 'x-b3-flags')) return Field.Flags;
      return equalsLower(name, 0, n, 'tracestate') ? Field.Tracestate : Field.None;
    case 11:
      if (equalsLower(name, 0, n, 'x-b3-spanid')) return Field.SpanId;
      return equalsLower(name, 0, n, 'traceparent') ? Field.Traceparent : Field.None;
    case 12:
      if (equalsLower(name, 0, n, 'x-b3-traceid')) return Field.TraceId;
      if (equalsLower(name, 0, n, 'x-b3-sampled')) return Field.Sampled;
      return equalsLower(name, 0, n, 'x-request-id') ? Field.RequestId : Field.None;
    case 17: return equalsLower(name, 0, n, 'x-b3-parentspanid') ? Field.ParentSpanId : Field.None;
    default: return Field.None;
  }
}

/** A second copy of a single-valued field makes it malformed (the empty string fails every check). */
function once(existing: string | undefined, value: string): string {
  return existing === undefined ? value : '';
}

function store(values: TraceHeaderValues, field: Field, value: string): void {
  switch (field) {
    case Field.B3: values.b3 = once(values.b3, value); return;
    case Field.TraceId: values.traceId = once(values.traceId, value); return;
    case Field.SpanId: values.spanId = once(values.spanId, value); return;
    case Field.ParentSpanId: values.parentSpanId = once(values.parentSpanId, value); return;
    case Field.Sampled: values.sampled = once(values.sampled, value); return;
    case Field.Flags: values.flags = once(values.flags, value); return;
    case Field.Traceparent: values.traceparent = once(values.traceparent, value); return;
    // tracestate may be split over several lines: they join with commas (W3C Trace Context §3.3.1.1).
    case Field.Tracestate: values.tracestate = values.tracestate === undefined ? value : `${values.tracestate},${value}`; return;
    case Field.RequestId: values.requestId = once(values.requestId, value); return;
    case Field.None: return;
  }
}

/** Reads the trace headers of an HTTP/1.1 head into `values` and marks them so they are not forwarded. */
export function readHttp1TraceHeaders(head: MessageHead, values: TraceHeaderValues): void {
  values.clear();
  const headers = head.headers;
  const kinds = head.kinds;
  for (let k = 0; k < kinds.length; k++) {
    if (kinds[k] !== HeaderKind.Other) continue;
    const field = fieldOf(headers[2 * k]!);
    if (field === Field.None) continue;
    store(values, field, headers[2 * k + 1]!);
    kinds[k] = HeaderKind.Replaced;
  }
}

/** Marks the x-request-id fields of an endpoint's response, which Sluice replaces with its own. */
export function dropHttp1RequestId(head: MessageHead): void {
  const headers = head.headers;
  const kinds = head.kinds;
  for (let k = 0; k < kinds.length; k++) {
    if (fieldOf(headers[2 * k]!) === Field.RequestId) kinds[k] = HeaderKind.Replaced;
  }
}

/** node:http2 joins repeated unknown fields into one string; an array here is a repetition. */
function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' || value === undefined ? value : '';
}

/** Reads the trace headers of an HTTP/2 request into `values`. */
export function readH2TraceHeaders(headers: IncomingHttpHeaders, values: TraceHeaderValues): void {
  values.b3 = single(headers.b3);
  values.traceId = single(headers['x-b3-traceid']);
  values.spanId = single(headers['x-b3-spanid']);
  values.parentSpanId = single(headers['x-b3-parentspanid']);
  values.sampled = single(headers['x-b3-sampled']);
  values.flags = single(headers['x-b3-flags']);
  values.traceparent = single(headers.traceparent);
  const tracestate = headers.tracestate;
  values.tracestate = Array.isArray(tracestate) ? tracestate.join(',') : tracestate;
  values.requestId = single(headers['x-request-id']);
}
