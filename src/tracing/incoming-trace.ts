// Reads the trace context a request arrives with: single `b3`, B3 multi (`x-b3-*`) and W3C
// `traceparent`, each strictly by its spec. A malformed header reads as absent, never as an error;
// which one wins is decided in trace-hop.ts. Pure: no I/O, no state beyond the object it fills.

/** The sampling decision a header carries; `Defer` leaves it to Sluice (B3 without a sampled flag). */
export const enum Sampling { Defer = 0, Deny = 1, Accept = 2, Debug = 3 }

/** What one header yields. Malformed headers yield `Nothing`. */
export const enum Found { Nothing = 0, SamplingOnly = 1, Context = 2 }

/** The raw trace header values of one request as received (undefined: absent). Reused per request. */
export class TraceHeaderValues {
  b3: string | undefined;
  traceId: string | undefined;
  spanId: string | undefined;
  parentSpanId: string | undefined;
  sampled: string | undefined;
  flags: string | undefined;
  traceparent: string | undefined;
  tracestate: string | undefined;
  requestId: string | undefined;

  clear(): void {
    this.b3 = this.traceId = this.spanId = this.parentSpanId = this.sampled = this.flags = undefined;
    this.traceparent = this.tracestate = this.requestId = undefined;
  }
}

/** The context a header carries: filled by the readers below, reused per request. */
export class IncomingContext {
  /** 16 or 32 lower-case hex digits (W3C: always 32). */
  traceId = '';
  spanId = '';
  sampling = Sampling.Defer;
}

/** Lower-case hex digits only (B3 and W3C both require lower case), and not all zeros. */
function isHexId(s: string, start: number, end: number): boolean {
  let nonZero = false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x30) continue;
    if (!((c > 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
    nonZero = true;
  }
  return nonZero;
}

function isHexIdValue(s: string | undefined, length: number): s is string {
  return s !== undefined && s.length === length && isHexId(s, 0, length);
}

/** The single-character sampling state of `b3`: 0, 1 or d; -1 when it is anything else. */
function b3SamplingChar(c: number): Sampling | -1 {
  switch (c) {
    case 0x30: return Sampling.Deny;
    case 0x31: return Sampling.Accept;
    case 0x64: return Sampling.Debug;
    default: return -1;
  }
}

/**
 * `b3: {traceid}-{spanid}[-{sampling}[-{parentspanid}]]` (trace id 16 or 32 hex) or a bare sampling
 * state `0`, `1` or `d` (https://github.com/openzipkin/b3-propagation#single-header).
 */
export function readB3Single(value: string | undefined, out: IncomingContext): Found {
  if (value === undefined) return Found.Nothing;
  if (value.length === 1) {
    const sampling = b3SamplingChar(value.charCodeAt(0));
    if (sampling === -1) return Found.Nothing;
    out.sampling = sampling;
    return Found.SamplingOnly;
  }
  const traceEnd = value.charCodeAt(32) === 0x2d ? 32 : value.charCodeAt(16) === 0x2d ? 16 : -1;
  if (traceEnd < 0 || !isHexId(value, 0, traceEnd)) return Found.Nothing;
  const spanEnd = traceEnd + 17;
  if (value.length < spanEnd || !isHexId(value, traceEnd + 1, spanEnd)) return Found.Nothing;
  let sampling = Sampling.Defer;
  if (value.length > spanEnd) {
    if (value.charCodeAt(spanEnd) !== 0x2d || value.length < spanEnd + 2) return Found.Nothing;
    const state = b3SamplingChar(value.charCodeAt(spanEnd + 1));
    if (state === -1) return Found.Nothing;
    sampling = state;
    const parentStart = spanEnd + 3;
    if (value.length > spanEnd + 2) {
      if (value.charCodeAt(spanEnd + 2) !== 0x2d || value.length !== parentStart + 16 || !isHexId(value, parentStart, parentStart + 16)) {
        return Found.Nothing;
      }
    }
  }
  out.traceId = value.slice(0, traceEnd);
  out.spanId = value.slice(traceEnd + 1, spanEnd);
  out.sampling = sampling;
  return Found.Context;
}

/** `x-b3-sampled` (1/0, and true/false as older tracers send) with `x-b3-flags` (1 = debug); -1: malformed. */
function b3MultiSampling(sampled: string | undefined, flags: string | undefined): Sampling | -1 {
  if (flags !== undefined && flags !== '0' && flags !== '1') return -1;
  let sampling = Sampling.Defer;
  if (sampled !== undefined) {
    if (sampled === '1' || sampled === 'true') sampling = Sampling.Accept;
    else if (sampled === '0' || sampled === 'false') sampling = Sampling.Deny;
    else return -1;
  }
  // Debug implies accept, whatever x-b3-sampled says.
  return flags === '1' ? Sampling.Debug : sampling;
}

/** `x-b3-traceid` (16 or 32 hex), `x-b3-spanid`, optional `x-b3-parentspanid`, `x-b3-sampled`, `x-b3-flags`. */
export function readB3Multi(values: TraceHeaderValues, out: IncomingContext): Found {
  const sampling = b3MultiSampling(values.sampled, values.flags);
  if (sampling === -1) return Found.Nothing;
  const { traceId, spanId, parentSpanId } = values;
  if (traceId === undefined && spanId === undefined && parentSpanId === undefined) {
    if (sampling === Sampling.Defer) return Found.Nothing;
    out.sampling = sampling;
    return Found.SamplingOnly;
  }
  if (traceId === undefined || (traceId.length !== 32 && traceId.length !== 16) || !isHexId(traceId, 0, traceId.length)) return Found.Nothing;
  if (!isHexIdValue(spanId, 16)) return Found.Nothing;
  if (parentSpanId !== undefined && !isHexIdValue(parentSpanId, 16)) return Found.Nothing;
  out.traceId = traceId;
  out.spanId = spanId;
  out.sampling = sampling;
  return Found.Context;
}

/** W3C `traceparent: 00-{32 hex trace id}-{16 hex parent id}-{2 hex flags}`; only version 00 is read. */
export function readTraceparent(value: string | undefined, out: IncomingContext): Found {
  if (value === undefined || value.length !== 55) return Found.Nothing;
  if (value.charCodeAt(0) !== 0x30 || value.charCodeAt(1) !== 0x30) return Found.Nothing;
  if (value.charCodeAt(2) !== 0x2d || value.charCodeAt(35) !== 0x2d || value.charCodeAt(52) !== 0x2d) return Found.Nothing;
  if (!isHexId(value, 3, 35) || !isHexId(value, 36, 52)) return Found.Nothing;
  const flags = hexDigit(value.charCodeAt(53)) * 16 + hexDigit(value.charCodeAt(54));
  if (flags < 0) return Found.Nothing;
  out.traceId = value.slice(3, 35);
  out.spanId = value.slice(36, 52);
  out.sampling = (flags & 1) === 1 ? Sampling.Accept : Sampling.Deny;
  return Found.Context;
}

/** 0..15 for a lower-case hex digit; a large negative number otherwise, so any sum with it stays negative. */
function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1024;
}

/** W3C tracestate is forwarded as received: at most 512 characters, visible ASCII, spaces and tabs. */
export function isForwardableTracestate(value: string): boolean {
  if (value.length === 0 || value.length > 512) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c > 0x7e) return false;
  }
  return true;
}

/** An incoming x-request-id is kept when it is 1..200 visible ASCII characters (no spaces, no controls). */
export function isValidRequestId(value: string): boolean {
  if (value.length === 0 || value.length > 200) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 0x20 || c > 0x7e) return false;
  }
  return true;
}
