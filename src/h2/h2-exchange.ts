// One HTTP/2 stream from a client, proxied: route, pick (per request, so one client connection spreads
// over every endpoint), then a stream on an HTTP/2 session to the endpoint (h2/h2c clusters) or an
// HTTP/1.1 exchange on Sluice's own pool (http1 clusters, through H2ToH1Bridge). Headers, data and
// trailers are relayed as they come with backpressure; errors Sluice answers itself become gRPC
// trailers-only responses for gRPC calls. The deadline is checked on the coarse ticker.
import http2, { type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { performance } from 'node:perf_hooks';
import type { EndpointTable } from '../balancing/endpoint-table.js';
import { errorTable, type ErrorCode } from '../errors.js';
import { grpcErrorHeaders, isGrpcContentType, parseGrpcTimeout } from '../grpc/grpc-status.js';
import type { RouteStats } from '../observability/route-stats.js';
import type { OutcomeRecorder } from '../outlier/outcome-recorder.js';
import type { WorkerMetrics } from '../observability/worker-metrics.js';
import type { ListenerRuntime, RouteTarget, Runtime, UpstreamEndpoint } from '../worker/runtime.js';
import { http1TraceFields, setTraceFields } from '../tracing/trace-fields.js';
import { TRACE_HEADER_NAMES, readH2TraceHeaders } from '../tracing/trace-headers.js';
import { TraceHop } from '../tracing/trace-hop.js';
import type { TracingRuntime } from '../tracing/tracing-runtime.js';
import { httpsLocation, setForwardedFields } from '../proxy/forwarding.js';
import { h1Request, H2ToH1Bridge, type H1SideOwner } from './h2-to-h1-bridge.js';
import type { Expiring, StreamDeadlines } from './stream-deadlines.js';
import { upstreamFailure } from './upstream-failure.js';
import { wasRefused } from './upstream-h2-pool.js';

const { NGHTTP2_CANCEL, NGHTTP2_INTERNAL_ERROR, NGHTTP2_NO_ERROR, NGHTTP2_FLAG_END_STREAM, HTTP2_HEADER_STATUS } = http2.constants;

export interface H2ExchangeDeps {
  readonly table: EndpointTable;
  readonly metrics: WorkerMetrics;
  readonly deadlines: StreamDeadlines;
  runtime(): Runtime;
}

// node:http2 copies the options of respond() and request(), so shared objects serve every stream.
const END_STREAM = { endStream: true } as const;
const WAIT_FOR_TRAILERS = { waitForTrailers: true } as const;
const NO_TRAILERS = {};

export class H2Exchange implements H1SideOwner, Expiring {
  readonly #stream: ServerHttp2Stream;
  readonly #headers: IncomingHttpHeaders;
  readonly #raw: readonly string[];
  readonly #listener: ListenerRuntime;
  readonly #clientIp: string;
  readonly #deps: H2ExchangeDeps;
  readonly #grpc: boolean;
  readonly #startedAt = performance.now();
  /** This request's id and trace context (also what the access log reads). */
  readonly trace = new TraceHop();
  #tracing!: TracingRuntime;
  #stats!: RouteStats;
  #endpoint: UpstreamEndpoint | undefined;
  #outcomes: OutcomeRecorder | undefined;
  /** `performance.now()` time after which the request times out (checked on the ticker). */
  deadline = Infinity;
  #upstream: ClientHttp2Stream | undefined;
  #bridge: H2ToH1Bridge | undefined;
  #trailers: IncomingHttpHeaders | undefined;
  #status = 0;
  #responded = false;
  #bodyForwarded = false;
  #done = false;

  constructor(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, raw: readonly string[], listener: ListenerRuntime,
              clientIp: string, deps: H2ExchangeDeps) {
    this.#stream = stream;
    this.#headers = headers;
    this.#raw = raw;
    this.#listener = listener;
    this.#clientIp = clientIp;
    this.#deps = deps;
    this.#grpc = isGrpcContentType(headers['content-type']);
    stream.on('error', ignoreError);
    stream.once('close', () => this.#finish());
  }

  start(): void {
    const runtime = this.#deps.runtime();
    const headers = this.#headers;
    const authority = headers[':authority'] ?? headers.host;
    const path = headers[':path'] ?? '/';
    const target = runtime.router.match(authority, path);
    const redirect = target !== undefined && target.redirectToHttps && this.#listener.proto === 'http';
    const endpoint = (this.#endpoint = target === undefined || redirect ? undefined : target.cluster.balancer.pick({ attempt: 0 }));
    this.#beginTrace(runtime.tracing, authority, path, target, endpoint);
    if (target === undefined) {
      this.#stats = runtime.unrouted;
      return this.#reply('no_route');
    }
    this.#stats = target.stats;
    if (redirect) return this.#redirect(authority, path, runtime.httpsPort);
    const cluster = target.cluster;
    if (endpoint === undefined) return this.#reply('no_healthy_endpoint');
    this.#deps.table.beginRequest(endpoint.slot);
    this.#outcomes = cluster.outcomes;

    const deadlines = this.#deps.deadlines;
    const timeoutMs = (this.#grpc ? parseGrpcTimeout(headers['grpc-timeout'] as string | undefined) : undefined) ?? target.requestTimeoutMs;
    // From the precise clock, not the ticker's (up to one tick old): a deadline may fire a tick late, never early.
    this.deadline = performance.now() + timeoutMs;
    deadlines.add(this);
    const stream = this.#stream;
    const hasBody = !stream.readableEnded && !stream.endAfterHeaders;
    const tracing = this.#tracing;
    if (endpoint.h2 === undefined) {
      const traceLines = tracing.enabled ? http1TraceFields(this.trace, tracing) : undefined;
      const request = h1Request(headers, this.#raw, authority, this.#clientIp, this.#listener, hasBody, traceLines);
      (this.#bridge = new H2ToH1Bridge(stream, this, endpoint.pool, request)).send();
      return;
    }
    // The received header list goes on as the endpoint's: node:http2 copies it, and only these fields change.
    headers[':scheme'] = cluster.protocol === 'h2' ? 'https' : 'http';
    if (headers[':authority'] === undefined && authority !== undefined) headers[':authority'] = authority;
    if (headers.host !== undefined) delete headers.host;
    setForwardedFields(headers, headers['x-forwarded-for'], this.#clientIp, this.#listener, authority);
    if (tracing.enabled) {
      for (const name of TRACE_HEADER_NAMES) if (headers[name] !== undefined) delete headers[name];
      setTraceFields(headers as OutgoingHttpHeaders, this.trace, tracing);
    }
    this.#sendH2(endpoint, !hasBody, false);
  }

  /** The request deadline passed. */
  expire(): void {
    this.#fail('upstream_timeout');
  }

  /** The request id of this request (undefined: tracing off, or none generated). */
  get requestId(): string | undefined {
    return this.trace.requestId;
  }

  /** The trace id sent upstream for this request ('' while tracing is off). */
  get traceId(): string {
    return this.trace.traceId;
  }

  /** Reads the incoming trace headers, decides this hop and starts its span (before anything is sent). */
  #beginTrace(
    tracing: TracingRuntime, authority: string | undefined, path: string,
    target: RouteTarget | undefined, endpoint: UpstreamEndpoint | undefined,
  ): void {
    const trace = this.trace;
    this.#tracing = tracing;
    if (!tracing.enabled) return;
    readH2TraceHeaders(this.#headers, trace.values);
    trace.decide(tracing);
    if (!trace.wantsSpan(tracing)) return;
    trace.startSpan(tracing, {
      method: String(this.#headers[':method']),
      target: path,
      scheme: this.#listener.proto,
      host: authority,
      protocolVersion: '2',
      clientAddress: this.#clientIp,
      route: target?.route,
      cluster: target?.cluster.name,
      endpoint,
    });
  }

  /** Adds the request id to a response head for the client (replacing the endpoint's). */
  #withRequestId(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
    if (this.trace.requestId !== undefined) headers['x-request-id'] = this.trace.requestId;
    return headers;
  }

  // ── h2 / h2c endpoints ─────────────────────────────────────────────────────────────────────────

  #sendH2(endpoint: UpstreamEndpoint, noBody: boolean, retry: boolean): void {
    const stream = this.#stream;
    const upstream = (this.#upstream = endpoint.h2!.request(this.#headers, noBody || (retry && stream.readableEnded)));
    let failure: unknown;
    upstream.on('response', (responseHeaders, flags) => this.#onH2Response(upstream, responseHeaders, flags));
    upstream.on('trailers', (received) => { this.#trailers = received; });
    upstream.on('error', (error) => { failure = error; });
    upstream.on('close', () => {
      if (this.#done || this.#upstream !== upstream) return;
      if (!this.#responded) {
        // A refused stream never reached the application: replay it once, if no body went out yet.
        if (wasRefused(upstream) && !retry && !this.#bodyForwarded) return this.#sendH2(endpoint, noBody, true);
        return this.#fail(upstreamFailure(failure));
      }
      if (upstream.rstCode !== NGHTTP2_NO_ERROR && !stream.writableEnded) stream.close(NGHTTP2_INTERNAL_ERROR);
    });
    if (!noBody && !retry) this.#forwardBody();
  }

  /** The endpoint's header list goes to the client as received (node:http2 copies it; an HTTP/2 peer
   *  cannot send connection-specific fields), DATA follows with backpressure, then its trailers. */
  #onH2Response(upstream: ClientHttp2Stream, headers: IncomingHttpHeaders, flags: number): void {
    if (!this.#open()) return;
    const stream = this.#stream;
    const status = Number(headers[HTTP2_HEADER_STATUS]);
    this.#outcomes!.response(this.#endpoint!.slot, status);
    const endStream = (flags & NGHTTP2_FLAG_END_STREAM) !== 0;
    this.#respond(status, headers as OutgoingHttpHeaders, endStream);
    if (endStream) return;
    stream.once('wantTrailers', () => stream.sendTrailers(this.#trailers ?? NO_TRAILERS));
    upstream.on('data', (chunk: Buffer) => {
      if (!stream.write(chunk)) upstream.pause();
    });
    stream.on('drain', () => upstream.resume());
    upstream.once('end', () => stream.end());
  }

  /** The client's request body to the endpoint's stream, with backpressure (a replay finds it already flowing). */
  #forwardBody(): void {
    const stream = this.#stream;
    stream.on('data', (chunk: Buffer) => {
      const upstream = this.#upstream;
      if (upstream === undefined) return;
      this.#bodyForwarded = true;
      if (!upstream.write(chunk)) {
        stream.pause();
        upstream.once('drain', () => stream.resume());
      }
    });
    stream.once('end', () => this.#upstream?.end());
  }

  // ── H1SideOwner (http1 endpoints) ──────────────────────────────────────────────────────────────

  /** The HTTP/1.1 endpoint's response head, for the client; the request id is added to it. */
  respond(status: number, headers: OutgoingHttpHeaders, endStream: boolean): void {
    this.#outcomes!.response(this.#endpoint!.slot, status);
    this.#respond(status, headers, endStream);
  }

  bridgeFailed(code: ErrorCode): void {
    this.#fail(code);
  }

  // ── shared ─────────────────────────────────────────────────────────────────────────────────────

  #respond(status: number, headers: OutgoingHttpHeaders, endStream: boolean): void {
    this.#responded = true;
    this.#status = status;
    headers[HTTP2_HEADER_STATUS] = status;
    this.#stream.respond(this.#withRequestId(headers), endStream ? END_STREAM : this.#bridge === undefined ? WAIT_FOR_TRAILERS : undefined);
  }

  /** Sluice's own answer: trailers-only for gRPC (HTTP 200 + grpc-status), else the error's status and code. */
  #reply(code: ErrorCode): void {
    const stream = this.#stream;
    this.#deps.metrics.localReplies[code].inc();
    if (!this.#open() || stream.headersSent) return;
    this.#responded = true;
    if (this.#grpc) {
      this.#status = 200;
      stream.respond(this.#withRequestId(grpcErrorHeaders(code, errorTable[code].description)), END_STREAM);
      return;
    }
    const status = errorTable[code].status;
    this.#status = status;
    stream.respond(this.#withRequestId({ [HTTP2_HEADER_STATUS]: status, 'content-type': 'text/plain; charset=utf-8', 'x-sluice-error': code }));
    stream.end(`${status} (${code})\n`);
  }

  #redirect(authority: string | undefined, path: string, httpsPort: number | undefined): void {
    if (authority === undefined || httpsPort === undefined) return this.#reply('bad_request');
    if (!this.#open()) return;
    this.#responded = true;
    this.#status = 308;
    this.#stream.respond(this.#withRequestId({ [HTTP2_HEADER_STATUS]: 308, location: httpsLocation(authority, httpsPort, path) }), END_STREAM);
  }

  /** An expected failure: a local reply while nothing was answered, else the stream is reset. */
  #fail(code: ErrorCode): void {
    if (this.#done) return;
    // Every failure here comes from the endpoint's side; after a response its outcome is already told.
    if (!this.#responded && this.#endpoint !== undefined) this.#outcomes!.gatewayFailure(this.#endpoint.slot);
    this.#releaseUpstream();
    if (!this.#responded) this.#reply(code);
    else if (!this.#stream.destroyed) this.#stream.close(NGHTTP2_INTERNAL_ERROR);
  }

  #releaseUpstream(): void {
    const upstream = this.#upstream;
    this.#upstream = undefined;
    if (upstream !== undefined && !upstream.destroyed) upstream.close(NGHTTP2_CANCEL);
    this.#bridge?.abort();
  }

  /** The client stream can still take a response (it may have been reset, or its session closed). */
  #open(): boolean {
    const stream = this.#stream;
    return !this.#done && !stream.destroyed && !stream.closed && stream.session !== undefined && !stream.session.destroyed;
  }

  /** The client stream closed: record the outcome once and release everything. */
  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#deps.deadlines.delete(this);
    this.#releaseUpstream();
    if (this.#endpoint !== undefined) this.#deps.table.endRequest(this.#endpoint.slot);
    this.trace.end(this.#status, 0);
    this.#stats?.record(this.#status, (performance.now() - this.#startedAt) / 1000);
  }
}

function ignoreError(): void { /* 'close' follows */ }
