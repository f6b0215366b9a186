// Writes a hop's trace context and request id for the endpoint, in each configured format: header
// lines for the HTTP/1.1 serializer, or fields on an HTTP/2 (or undici) header object. Reads only.
import type { OutgoingHttpHeaders } from 'node:http2';
import type { TraceHop } from './trace-hop.js';
import type { TracingRuntime } from './tracing-runtime.js';
import { otelTraceId } from './hop-span.js';

function b3Sampling(hop: TraceHop): string {
  return hop.debug ? 'd' : hop.sampled ? '1' : '0';
}

function b3Single(hop: TraceHop): string {
  return hop.parentSpanId === undefined
    ? `${hop.traceId}-${hop.spanId}-${b3Sampling(hop)}`
    : `${hop.traceId}-${hop.spanId}-${b3Sampling(hop)}-${hop.parentSpanId}`;
}

function traceparent(hop: TraceHop): string {
  return `00-${otelTraceId(hop.traceId)}-${hop.spanId}-${hop.sampled ? '01' : '00'}`;
}

// The HTTP/1.1 lines are built with as few string pieces as possible: each piece is one more node
// the socket write has to walk when it flattens the request head, and that walk, not the
// formatting, was most of what tracing cost per request. Constants between ids are merged.

/** The B3 multi sampling line (debug implies sampled, and B3 says not to send both). */
function b3MultiSamplingLine(hop: TraceHop): string {
  return hop.debug ? 'x-b3-flags: 1\r\n' : hop.sampled ? 'x-b3-sampled: 1\r\n' : 'x-b3-sampled: 0\r\n';
}

function b3MultiLines(hop: TraceHop): string {
  const { traceId, spanId, parentSpanId } = hop;
  return parentSpanId === undefined
    ? `x-b3-traceid: ${traceId}\r\nx-b3-spanid: ${spanId}\r\n${b3MultiSamplingLine(hop)}`
    : `x-b3-traceid: ${traceId}\r\nx-b3-spanid: ${spanId}\r\nx-b3-parentspanid: ${parentSpanId}\r\n${b3MultiSamplingLine(hop)}`;
}

function w3cLines(hop: TraceHop): string {
  const flags = hop.sampled ? '-01\r\n' : '-00\r\n';
  const line = `traceparent: 00-${otelTraceId(hop.traceId)}-${hop.spanId}${flags}`;
  return hop.tracestate === undefined ? line : `${line}tracestate: ${hop.tracestate}\r\n`;
}

/** Header lines (each ending CRLF) for an HTTP/1.1 request head; '' when tracing is off. */
export function http1TraceFields(hop: TraceHop, tracing: TracingRuntime): string {
  const requestId = requestIdLine(hop.requestId);
  if (hop.traceId === '') return requestId;
  const b3multi = tracing.b3multi ? b3MultiLines(hop) : '';
  const b3 = tracing.b3 ? `b3: ${b3Single(hop)}\r\n` : '';
  const w3c = tracing.w3c ? w3cLines(hop) : '';
  return `${requestId}${b3multi}${b3}${w3c}`;
}

/** The same fields on an HTTP/2 (or undici) header object, whose incoming trace fields were left out. */
export function setTraceFields(fields: OutgoingHttpHeaders, hop: TraceHop, tracing: TracingRuntime): void {
  if (hop.requestId !== undefined) fields['x-request-id'] = hop.requestId;
  if (hop.traceId === '') return;
  if (tracing.b3multi) {
    fields['x-b3-traceid'] = hop.traceId;
    fields['x-b3-spanid'] = hop.spanId;
    if (hop.parentSpanId !== undefined) fields['x-b3-parentspanid'] = hop.parentSpanId;
    if (hop.debug) fields['x-b3-flags'] = '1';
    else fields['x-b3-sampled'] = hop.sampled ? '1' : '0';
  }
  if (tracing.b3) fields.b3 = b3Single(hop);
  if (tracing.w3c) {
    fields.traceparent = traceparent(hop);
    if (hop.tracestate !== undefined) fields.tracestate = hop.tracestate;
  }
}

/** The `x-request-id` header line (HTTP/1.1); '' when there is none. */
export function requestIdLine(requestId: string | undefined): string {
  return requestId === undefined ? '' : `x-request-id: ${requestId}\r\n`;
}
