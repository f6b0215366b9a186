// One HTTP/2 stream from a client, proxied: route, pick (per request, so one client connection spreads
// over every endpoint), then a stream on an HTTP/2 session to the endpoint (h2/h2c clusters) or an
// HTTP/1.1 request through undici (http1 clusters). Headers, data and trailers are relayed as they come
// with backpressure; errors Sluice answers itself become gRPC trailers-only responses for gRPC calls.
import http2, { type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import type { EndpointTable } from '../balancing/endpoint-table.js';
import { errorTable, type ErrorCode } from '../errors.js';
import { grpcErrorHeaders, isGrpcContentType, parseGrpcTimeout } from '../grpc/grpc-status.js';
import type { RouteStats } from '../observability/route-stats.js';
import type { OutcomeRecorder } from '../outlier/outcome-recorder.js';
import type { WorkerMetrics } from '../observability/worker-metrics.js';
import type { ListenerRuntime, RouteTarget, Runtime, UpstreamEndpoint } from '../worker/runtime.js';
import { setTraceFields } from '../tracing/trace-fields.js';
import { TRACE_HEADER_NAMES, readH2TraceHeaders } from '../tracing/trace-headers.js';
import { TraceHop } from '../tracing/trace-hop.js';
import type { TracingRuntime } from '../tracing/tracing-runtime.js';
import { httpsLocation, setForwardedFields } from '../proxy/forwarding.js';
import { upstreamFailure } from './upstream-failure.js';
import { wasRefused } from './upstream-h2-pool.js';

const { NGHTTP2_CANCEL, NGHTTP2_INTERNAL_ERROR, NGHTTP2_NO_ERROR, NGHTTP2_FLAG_END_STREAM, HTTP2_HEADER_STATUS } = http2.constants;

export interface H2ExchangeDeps {
  readonly table: EndpointTable;
  readonly metrics: WorkerMetrics;
  runtime(): Runtime;
}

/** Connection-specific fields never cross an HTTP/2 hop (RFC 9113 §8.2.2), nor Sluice's forwarding fields. */
const CONNECTION_SPECIFIC = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host',
  'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port',
]);

/** Request headers for the endpoint: end-to-end fields, `te: trailers` (gRPC needs it), X-Forwarded-*, trace context. */
function forwardedHeaders(
  headers: IncomingHttpHeaders, clientIp: string, listener: ListenerRuntime, authority: string | undefined,
  trace: TraceHop, tracing: TracingRuntime,
): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const replaceTrace = tracing.enabled;
  for (const name in headers) {
    if (name.charCodeAt(0) === 0x3a /* ':' */ || CONNECTION_SPECIFIC.has(name)) continue;
    if (replaceTrace && TRACE_HEADER_NAMES.has(name)) continue;
    if (name === 'te' && headers.te !== 'trailers') continue;
    out[name] = headers[name];
  }
  setForwardedFields(out, headers['x-forwarded-for'], clientIp, listener, authority);
  setTraceFields(out, trace, tracing);
  return out;
}

/** End-to-end fields of a response head or trailer section: no pseudo-headers, nothing connection-specific. */
function endToEnd(headers: Record<string, string | string[] | number | undefined>): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) {
    if (name.charCodeAt(0) === 0x3a || CONNECTION_SPECIFIC.has(name)) continue;
    out[name] = headers[name];
  }
  return out;
}

export class H2Exchange {
  readonly #stream: ServerHttp2Stream;
  readonly #headers: IncomingHttpHeaders;
  readonly #listener: ListenerRuntime;
  readonly #deps: H2ExchangeDeps;
  readonly #grpc: boolean;
  readonly #startedAt = performance.now();
  /** This request's id and trace context (also what the access log reads). */
  readonly trace = new TraceHop();
  #tracing!: TracingRuntime;
  #stats!: RouteStats;
  #endpoint: UpstreamEndpoint | undefined;
  #outcomes: OutcomeRecorder | undefined;
  /** `:scheme` towards the endpoint: https for h2 clusters, http for h2c. */
  #scheme = 'http';
  #upstream: ClientHttp2Stream | undefined;
  #timer: NodeJS.Timeout | undefined;
  #status = 0;
  #responded = false;
  #bodyForwarded = false;
  #done = false;

  constructor(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, listener: ListenerRuntime, deps: H2ExchangeDeps) {
    this.#stream = stream;
    this.#headers = headers;
    this.#listener = listener;
    this.#deps = deps;
    this.#grpc = isGrpcContentType(headers['content-type']);
    stream.on('error', () => { /* 'close' follows */ });
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
    this.#scheme = cluster.protocol === 'h2' ? 'https' : 'http';

    const deadlineMs = (this.#grpc ? parseGrpcTimeout(headers['grpc-timeout'] as string | undefined) : undefined) ?? cluster.requestTimeoutMs;
    this.#timer = setTimeout(() => this.#fail('upstream_timeout'), deadlineMs);
    const forwarded = forwardedHeaders(headers, this.#clientIp(), this.#listener, authority, this.trace, this.#tracing);
    if (endpoint.h2 !== undefined) this.#sendH2(endpoint, forwarded, false);
    else void this.#sendH1(endpoint, forwarded);
  }

  #clientIp(): string {
    return this.#stream.session?.socket?.remoteAddress ?? '';
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
      clientAddress: this.#clientIp(),
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

  #sendH2(endpoint: UpstreamEndpoint, forwarded: OutgoingHttpHeaders, retry: boolean): void {
    const headers = this.#headers;
    const stream = this.#stream;
    const noBody = stream.readableEnded || (stream.endAfterHeaders && !retry);
    const upstream = (this.#upstream = endpoint.h2!.request({
      ...forwarded,
      ':method': headers[':method'],
      ':path': headers[':path'],
      ':authority': headers[':authority'] ?? headers.host,
      ':scheme': this.#scheme,
    }, noBody));
    let failure: unknown;
    let trailers: IncomingHttpHeaders | undefined;
    upstream.on('response', (responseHeaders, flags) => this.#onH2Response(upstream, responseHeaders, flags));
    upstream.on('trailers', (received) => { trailers = received; });
    upstream.on('error', (error) => { failure = error; });
    stream.once('wantTrailers', () => stream.sendTrailers(trailers === undefined ? {} : endToEnd(trailers)));
    upstream.on('close', () => {
      if (this.#done || this.#upstream !== upstream) return;
      if (!this.#responded) {
        // A refused stream never reached the application: replay it once, if no body went out yet.
        if (wasRefused(upstream) && !retry && !this.#bodyForwarded) return this.#sendH2(endpoint, forwarded, true);
        return this.#fail(upstreamFailure(failure));
      }
      if (upstream.rstCode !== NGHTTP2_NO_ERROR && !stream.writableEnded) stream.close(NGHTTP2_INTERNAL_ERROR);
    });
    if (!noBody) this.#forwardBody(upstream);
  }

  #onH2Response(upstream: ClientHttp2Stream, headers: IncomingHttpHeaders, flags: number): void {
    if (!this.#open()) return;
    const stream = this.#stream;
    const status = Number(headers[HTTP2_HEADER_STATUS]);
    this.#outcomes!.response(this.#endpoint!.slot, status);
    const endStream = (flags & NGHTTP2_FLAG_END_STREAM) !== 0;
    this.#respond(status, endToEnd(headers), endStream);
    if (!endStream) upstream.pipe(stream);
  }

  // ── http1 endpoints (through undici) ───────────────────────────────────────────────────────────

  async #sendH1(endpoint: UpstreamEndpoint, forwarded: OutgoingHttpHeaders): Promise<void> {
    const headers = this.#headers;
    const stream = this.#stream;
    forwarded.host = headers[':authority'] ?? headers.host;
    delete forwarded.te;
    const hasBody = !stream.readableEnded && !stream.endAfterHeaders;
    let response: Dispatcher.ResponseData;
    try {
      response = await endpoint.h1Client().request({
        method: headers[':method'] as Dispatcher.HttpMethod,
        path: headers[':path'] ?? '/',
        headers: forwarded as Record<string, string>,
        body: hasBody ? stream : null,
      });
    } catch (error) {
      return this.#fail(upstreamFailure(error));
    }
    const { statusCode, body, trailers } = response;
    this.#outcomes!.response(endpoint.slot, statusCode);
    // The client may go away at any point of the download: that aborts the body, which is not a crash.
    body.on('error', () => this.#fail('upstream_reset'));
    if (!this.#open()) {
      body.destroy();
      return;
    }
    const noBody = headers[':method'] === 'HEAD' || statusCode === 204 || statusCode === 304;
    this.#respond(statusCode, endToEnd(response.headers), noBody);
    if (noBody) {
      body.destroy();
      return;
    }
    stream.once('wantTrailers', () => stream.sendTrailers(endToEnd(trailers)));
    body.pipe(stream);
  }

  // ── shared ─────────────────────────────────────────────────────────────────────────────────────

  #forwardBody(upstream: ClientHttp2Stream): void {
    const stream = this.#stream;
    stream.on('data', (chunk: Buffer) => {
      this.#bodyForwarded = true;
      if (!upstream.write(chunk)) {
        stream.pause();
        upstream.once('drain', () => stream.resume());
      }
    });
    stream.on('end', () => upstream.end());
  }

  #respond(status: number, headers: OutgoingHttpHeaders, endStream: boolean): void {
    this.#responded = true;
    this.#status = status;
    headers[HTTP2_HEADER_STATUS] = status;
    this.#stream.respond(this.#withRequestId(headers), endStream ? { endStream: true } : { waitForTrailers: true });
  }

  /** Sluice's own answer: trailers-only for gRPC (HTTP 200 + grpc-status), else the error's status and code. */
  #reply(code: ErrorCode): void {
    const stream = this.#stream;
    this.#deps.metrics.localReplies[code].inc();
    if (!this.#open() || stream.headersSent) return;
    this.#responded = true;
    if (this.#grpc) {
      this.#status = 200;
      stream.respond(this.#withRequestId(grpcErrorHeaders(code, errorTable[code].description)), { endStream: true });
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
    this.#stream.respond(this.#withRequestId({ [HTTP2_HEADER_STATUS]: 308, location: httpsLocation(authority, httpsPort, path) }), { endStream: true });
  }

  /** An expected failure: a local reply while nothing was answered, else the stream is reset. */
  #fail(code: ErrorCode): void {
    if (this.#done) return;
    // Every failure here comes from the endpoint's side; after a response its outcome is already told.
    if (!this.#responded && this.#endpoint !== undefined) this.#outcomes!.gatewayFailure(this.#endpoint.slot);
    const upstream = this.#upstream;
    this.#upstream = undefined;
    if (upstream !== undefined && !upstream.destroyed) upstream.close(NGHTTP2_CANCEL);
    if (!this.#responded) this.#reply(code);
    else if (!this.#stream.destroyed) this.#stream.close(NGHTTP2_INTERNAL_ERROR);
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
    clearTimeout(this.#timer);
    const upstream = this.#upstream;
    if (upstream !== undefined && !upstream.destroyed) upstream.close(NGHTTP2_CANCEL);
    if (this.#endpoint !== undefined) this.#deps.table.endRequest(this.#endpoint.slot);
    this.trace.end(this.#status, 0);
    this.#stats?.record(this.#status, (performance.now() - this.#startedAt) / 1000);
  }
}
