// One HTTP/2 stream from a client, proxied: route, pick (per request, so one client connection spreads
// over every endpoint), then a stream on an HTTP/2 session to the endpoint (h2/h2c clusters) or an
// HTTP/1.1 exchange on Sluice's own pool (http1 clusters, through H2ToH1Bridge), retried on another
// endpoint as the route's policy allows. Headers, data and trailers are relayed as they come with
// backpressure; errors Sluice answers itself become gRPC trailers-only responses for gRPC calls. The
// deadlines (request, try, back-off) are checked on the coarse ticker.
import http2, { type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { performance } from 'node:perf_hooks';
import type { EndpointTable } from '../balancing/endpoint-table.js';
import type { Random } from '../balancing/random.js';
import { errorTable, type ErrorCode } from '../errors.js';
import { grpcErrorHeaders, grpcErrorTrailers, isGrpcContentType, parseGrpcTimeout } from '../grpc/grpc-status.js';
import type { AccessLog } from '../observability/access-log/access-log.js';
import type { AccessLogEntry } from '../observability/access-log/access-log-entry.js';
import { methodIndex } from '../observability/method-index.js';
import type { RouteStats } from '../observability/route-stats.js';
import type { WorkerMetrics } from '../observability/worker-metrics.js';
import { NO_RETRY, RequestAttempts } from '../resilience/request-attempts.js';
import { retriesStatus, TryFailure, tryFailureOf } from '../resilience/retry-policy.js';
import type { ClusterRuntime, ListenerRuntime, RouteTarget, Runtime, UpstreamEndpoint } from '../worker/runtime.js';
import { http1TraceFields, setTraceFields } from '../tracing/trace-fields.js';
import { TRACE_HEADER_NAMES, readH2TraceHeaders } from '../tracing/trace-headers.js';
import { TraceHop } from '../tracing/trace-hop.js';
import type { TracingRuntime } from '../tracing/tracing-runtime.js';
import { httpsLocation, setForwardedFields } from '../proxy/forwarding.js';
import { h1Request, H2ToH1Bridge, type H1Request, type H1SideOwner } from './h2-to-h1-bridge.js';
import type { DownstreamStream } from './downstream-stream.js';
import type { Expiring, StreamDeadlines } from './stream-deadlines.js';
import { upstreamFailure } from './upstream-failure.js';
import { cancelStream, wasRefused } from './upstream-h2-pool.js';

const { NGHTTP2_INTERNAL_ERROR, NGHTTP2_NO_ERROR, NGHTTP2_FLAG_END_STREAM, HTTP2_HEADER_STATUS } = http2.constants;

export interface H2ExchangeDeps {
  readonly table: EndpointTable;
  readonly metrics: WorkerMetrics;
  readonly deadlines: StreamDeadlines;
  /** Jitter of the retry back-off. */
  readonly random: Random;
  runtime(): Runtime;
}

/** Request body bytes kept for a replay on another endpoint; a longer body is not retried once sent. */
const REPLAY_LIMIT_BYTES = 64 * 1024;

// node:http2 copies the options of respond() and request(), so shared objects serve every stream.
const END_STREAM = { endStream: true } as const;
const WAIT_FOR_TRAILERS = { waitForTrailers: true } as const;
const NO_TRAILERS = {};

function appendSetCookie(headers: OutgoingHttpHeaders, cookie: string): void {
  const existing = headers['set-cookie'];
  headers['set-cookie'] = existing === undefined ? cookie : [...(Array.isArray(existing) ? existing : [String(existing)]), cookie];
}

export class H2Exchange implements H1SideOwner, Expiring, AccessLogEntry {
  readonly #stream: DownstreamStream;
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
  #attempts: RequestAttempts | undefined;
  /** Set while the request holds a unit of the cluster's `maxRequests`. */
  #cluster: ClusterRuntime | undefined;
  /** The current try's endpoint (counted in its in-flight requests). */
  #accessLog: AccessLog | undefined;
  #sentAt = 0;
  #upstreamMs: number | undefined;
  #error: ErrorCode | undefined;
  /** The endpoint of the last try, kept for the access log once the try is dropped. */
  #finalEndpoint: UpstreamEndpoint | undefined;
  #endpoint: UpstreamEndpoint | undefined;
  /** `performance.now()` time of the earliest deadline — whole request, current try, a retry's back-off (checked on the ticker). */
  deadline = Infinity;
  #requestDeadline = Infinity;
  #tryDeadline = Infinity;
  #retryAt = Infinity;
  #upstream: ClientHttp2Stream | undefined;
  #bridge: H2ToH1Bridge | undefined;
  /** The request for http1 endpoints, built once for every try. */
  #h1Request: H1Request | undefined;
  #trailers: IncomingHttpHeaders | undefined;
  #hasBody = false;
  /** Body chunks sent so far (h2 endpoints), kept while they fit REPLAY_LIMIT_BYTES. */
  #held: Buffer[] | undefined;
  #heldBytes = 0;
  /** Everything sent of the body can be sent again. */
  #replayable = true;
  #status = 0;
  /** Body bytes received from the client and sent to it (a dropped try's bridge adds its counts). */
  #bytesIn = 0;
  #bytesOut = 0;
  #responded = false;
  #done = false;

  constructor(stream: DownstreamStream, headers: IncomingHttpHeaders, raw: readonly string[], listener: ListenerRuntime,
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
    this.#accessLog = runtime.accessLog;
    this.#deps.metrics.activeRequests++;
    const redirect = target !== undefined && target.redirectToHttps && this.#listener.proto === 'http';
    let endpoint: UpstreamEndpoint | undefined;
    if (target !== undefined && !redirect) {
      const attempts = (this.#attempts = new RequestAttempts(this.#deps.random));
      attempts.start(target, String(headers[':method']));
      target.cluster.requestKeys.fromH2(headers, this.#clientIp, attempts.pick);
      endpoint = attempts.next();
    }
    this.#beginTrace(runtime.tracing, authority, path, target);
    if (target === undefined) {
      this.#stats = this.#listener.unrouted;
      return this.#reply('no_route');
    }
    this.#stats = target.stats[this.#listener.index]!;
    if (redirect) return this.#redirect(authority, path, runtime.httpsPort);
    const cluster = target.cluster;
    if (endpoint === undefined) return this.#reply('no_healthy_endpoint');
    if (!cluster.breakers.beginRequest()) return this.#reply('overflow');
    this.#cluster = cluster;

    const timeoutMs = (this.#grpc ? parseGrpcTimeout(headers['grpc-timeout'] as string | undefined) : undefined) ?? target.requestTimeoutMs;
    // From the precise clock, not the ticker's (up to one tick old): a deadline may fire a tick late, never early.
    this.#requestDeadline = performance.now() + timeoutMs;
    const stream = this.#stream;
    this.#sentAt = performance.now();
    const hasBody = (this.#hasBody = !stream.readableEnded && !stream.endAfterHeaders);
    const tracing = this.#tracing;
    if (endpoint.h2 === undefined) {
      const traceLines = tracing.enabled ? http1TraceFields(this.trace, tracing) : undefined;
      this.#h1Request = h1Request(headers, this.#raw, authority, this.#clientIp, this.#listener, hasBody, traceLines);
      // The bridge streams the body straight to its connection: nothing of it is held for a replay.
      this.#replayable = !hasBody;
      return this.#beginTry(endpoint);
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
    if (hasBody) this.#forwardBody();
    this.#beginTry(endpoint);
  }

  /** Tries made for this request, retries included: for the access log. */
  get attempts(): number {
    return this.#attempts?.count ?? 0;
  }

  /** `deadline` passed (the ticker took this exchange off its list): the whole request's, the try's, or a back-off's. */
  expire(): void {
    const now = performance.now();
    if (this.#requestDeadline <= now) return this.#fail('upstream_timeout');
    if (this.#retryAt <= now) {
      this.#retryAt = Infinity;
      return this.#nextTry();
    }
    if (this.#tryDeadline <= now) {
      this.#tryDeadline = Infinity;
      return this.#tryFailed(TryFailure.PerTryTimeout, 'upstream_timeout');
    }
    this.#schedule();
  }

  #schedule(): void {
    this.deadline = Math.min(this.#requestDeadline, this.#tryDeadline, this.#retryAt);
    this.#deps.deadlines.add(this);
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
  #beginTrace(tracing: TracingRuntime, authority: string | undefined, path: string, target: RouteTarget | undefined): void {
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
    });
  }

  /** Adds the request id to a response head for the client (replacing the endpoint's). */
  #withRequestId(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
    if (this.trace.requestId !== undefined) headers['x-request-id'] = this.trace.requestId;
    return headers;
  }

  // ── tries ──────────────────────────────────────────────────────────────────────────────────────

  /** Counts a try on `endpoint`, starts its per-try deadline and sends the request. */
  #beginTry(endpoint: UpstreamEndpoint): void {
    this.#endpoint = endpoint;
    this.#deps.table.beginRequest(endpoint.slot);
    const perTryMs = this.#attempts!.policy.perTryTimeoutMs;
    this.#tryDeadline = perTryMs === 0 ? Infinity : performance.now() + perTryMs;
    this.#schedule();
    if (endpoint.h2 !== undefined) this.#sendH2(endpoint);
    else (this.#bridge = new H2ToH1Bridge(this.#stream, this, endpoint.pool, this.#h1Request!)).send();
  }

  /** A try failed before anything of its response reached the client: retry it when the policy allows, else answer `code`. */
  #tryFailed(failure: TryFailure | undefined, code: ErrorCode): void {
    this.#attempts!.recordGatewayFailure();
    if (failure === undefined || !this.#retry(failure)) this.#fail(code);
  }

  /** Drops the current try and starts the next (at once, or after the back-off) if allowed; false: nothing changed. */
  #retry(failure: TryFailure): boolean {
    const delay = this.#attempts!.retryDelay(failure, this.#replayable);
    if (delay === NO_RETRY) return false;
    this.#dropTry();
    this.#tryDeadline = Infinity;
    // A body still arriving has nowhere to go during a back-off: such a request is retried at once.
    if (delay > 0 && (!this.#hasBody || this.#stream.readableEnded)) {
      this.#retryAt = performance.now() + delay;
      this.#schedule();
    } else {
      this.#nextTry();
    }
    return true;
  }

  #nextTry(): void {
    const endpoint = this.#attempts!.next();
    if (endpoint === undefined) return this.#fail('no_healthy_endpoint');
    this.#beginTry(endpoint);
  }

  /** The response head goes to the client: only the whole request's deadline runs on. */
  #responseStarts(): void {
    this.#tryDeadline = Infinity;
    this.deadline = this.#requestDeadline;
  }

  /** Ends the current try: its stream or connection is dropped and the endpoint's in-flight count released. */
  #dropTry(): void {
    const upstream = this.#upstream;
    this.#upstream = undefined;
    if (upstream !== undefined) cancelStream(upstream);
    const bridge = this.#bridge;
    if (bridge !== undefined) {
      // Its client 'data' listener counts on after this, unread: the next try's bridge counts from here.
      this.#bridge = undefined;
      bridge.abort();
      this.#bytesIn += bridge.requestBytes;
      this.#bytesOut += bridge.responseBytes;
    }
    if (this.#endpoint !== undefined) {
      this.#deps.table.endRequest(this.#endpoint.slot);
      this.#finalEndpoint = this.#endpoint;
    }
    this.#endpoint = undefined;
  }

  // ── h2 / h2c endpoints ─────────────────────────────────────────────────────────────────────────

  #sendH2(endpoint: UpstreamEndpoint): void {
    const stream = this.#stream;
    const upstream = (this.#upstream = endpoint.h2!.request(this.#headers, !this.#hasBody));
    let failure: unknown;
    upstream.on('headers', (interim) => this.#onH2Interim(upstream, interim));
    upstream.on('response', (responseHeaders, flags) => this.#onH2Response(upstream, responseHeaders, flags));
    upstream.on('trailers', (received) => { if (this.#upstream === upstream) this.#trailers = received; });
    upstream.on('error', (error) => { failure = error; });
    upstream.on('close', () => {
      if (this.#done || this.#upstream !== upstream) return;
      if (!this.#responded) {
        const code = upstreamFailure(failure);
        if (code === 'overflow') return this.#fail(code); // the pool's breakers refused: not the endpoint's failure
        return this.#tryFailed(wasRefused(upstream) ? TryFailure.RefusedStream : tryFailureOf(code), code);
      }
      if (upstream.rstCode !== NGHTTP2_NO_ERROR && !stream.writableEnded) stream.close(NGHTTP2_INTERNAL_ERROR);
    });
    if (!this.#hasBody || this.#attempts!.count === 1) return;
    // A retry: what the earlier tries were sent goes again, then the rest as it arrives.
    if (this.#held !== undefined) for (const chunk of this.#held) upstream.write(chunk);
    if (stream.readableEnded) upstream.end();
  }

  /** An interim response (100 Continue, 103 Early Hints) goes to the client as received, ahead of the final head. */
  #onH2Interim(upstream: ClientHttp2Stream, headers: IncomingHttpHeaders): void {
    if (this.#upstream === upstream && this.#open() && !this.#stream.headersSent) this.#stream.additionalHeaders(headers as OutgoingHttpHeaders);
  }

  /** The endpoint's header list goes to the client as received (node:http2 copies it; an HTTP/2 peer
   *  cannot send connection-specific fields), DATA follows with backpressure, then its trailers. */
  #onH2Response(upstream: ClientHttp2Stream, headers: IncomingHttpHeaders, flags: number): void {
    if (!this.#open()) return;
    const stream = this.#stream;
    const status = Number(headers[HTTP2_HEADER_STATUS]);
    if (this.responseArrived(status)) return;
    this.#responseStarts();
    const endStream = (flags & NGHTTP2_FLAG_END_STREAM) !== 0;
    this.#respond(status, headers as OutgoingHttpHeaders, endStream, true);
    if (endStream) return;
    stream.once('wantTrailers', () => stream.sendTrailers(this.#trailers ?? NO_TRAILERS));
    upstream.on('data', (chunk: Buffer) => {
      this.#bytesOut += chunk.length;
      if (!stream.write(chunk)) upstream.pause();
    });
    stream.on('drain', () => upstream.resume());
    upstream.once('end', () => stream.end());
  }

  /** The client's request body to the current try's stream, with backpressure, held for a replay while it fits. */
  #forwardBody(): void {
    const stream = this.#stream;
    stream.on('data', (chunk: Buffer) => {
      this.#bytesIn += chunk.length;
      this.#hold(chunk);
      const upstream = this.#upstream;
      if (upstream === undefined) return;
      if (!upstream.write(chunk)) {
        stream.pause();
        upstream.once('drain', () => stream.resume());
      }
    });
    stream.once('end', () => this.#upstream?.end());
  }

  #hold(chunk: Buffer): void {
    if (!this.#replayable) return;
    this.#heldBytes += chunk.length;
    if (this.#heldBytes > REPLAY_LIMIT_BYTES) {
      this.#replayable = false;
      this.#held = undefined;
    } else {
      (this.#held ??= []).push(chunk);
    }
  }

  // ── H1SideOwner (http1 endpoints) ──────────────────────────────────────────────────────────────

  /** The try's final status (also from h2 endpoints): its outcome is told; a status the policy retries is dropped unseen. */
  responseArrived(status: number): boolean {
    const attempts = this.#attempts!;
    attempts.recordResponse(status);
    return retriesStatus(attempts.policy, status) && this.#retry(TryFailure.Status);
  }

  /** The HTTP/1.1 endpoint's response head, for the client; the request id is added to it. */
  respond(status: number, headers: OutgoingHttpHeaders, endStream: boolean, waitForTrailers: boolean): void {
    this.#responseStarts();
    this.#respond(status, headers, endStream, waitForTrailers);
  }

  bridgeFailed(code: ErrorCode, responseStarted: boolean): void {
    if (this.#done) return;
    if (responseStarted || code === 'overflow') this.#fail(code);
    else this.#tryFailed(tryFailureOf(code), code);
  }

  // ── shared ─────────────────────────────────────────────────────────────────────────────────────

  /** `waitForTrailers` is forced for gRPC: a call can then always end with a grpc-status in trailers
   *  (a try's own, or Sluice's error after the head); with no trailers to send, node:http2 sends an empty set. */
  #respond(status: number, headers: OutgoingHttpHeaders, endStream: boolean, waitForTrailers: boolean): void {
    this.#responded = true;
    this.#status = status;
    this.#upstreamMs = performance.now() - this.#sentAt;
    headers[HTTP2_HEADER_STATUS] = status;
    // Pin the client to this endpoint unless its affinity cookie already does.
    const cookie = this.#attempts?.setCookieFor(this.#endpoint);
    if (cookie !== undefined) appendSetCookie(headers, cookie);
    this.#stream.respond(this.#withRequestId(headers), endStream ? END_STREAM : waitForTrailers || this.#grpc ? WAIT_FOR_TRAILERS : undefined);
  }

  /** Sluice's own answer: trailers-only for gRPC (HTTP 200 + grpc-status), else the error's status and code. */
  #reply(code: ErrorCode): void {
    const stream = this.#stream;
    this.#error = code;
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
    const body = `${status} (${code})\n`;
    this.#bytesOut = body.length;
    stream.end(body);
  }

  #redirect(authority: string | undefined, path: string, httpsPort: number | undefined): void {
    if (authority === undefined || httpsPort === undefined) return this.#reply('bad_request');
    if (!this.#open()) return;
    this.#responded = true;
    this.#status = 308;
    this.#stream.respond(this.#withRequestId({ [HTTP2_HEADER_STATUS]: 308, location: httpsLocation(authority, httpsPort, path) }), END_STREAM);
  }

  /**
   * An expected failure: a local reply while nothing was answered. After the head, a gRPC call past its
   * deadline still ends properly, with DEADLINE_EXCEEDED in trailers (as Envoy does); anything else is
   * reset: plain HTTP cannot signal an error once the head is sent, and an endpoint that broke mid-call
   * must not look like UNAVAILABLE (which invites a retry of a call that partly ran).
   */
  #fail(code: ErrorCode): void {
    if (this.#done) return;
    // Failures here come from the endpoint's side (a breaker's aside); after a response its outcome is already told.
    if (code !== 'overflow') this.#attempts?.recordGatewayFailure();
    this.#error = code;
    this.#dropTry();
    const stream = this.#stream;
    if (!this.#responded) this.#reply(code);
    else if (code === 'upstream_timeout' && this.#grpc && !stream.writableEnded && this.#open()) this.#endWithError(code);
    else if (!stream.destroyed) stream.close(NGHTTP2_INTERNAL_ERROR);
  }

  /** Ends a gRPC response under way (the try is dropped) with Sluice's error: its trailers replace whatever the try would have sent. */
  #endWithError(code: ErrorCode): void {
    const stream = this.#stream;
    const trailers = grpcErrorTrailers(code, errorTable[code].description);
    stream.removeAllListeners('wantTrailers');
    stream.once('wantTrailers', () => stream.sendTrailers(trailers));
    stream.end();
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
    this.#dropTry();
    const attempts = this.#attempts;
    if (this.#cluster !== undefined) {
      this.#cluster.breakers.endRequest();
      attempts!.finish();
    }
    this.trace.end(this.#status, attempts?.retries ?? 0, this.#finalEndpoint);
    this.#deps.metrics.activeRequests--;
    this.#stats.record(methodIndex(this.method), this.#status, (performance.now() - this.#startedAt) / 1000, this.#bytesIn, this.#bytesOut);
    this.#finalEndpoint?.stats.record(this.#status, this.#error);
    this.#accessLog?.log(this);
  }

  // ── AccessLogEntry (read only while #finish logs) ─────────────────────────────────────────────

  get startedAt(): number { return this.#startedAt; }
  get clientAddress(): string { return this.#clientIp; }
  get method(): string { return this.#headers[':method'] ?? ''; }
  get host(): string | undefined { return this.#headers[':authority'] ?? this.#headers.host; }
  get path(): string { return this.#headers[':path'] ?? '/'; }
  get protocol(): string { return 'HTTP/2'; }
  get status(): number { return this.#status; }
  get bytesIn(): number { return this.#bytesIn; }
  get bytesOut(): number { return this.#bytesOut; }
  get upstream(): string | undefined { return this.#finalEndpoint?.address; }
  get upstreamMs(): number | undefined { return this.#upstreamMs; }
  get route(): string | undefined { return this.#stats.route || undefined; }
  get cluster(): string | undefined { return this.#stats.cluster || undefined; }
  get errorCode(): ErrorCode | undefined { return this.#error; }
  get retries(): number { return this.#attempts?.retries ?? 0; }
}

function ignoreError(): void { /* 'close' follows */ }
