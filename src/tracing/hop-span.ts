// Sluice's span for one proxied request through @opentelemetry/api: a SERVER span whose parent is the
// incoming context, with the HTTP semantic-convention attributes. Knows nothing of headers or sockets.
import {
  ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, createTraceState, isSpanContextValid, trace,
  type Attributes, type Context, type Span, type Tracer,
} from '@opentelemetry/api';
import { requestHostName } from '../routing/request-host.js';

const TRACER_NAME = 'sluice';

/**
 * The tracer of the registered SDK, or undefined while the API is its no-op default: the no-op
 * tracer answers a root span with the invalid span context. (A real SDK's probe span is never ended,
 * so never exported.)
 */
export function registeredTracer(): Tracer | undefined {
  const tracer = trace.getTracer(TRACER_NAME);
  return isSpanContextValid(tracer.startSpan('sluice.probe', { root: true }).spanContext()) ? tracer : undefined;
}

/** What a span says about the request; built only for requests that get a span. */
export interface SpanRequest {
  readonly method: string;
  /** The request-target (path and query). */
  readonly target: string;
  readonly scheme: string;
  /** Host or :authority as received. */
  readonly host: string | undefined;
  /** '1.1' or '2'. */
  readonly protocolVersion: string;
  readonly clientAddress: string;
  /** The matched path rule; undefined when no rule matched (or the default backend served). */
  readonly route: string | undefined;
  readonly cluster: string | undefined;
}

/** The endpoint of a request's last try: the one whose answer the span reports (not the first picked). */
export interface SpanPeer {
  readonly host: string;
  readonly port: number;
}

/** The remote parent a span continues: ids as OTel wants them (a 64-bit B3 trace id is left-padded). */
export interface RemoteParent {
  readonly traceId: string;
  readonly spanId: string;
  readonly sampled: boolean;
  readonly tracestate: string | undefined;
}

const PAD_64_BIT = '0000000000000000';

export function otelTraceId(traceId: string): string {
  return traceId.length === 16 ? PAD_64_BIT + traceId : traceId;
}

function parentContext(parent: RemoteParent | undefined): Context {
  if (parent === undefined) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: otelTraceId(parent.traceId),
    spanId: parent.spanId,
    traceFlags: parent.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
    ...(parent.tracestate === undefined ? {} : { traceState: createTraceState(parent.tracestate) }),
  });
}

function startAttributes(request: SpanRequest): Attributes {
  const query = request.target.indexOf('?');
  const attributes: Attributes = {
    'http.request.method': request.method,
    'url.path': query < 0 ? request.target : request.target.slice(0, query),
    'url.scheme': request.scheme,
    'network.protocol.name': 'http',
    'network.protocol.version': request.protocolVersion,
    'client.address': request.clientAddress,
  };
  if (query >= 0) attributes['url.query'] = request.target.slice(query + 1);
  if (request.host !== undefined) attributes['server.address'] = requestHostName(request.host);
  if (request.route !== undefined) attributes['http.route'] = request.route;
  if (request.cluster !== undefined) attributes['sluice.cluster'] = request.cluster;
  return attributes;
}

export function startServerSpan(tracer: Tracer, request: SpanRequest, parent: RemoteParent | undefined): Span {
  const name = request.route === undefined ? request.method : `${request.method} ${request.route}`;
  return tracer.startSpan(name, { kind: SpanKind.SERVER, attributes: startAttributes(request) }, parentContext(parent));
}

/**
 * Records the outcome and ends the span; `resends` counts attempts after the first, `peer` is the last
 * try's endpoint (undefined when none was picked: a local reply).
 */
export function endServerSpan(span: Span, status: number, resends: number, peer: SpanPeer | undefined): void {
  if (status > 0) span.setAttribute('http.response.status_code', status);
  if (resends > 0) span.setAttribute('http.request.resend_count', resends);
  if (peer !== undefined) {
    span.setAttribute('network.peer.address', peer.host);
    span.setAttribute('network.peer.port', peer.port);
  }
  if (status >= 500 || status === 0) {
    // Semantic conventions: server spans are errors for 5xx only; 0 means no response was sent.
    span.setAttribute('error.type', status === 0 ? 'incomplete' : String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}
