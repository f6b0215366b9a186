// Sluice's hop in a trace, one per exchange and reused per request: the request id and the trace
// context sent upstream (the incoming trace id kept, a new span id for Sluice's span, the incoming
// span as its parent, the sampling decision), and the OTel span when one is recorded.
//
// Precedence when several formats arrive: single `b3`, then B3 multi (`x-b3-*`), then W3C
// `traceparent`; the first that is valid gives the context, malformed ones are ignored. With no
// context, a sampling-only B3 header (`b3: 0|1|d`, or `x-b3-sampled`/`x-b3-flags` alone) still decides
// sampling for the new trace; without any decision Sluice draws one from `sampleRate`.
import type { Span } from '@opentelemetry/api';
import { TraceFlags, isSpanContextValid } from '@opentelemetry/api';
import { endServerSpan, otelTraceId, startServerSpan, type SpanPeer, type SpanRequest } from './hop-span.js';
import {
  Found, IncomingContext, Sampling, TraceHeaderValues, isForwardableTracestate, isValidRequestId, readB3Multi,
  readB3Single, readTraceparent,
} from './incoming-trace.js';
import { newRequestId, type TracingRuntime } from './tracing-runtime.js';

export class TraceHop {
  /** The raw headers of the current request, filled by a reader in trace-headers.ts. */
  readonly values = new TraceHeaderValues();
  /** Sent upstream and returned to the client; undefined when tracing is off or no id is generated. */
  requestId: string | undefined;
  /** '' while tracing is off for this request; 16 or 32 hex digits otherwise. */
  traceId = '';
  /** Sluice's span id: what the endpoint receives as x-b3-spanid. */
  spanId = '';
  /** The incoming span id (the endpoint's x-b3-parentspanid); undefined when Sluice started the trace. */
  parentSpanId: string | undefined;
  sampled = false;
  debug = false;
  /** W3C tracestate passed through, when it belongs to the trace kept. */
  tracestate: string | undefined;
  readonly #incoming = new IncomingContext();
  readonly #w3c = new IncomingContext();
  #span: Span | undefined;

  /** Tracing is off for this request: nothing is added, nothing replaced. */
  clear(): void {
    this.requestId = undefined;
    this.traceId = '';
  }

  /** Decides this hop from `values`. */
  decide(tracing: TracingRuntime): void {
    const values = this.values;
    const requestId = values.requestId;
    this.requestId = tracing.preserveRequestId && requestId !== undefined && isValidRequestId(requestId)
      ? requestId
      : newRequestId(tracing);

    const incoming = this.#incoming;
    let decision = Sampling.Defer;
    let found = readB3Single(values.b3, incoming);
    if (found === Found.SamplingOnly) decision = incoming.sampling;
    if (found !== Found.Context) {
      found = readB3Multi(values, incoming);
      if (found === Found.SamplingOnly && decision === Sampling.Defer) decision = incoming.sampling;
    }
    let fromW3c = false;
    if (found !== Found.Context) {
      found = readTraceparent(values.traceparent, incoming);
      fromW3c = found === Found.Context;
    }
    if (found === Found.Context) {
      this.traceId = incoming.traceId;
      this.parentSpanId = incoming.spanId;
      decision = incoming.sampling;
    } else {
      this.traceId = tracing.ids.traceId();
      this.parentSpanId = undefined;
    }
    this.debug = decision === Sampling.Debug;
    this.sampled = decision === Sampling.Defer ? draw(tracing) : decision !== Sampling.Deny;
    this.spanId = tracing.ids.spanId();
    this.tracestate = values.tracestate !== undefined && isForwardableTracestate(values.tracestate) && (fromW3c || this.#sameW3cTrace())
      ? values.tracestate
      : undefined;
  }

  /** A B3 context was kept: its tracestate still applies when the traceparent names the same trace. */
  #sameW3cTrace(): boolean {
    return this.parentSpanId !== undefined
      && readTraceparent(this.values.traceparent, this.#w3c) === Found.Context
      && this.#w3c.traceId === otelTraceId(this.traceId);
  }

  /** Whether this request gets an OTel span: an SDK is registered and the trace is sampled. */
  wantsSpan(tracing: TracingRuntime): boolean {
    return this.sampled && tracing.tracer !== undefined;
  }

  /**
   * Starts Sluice's span (after `decide`, before anything is sent upstream) and adopts its ids: the
   * endpoint's parent is then the span the SDK records. For a trace Sluice starts, the SDK's own
   * sampler has the last word.
   */
  startSpan(tracing: TracingRuntime, request: SpanRequest): void {
    const parent = this.parentSpanId === undefined ? undefined : {
      traceId: this.traceId, spanId: this.parentSpanId, sampled: this.sampled, tracestate: this.tracestate,
    };
    const span = (this.#span = startServerSpan(tracing.tracer!, request, parent));
    const context = span.spanContext();
    if (!isSpanContextValid(context)) return;
    this.spanId = context.spanId;
    if (parent === undefined) {
      this.traceId = context.traceId;
      this.sampled = (context.traceFlags & TraceFlags.SAMPLED) !== 0;
    }
  }

  /** Ends the span, if this request has one; `resends` counts attempts after the first, `peer` is the last try's endpoint. */
  end(status: number, resends: number, peer: SpanPeer | undefined): void {
    const span = this.#span;
    if (span === undefined) return;
    this.#span = undefined;
    endServerSpan(span, status, resends, peer);
  }
}

function draw(tracing: TracingRuntime): boolean {
  const rate = tracing.sampleRate;
  return rate >= 1 || (rate > 0 && tracing.random.next() < rate);
}
