// Tracing as compiled once per snapshot for the data plane: the configured choices as booleans, the
// id and chance sources, and the OpenTelemetry tracer when an SDK is registered (checked at compile,
// so with none registered a request does no span work at all).
import type { Tracer } from '@opentelemetry/api';
import type { Random } from '../balancing/random.js';
import type { TracingSnapshot } from '../snapshot.js';
import type { TraceIdSource } from './trace-ids.js';

export interface TracingRuntime {
  /** false: trace and request-id headers pass through untouched, and nothing below is used. */
  readonly enabled: boolean;
  /** Share of new traces (and of incoming ones without a decision) that Sluice marks sampled. */
  readonly sampleRate: number;
  /** Which formats Sluice writes for the endpoint: single `b3`, `x-b3-*`, W3C `traceparent`. */
  readonly b3: boolean;
  readonly b3multi: boolean;
  readonly w3c: boolean;
  readonly preserveRequestId: boolean;
  readonly generateRequestId: boolean;
  readonly ids: TraceIdSource;
  readonly random: Random;
  /** UUID v4 for new request ids. */
  readonly uuid: () => string;
  /** The registered SDK's tracer, or undefined when the API is the no-op default. */
  readonly tracer: Tracer | undefined;
}

export interface TracingDeps {
  readonly ids: TraceIdSource;
  readonly random: Random;
  readonly uuid: () => string;
  /** Looks up the registered tracer (see registeredTracer in hop-span.ts). */
  readonly tracer: () => Tracer | undefined;
}

export function compileTracing(tracing: TracingSnapshot, deps: TracingDeps): TracingRuntime {
  return {
    enabled: tracing.enabled,
    sampleRate: tracing.sampleRate,
    b3: tracing.propagation.includes('b3'),
    b3multi: tracing.propagation.includes('b3multi'),
    w3c: tracing.propagation.includes('w3c'),
    preserveRequestId: tracing.requestId.preserve,
    generateRequestId: tracing.requestId.generate,
    ids: deps.ids,
    random: deps.random,
    uuid: deps.uuid,
    tracer: tracing.enabled ? deps.tracer() : undefined,
  };
}

/** A new request id when Sluice makes them (tracing on, `requestId.generate`); else undefined. */
export function newRequestId(tracing: TracingRuntime): string | undefined {
  return tracing.enabled && tracing.generateRequestId ? tracing.uuid() : undefined;
}
