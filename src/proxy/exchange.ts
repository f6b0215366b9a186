// One request/response exchange between a downstream connection and an endpoint: route, pick,
// forward the head and body, relay the response (or a local reply), record the outcome. One instance
// per downstream connection, reset for every request, so the steady state allocates almost nothing.
import { performance } from 'node:perf_hooks';
import type { EndpointTable } from '../balancing/endpoint-table.js';
import type { Random } from '../balancing/random.js';
import type { ErrorCode } from '../errors.js';
import {
  isParseFailure, ResponseHeadReader, serializeRequestHead, serializeResponseHead,
  type RequestHead, type ResponseHead,
} from '../http1/index.js';
import { H1ToH2Bridge, type BridgeOwner } from '../h2/h1-to-h2-bridge.js';
import type { UpstreamH2Pool } from '../h2/upstream-h2-pool.js';
import type { AccessLog } from '../observability/access-log/access-log.js';
import type { AccessLogEntry } from '../observability/access-log/access-log-entry.js';
import { methodIndex } from '../observability/method-index.js';
import type { RouteStats } from '../observability/route-stats.js';
import { NO_RETRY, RequestAttempts } from '../resilience/request-attempts.js';
import { retriesStatus, TryFailure, tryFailureOf } from '../resilience/retry-policy.js';
import type { ClusterProtocol } from '../snapshot.js';
import type { WorkerMetrics } from '../observability/worker-metrics.js';
import type { ClusterRuntime, ListenerRuntime, RouteTarget, Runtime, UpstreamEndpoint } from '../worker/runtime.js';
import { http1TraceFields, requestIdLine, setTraceFields } from '../tracing/trace-fields.js';
import { dropHttp1RequestId, readHttp1TraceHeaders } from '../tracing/trace-headers.js';
import { TraceHop } from '../tracing/trace-hop.js';
import type { TracingRuntime } from '../tracing/tracing-runtime.js';
import { BODY_CONTINUES, BODY_INVALID, BodyFramer, BodyMode } from './body-framer.js';
import { httpsLocation, setForwardedFields } from './forwarding.js';
import { localReplies, writeHeadWith, type LocalReply } from './local-reply.js';
import type { Ticker } from './ticker.js';
import type { UpstreamConnection, UpstreamFailure, UpstreamOwner } from './upstream-connection.js';

/** The downstream side as an exchange sees it. */
export interface Downstream {
  readonly clientIp: string;
  readonly listener: ListenerRuntime;
  readonly draining: boolean;
  cork(): void;
  uncork(): void;
  /** false: the client is slow; the exchange stops reading upstream until `onClientDrain`. */
  write(chunk: Buffer | string): boolean;
  pauseReading(): void;
  resumeReading(): void;
  /** The exchange is over; `keepAlive` says whether the connection may carry another request. */
  exchangeDone(keepAlive: boolean): void;
  /** The connection became a tunnel (protocol upgrade): further client bytes go to `onTunnelData`. */
  tunnelOpened(): void;
  /** Something went wrong after the response started: close the connection at once. */
  destroy(): void;
  /** Ends the client connection after what was written (the tunnel's endpoint side closed). */
  end(): void;
}

export interface ExchangeDeps {
  readonly table: EndpointTable;
  readonly ticker: Ticker;
  readonly metrics: WorkerMetrics;
  /** Jitter of the retry back-off. */
  readonly random: Random;
}

const enum ResponsePhase { Head, Body, Tunnel, Done }

export class ProxyExchange implements UpstreamOwner, BridgeOwner, AccessLogEntry {
  readonly #downstream: Downstream;
  readonly #deps: ExchangeDeps;
  readonly #requestBody = new BodyFramer();
  readonly #responseBody = new BodyFramer();
  readonly #attempts: RequestAttempts;
  /** This request's id and trace context (also what the access log reads). */
  readonly trace = new TraceHop();

  active = false;
  /** The earliest coarse-clock deadline: whole request, current try, or a retry's back-off (tunnel: idle). */
  deadline = Infinity;
  #requestDeadline = Infinity;
  #tryDeadline = Infinity;
  #retryAt = Infinity;
  /** Every byte of the request body has been received from the client. */
  requestDone = false;

  #head!: RequestHead;
  #stats!: RouteStats;
  #tracing!: TracingRuntime;
  /** Set while the request holds a unit of the cluster's `maxRequests`. */
  #cluster: ClusterRuntime | undefined;
  /** The current try's endpoint (counted in its in-flight requests). */
  #endpoint: UpstreamEndpoint | undefined;
  #accessLog: AccessLog | undefined;
  /** `methodIndex` of the request's method. */
  #method = 0;
  #sentAt = 0;
  #upstreamMs: number | undefined;
  #error: ErrorCode | undefined;
  #bytesIn = 0;
  #bytesOut = 0;
  #upstream: UpstreamConnection | undefined;
  #requestHeadText = '';
  /** Body bytes that arrived with the head; when they are the whole body the request can be replayed. */
  #initialBody: Buffer | undefined;
  /** Body bytes beyond `#initialBody` went to an endpoint: the request can no longer be replayed. */
  #bodyStreamed = false;
  /** A stale kept-alive connection was already replaced for this request. */
  #staleReplayed = false;
  #startedAt = 0;
  #responsePhase = ResponsePhase.Head;
  readonly #responseHead = new ResponseHeadReader();
  #status = 0;
  #clientKeepAlive = false;
  #upstreamReusable = false;
  #upstreamPaused = false;
  #readingPausedForUpstream = false;
  /** Set while the current request goes to an h2/h2c endpoint through the bridge. */
  #bridge: H1ToH2Bridge | undefined;
  #bridging = false;

  constructor(downstream: Downstream, deps: ExchangeDeps) {
    this.#downstream = downstream;
    this.#deps = deps;
    this.#attempts = new RequestAttempts(deps.random);
  }

  /** Tries made for the current (or last) request, retries included: for the access log. */
  get attempts(): number { return this.#attempts.count; }

  /**
   * Starts proxying `head`; `buf[bodyStart..]` holds the bytes that followed it. Returns the index in
   * `buf` where this request's body ends (bytes after it belong to the next, pipelined request).
   */
  start(runtime: Runtime, head: RequestHead, buf: Buffer, bodyStart: number): number {
    this.active = true;
    this.#head = head;
    this.#startedAt = performance.now();
    this.#responsePhase = ResponsePhase.Head;
    this.#status = 0;
    this.#bodyStreamed = false;
    this.#staleReplayed = false;
    this.#method = methodIndex(head.method);
    this.#accessLog = runtime.accessLog;
    this.#upstreamMs = this.#error = undefined;
    this.#bytesIn = this.#bytesOut = 0;
    this.#deps.metrics.activeRequests++;
    this.#requestBody.start(head.chunked, head.contentLength, false);

    // Route and pick before reading the body: an h2/h2c endpoint takes it de-framed.
    const target = runtime.router.match(head.host, head.target);
    const listener = this.#downstream.listener;
    this.#stats = target?.stats[listener.index] ?? listener.unrouted;
    const redirect = target !== undefined && target.redirectToHttps && this.#downstream.listener.proto === 'http';
    let endpoint: UpstreamEndpoint | undefined;
    let overflow = false;
    if (target !== undefined && !redirect) {
      this.#attempts.start(target, head.method);
      target.cluster.requestKeys.fromH1(head.headers, this.#downstream.clientIp, this.#attempts.pick);
      endpoint = this.#attempts.next();
      overflow = endpoint !== undefined && !target.cluster.breakers.beginRequest();
      if (overflow) endpoint = undefined;
      else if (endpoint !== undefined) {
        this.#cluster = target.cluster;
        this.#requestDeadline = this.#deps.ticker.now + target.requestTimeoutMs;
        this.#beginTry(endpoint);
      }
    } else {
      this.#attempts.clear();
    }
    this.#beginTrace(runtime.tracing, head, target);
    const bridge = endpoint?.h2 === undefined ? undefined : this.#openBridge(endpoint.h2, target!.cluster.protocol, head, head.chunked || head.contentLength > 0);

    const bodyEnd = this.#requestBody.advance(buf, bodyStart, buf.length, bridge?.writeBody);
    if (bodyEnd === BODY_INVALID) {
      this.requestDone = false;
      bridge?.abort();
      this.#reply('bad_request');
      return buf.length;
    }
    this.requestDone = bodyEnd !== BODY_CONTINUES;
    const stop = this.requestDone ? bodyEnd : buf.length;
    this.#bytesIn = stop - bodyStart;
    if (bridge !== undefined) {
      if (this.requestDone && (head.chunked || head.contentLength > 0)) bridge.endBody();
      return stop;
    }
    this.#initialBody = stop > bodyStart ? buf.subarray(bodyStart, stop) : undefined;
    if (target === undefined) this.#reply('no_route');
    else if (redirect) this.#redirectToHttps(runtime.httpsPort);
    else if (overflow) this.#reply('overflow');
    else if (endpoint === undefined) this.#reply('no_healthy_endpoint');
    else {
      const downstream = this.#downstream;
      this.#requestHeadText = serializeRequestHead(
        head, downstream.clientIp, downstream.listener.proto, downstream.listener.portText, http1TraceFields(this.trace, this.#tracing));
      this.#send(false);
    }
    return stop;
  }

  /** The request id of the current request (undefined: tracing off, or none generated). */
  get requestId(): string | undefined {
    return this.trace.requestId;
  }

  /** The trace id sent upstream for the current request ('' while tracing is off). */
  get traceId(): string {
    return this.trace.traceId;
  }

  /** Reads the incoming trace headers, decides this hop and starts its span (before anything is sent). */
  #beginTrace(tracing: TracingRuntime, head: RequestHead, target: RouteTarget | undefined): void {
    const trace = this.trace;
    this.#tracing = tracing;
    if (!tracing.enabled) return trace.clear();
    readHttp1TraceHeaders(head, trace.values);
    trace.decide(tracing);
    if (!trace.wantsSpan(tracing)) return;
    trace.startSpan(tracing, {
      method: head.method,
      target: head.target,
      scheme: this.#downstream.listener.proto,
      host: head.host,
      protocolVersion: head.versionMinor === 1 ? '1.1' : '1.0',
      clientAddress: this.#downstream.clientIp,
      route: target?.route,
      cluster: target?.cluster.name,
    });
  }

  /** Carries this request to an h2/h2c endpoint (its body follows through `writeBody`). */
  #openBridge(pool: UpstreamH2Pool, protocol: ClusterProtocol, head: RequestHead, hasBody: boolean): H1ToH2Bridge {
    const bridge = (this.#bridge ??= new H1ToH2Bridge(this.#downstream, this));
    const forwarded: Record<string, string> = {};
    setForwardedFields(forwarded, head.forwardedFor, this.#downstream.clientIp, this.#downstream.listener, head.host);
    setTraceFields(forwarded, this.trace, this.#tracing);
    this.#bridging = true;
    this.#sentAt = performance.now();
    bridge.open(pool, protocol === 'h2' ? 'https' : 'http', head, forwarded, hasBody);
    return bridge;
  }

  // ── BridgeOwner ───────────────────────────────────────────────────────────────────────────────

  /** Whether the client connection may carry another request after this one's response. */
  keepAlive(): boolean {
    return this.#head.keepAlive && this.requestDone && !this.#downstream.draining;
  }

  upstreamResponded(status: number, bodySent: boolean): boolean {
    if (this.#retriesResponse(status, !bodySent)) return true;
    this.#responseStarts();
    return false;
  }

  /** A Set-Cookie line pinning the client to this try's endpoint, unless its affinity cookie already does. */
  affinityField(): string {
    const cookie = this.#attempts.setCookieFor(this.#endpoint);
    return cookie === undefined ? '' : `set-cookie: ${cookie}\r\n`;
  }

  bridged(status: number, keepAlive: boolean): void {
    this.#status = status;
    this.#bytesOut = this.#bridge!.responseBytes;
    this.#bridging = false;
    this.#record();
    this.#complete();
    this.#downstream.exchangeDone(keepAlive);
  }

  bridgeFailed(code: ErrorCode, responseStarted: boolean, refused: boolean, bodySent: boolean): void {
    if (!this.active) return;
    this.#bridging = false;
    if (responseStarted) {
      this.#responsePhase = ResponsePhase.Body;
      this.#bytesOut = this.#bridge!.responseBytes;
      return this.#fail(code);
    }
    if (code === 'overflow') return this.#fail(code); // the h2 pool's breakers refused: not the endpoint's failure
    const failure = refused ? TryFailure.RefusedStream : tryFailureOf(code);
    this.#tryFailed(failure, code, !bodySent);
  }

  /** Request body bytes from `buf[start..]`; returns where this request's body ends in `buf`. */
  onRequestData(buf: Buffer, start: number): number {
    const bridge = this.#bridging ? this.#bridge : undefined;
    const bodyEnd = this.#requestBody.advance(buf, start, buf.length, bridge?.writeBody);
    if (bodyEnd === BODY_INVALID) {
      this.#fail('bad_request');
      return buf.length;
    }
    const stop = bodyEnd === BODY_CONTINUES ? buf.length : bodyEnd;
    this.#bytesIn += stop - start;
    this.requestDone = bodyEnd !== BODY_CONTINUES;
    if (bridge !== undefined) {
      if (this.requestDone) bridge.endBody();
      return stop;
    }
    const upstream = this.#upstream;
    if (upstream !== undefined && stop > start) {
      this.#bodyStreamed = true;
      const chunk = start === 0 && stop === buf.length ? buf : buf.subarray(start, stop);
      if (!upstream.socket.write(chunk)) this.#pauseDownstream();
    }
    return stop;
  }

  onTunnelData(chunk: Buffer): void {
    this.deadline = this.#deps.ticker.now + this.#downstream.listener.idleTimeoutMs;
    if (this.#upstream !== undefined && !this.#upstream.socket.write(chunk)) this.#pauseDownstream();
  }

  /** The client half-closed a tunnel: pass it on; the endpoint's own close ends the tunnel. */
  onClientEnd(): void {
    this.#upstream?.socket.end();
  }

  onClientDrain(): void {
    if (this.#bridging) this.#bridge!.onClientDrain();
    if (this.#upstreamPaused && this.#upstream !== undefined) {
      this.#upstreamPaused = false;
      this.#upstream.socket.resume();
    }
  }

  /** The client went away: drop the endpoint connection, record the outcome. */
  abort(): void {
    if (!this.active) return;
    if (this.#bridging) this.#bridge!.abort();
    this.#upstream?.destroy();
    this.#upstream = undefined;
    if (this.#responsePhase !== ResponsePhase.Tunnel) this.#record();
    this.#complete();
  }

  /** `deadline` passed: the whole request's, the current try's, or a retry's back-off ended. */
  onTimeout(): void {
    const now = this.#deps.ticker.now;
    if (this.#responsePhase === ResponsePhase.Tunnel || this.#requestDeadline <= now) return this.#fail('upstream_timeout');
    if (this.#retryAt <= now) {
      this.#retryAt = Infinity;
      return this.#nextTry();
    }
    if (this.#tryDeadline <= now) {
      this.#tryDeadline = Infinity;
      this.#tryFailed(TryFailure.PerTryTimeout, 'upstream_timeout', !this.#bodyStreamed);
    }
  }

  // ── UpstreamOwner ─────────────────────────────────────────────────────────────────────────────

  onUpstreamData(chunk: Buffer): void {
    switch (this.#responsePhase) {
      case ResponsePhase.Body:
        this.#relayBody(chunk, 0);
        return;
      case ResponsePhase.Tunnel:
        this.deadline = this.#deps.ticker.now + this.#downstream.listener.idleTimeoutMs;
        if (!this.#downstream.write(chunk)) this.#pauseUpstream();
        return;
      case ResponsePhase.Head:
        this.#readResponseHead(chunk);
        return;
      case ResponsePhase.Done:
        return;
    }
  }

  onUpstreamDrain(): void {
    if (this.#readingPausedForUpstream) {
      this.#readingPausedForUpstream = false;
      this.#downstream.resumeReading();
    }
  }

  onUpstreamEnd(): void {
    if (this.#responsePhase === ResponsePhase.Body && this.#responseBody.mode === BodyMode.UntilClose) {
      this.#upstreamReusable = false;
      this.#finish();
    } else if (this.#responsePhase === ResponsePhase.Tunnel) {
      this.#downstream.end();
    }
  }

  onUpstreamClose(failure: UpstreamFailure): void {
    const connection = this.#upstream;
    this.#upstream = undefined;
    if (!this.active) return;
    switch (this.#responsePhase) {
      case ResponsePhase.Head:
        // A kept-alive connection the endpoint closed just as we reused it: replay an idempotent
        // request once on a fresh one, which is not a retry (the endpoint is not at fault). A POST is
        // never replayed this way: the endpoint may have acted on it before closing (RFC 9110 §9.2.2).
        if (failure === 'upstream_reset' && connection?.reused === true && this.requestDone && !this.#staleReplayed && this.#attempts.idempotent) {
          this.#staleReplayed = true;
          this.#send(true);
        } else {
          this.#tryFailed(tryFailureOf(failure), failure, !this.#bodyStreamed);
        }
        return;
      case ResponsePhase.Body:
        if (this.#responseBody.mode === BodyMode.UntilClose) {
          this.#upstreamReusable = false;
          this.#finish();
        } else {
          this.#fail('upstream_reset');
        }
        return;
      case ResponsePhase.Tunnel:
        this.#downstream.destroy();
        this.#complete();
        return;
      case ResponsePhase.Done:
        return;
    }
  }

  // ── internals ─────────────────────────────────────────────────────────────────────────────────

  #send(fresh: boolean): void {
    this.#sentAt = performance.now();
    // Only endpoints of http1 clusters are sent to here (h2/h2c ones go through the bridge).
    const upstream = (this.#upstream = this.#endpoint!.pool!.acquire(this, fresh));
    if (upstream === undefined) return this.#fail('overflow');
    if (!writeHeadAndBody(upstream.socket, this.#requestHeadText, this.#initialBody, 0, this.#initialBody?.length ?? 0)) {
      this.#pauseDownstream();
    }
  }

  /** Counts a try on `endpoint` and starts its per-try deadline. */
  #beginTry(endpoint: UpstreamEndpoint): void {
    this.#endpoint = endpoint;
    this.#deps.table.beginRequest(endpoint.slot);
    const perTryMs = this.#attempts.policy.perTryTimeoutMs;
    this.#tryDeadline = perTryMs === 0 ? Infinity : this.#deps.ticker.now + perTryMs;
    this.#updateDeadline();
  }

  /** Ends the current try: its connection (or stream) is dropped and the endpoint's in-flight count released. */
  #dropTry(): void {
    if (this.#bridging) {
      this.#bridging = false;
      this.#bridge!.abort();
    }
    this.#upstream?.destroy();
    this.#upstream = undefined;
    if (this.#endpoint !== undefined) this.#deps.table.endRequest(this.#endpoint.slot);
    this.#endpoint = undefined;
  }

  /** A try failed before anything of its response reached the client: retry it when the policy allows, else answer `code`. */
  #tryFailed(failure: TryFailure | undefined, code: ErrorCode, replayable: boolean): void {
    this.#attempts.recordGatewayFailure();
    if (failure === undefined || !this.#retry(failure, replayable)) this.#fail(code);
  }

  /**
   * Drops the current try and starts the next (at once, or after the back-off) when the policy and
   * the cluster's retry limit allow; false: no retry, nothing changed.
   */
  #retry(failure: TryFailure, replayable: boolean): boolean {
    const delay = this.#attempts.retryDelay(failure, replayable);
    if (delay === NO_RETRY) return false;
    this.#dropTry();
    this.#tryDeadline = Infinity;
    // A body still arriving has nowhere to go during a back-off: such a request is retried at once.
    if (delay > 0 && this.requestDone) {
      this.#retryAt = this.#deps.ticker.now + delay;
      this.#updateDeadline();
    } else {
      this.#nextTry();
    }
    return true;
  }

  #nextTry(): void {
    const endpoint = this.#attempts.next();
    if (endpoint === undefined) return this.#fail('no_healthy_endpoint');
    this.#beginTry(endpoint);
    if (endpoint.h2 !== undefined) {
      const head = this.#head;
      this.#openBridge(endpoint.h2, this.#cluster!.protocol, head, !this.requestDone);
    } else {
      this.#send(false);
    }
  }

  #updateDeadline(): void {
    this.deadline = Math.min(this.#requestDeadline, this.#tryDeadline, this.#retryAt);
  }

  #readResponseHead(chunk: Buffer): void {
    const reader = this.#responseHead;
    for (let bytes = chunk; ;) {
      const head = reader.read(bytes, this.#head.method);
      if (head === undefined) return;
      if (isParseFailure(head)) return this.#fail('upstream_bad_response');
      const { buf, end } = reader;
      if (head.status >= 200) {
        if (this.#retriesResponse(head.status, !this.#bodyStreamed)) return;
        return this.#startResponse(head, buf, end);
      }
      if (head.status === 101) return this.#openTunnel(head, buf, end);
      // Interim response (100 Continue, 103 Early Hints): relay to HTTP/1.1 clients, then read on.
      if (this.#head.versionMinor === 1) this.#downstream.write(serializeResponseHead(head, true, 1));
      if (end === buf.length) return;
      bytes = buf.subarray(end);
    }
  }

  /**
   * Tells the try's outcome (its final status); true when the status is one the policy retries and a
   * retry was started: the response is dropped with its connection or stream, unseen by the client.
   */
  #retriesResponse(status: number, replayable: boolean): boolean {
    this.#attempts.recordResponse(status);
    return retriesStatus(this.#attempts.policy, status) && this.#retry(TryFailure.Status, replayable);
  }

  /** The response head goes to the client: the try's deadline ends, only the whole request's runs on. */
  #responseStarts(): void {
    this.#tryDeadline = Infinity;
    this.#updateDeadline();
    this.#upstreamMs = performance.now() - this.#sentAt;
  }

  #startResponse(head: ResponseHead, buf: Buffer, end: number): void {
    const request = this.#head;
    this.#responseStarts();
    this.#status = head.status;
    this.#responsePhase = ResponsePhase.Body;
    this.#upstreamReusable = head.keepAlive;
    this.#clientKeepAlive = this.keepAlive() && !head.closeDelimited;
    const bodiless = request.method === 'HEAD' || head.status === 204 || head.status === 304;
    if (bodiless) this.#responseBody.start(false, 0, false);
    else this.#responseBody.start(head.chunked, head.contentLength, head.closeDelimited);
    this.#relayBody(buf, end, serializeResponseHead(head, this.#clientKeepAlive, request.versionMinor, this.#requestIdFor(head) + this.affinityField()));
  }

  /** Relays the response body bytes in `buf[start..]`, after `head` when this is the first part. */
  #relayBody(buf: Buffer, start: number, head?: string): void {
    const bodyEnd = this.#responseBody.advance(buf, start, buf.length);
    if (bodyEnd === BODY_INVALID) {
      if (head !== undefined) this.#responsePhase = ResponsePhase.Head; // nothing sent yet: a local reply can still go
      return this.#fail('upstream_bad_response');
    }
    const stop = bodyEnd === BODY_CONTINUES ? buf.length : bodyEnd;
    this.#bytesOut += stop - start;
    const flowing = head === undefined
      ? stop === start || this.#downstream.write(start === 0 && stop === buf.length ? buf : buf.subarray(start, stop))
      : writeHeadAndBody(this.#downstream, head, buf, start, stop);
    if (!flowing) this.#pauseUpstream();
    if (bodyEnd === BODY_CONTINUES) return;
    // Bytes after the end of the response: the endpoint is out of step, do not reuse the connection.
    if (bodyEnd < buf.length) this.#upstreamReusable = false;
    this.#finish();
  }

  /** The request id line for the client's response head; the endpoint's own x-request-id gives way. */
  #requestIdFor(head: ResponseHead): string {
    if (this.trace.requestId === undefined) return '';
    dropHttp1RequestId(head);
    return requestIdLine(this.trace.requestId);
  }

  #openTunnel(head: ResponseHead, buf: Buffer, end: number): void {
    if (this.#head.upgrade === undefined) return this.#fail('upstream_bad_response');
    this.#status = 101;
    this.#attempts.recordResponse(101);
    this.#responsePhase = ResponsePhase.Tunnel;
    this.deadline = this.#deps.ticker.now + this.#downstream.listener.idleTimeoutMs;
    this.#record();
    const downstream = this.#downstream;
    downstream.cork();
    downstream.write(serializeResponseHead(head, true, 1));
    if (end < buf.length) downstream.write(buf.subarray(end));
    downstream.uncork();
    downstream.tunnelOpened();
  }

  /** The response is complete: hand the endpoint connection back (or close it) and free the client. */
  #finish(): void {
    const upstream = this.#upstream;
    this.#upstream = undefined;
    if (upstream !== undefined) {
      if (this.#upstreamPaused) upstream.socket.resume();
      if (this.#upstreamReusable && this.requestDone) this.#endpoint!.pool!.release(upstream);
      else upstream.destroy();
    }
    this.#record();
    this.#complete();
    this.#downstream.exchangeDone(this.#clientKeepAlive);
  }

  /** An expected failure: a local reply if nothing was sent to the client yet, else close it. */
  #fail(code: ErrorCode): void {
    if (!this.active) return;
    // A bad request is the client's doing, and so is a timeout while it was still sending the body.
    if (code !== 'bad_request' && code !== 'overflow' && (code !== 'upstream_timeout' || this.requestDone)) this.#attempts.recordGatewayFailure();
    this.#error = code;
    if (this.#bridging) {
      this.#bridging = false;
      this.#bridge!.abort();
    }
    if (this.#responsePhase !== ResponsePhase.Head) {
      this.#upstream?.destroy();
      this.#upstream = undefined;
      if (this.#responsePhase === ResponsePhase.Body) this.#record();
      this.#complete();
      this.#downstream.destroy();
      return;
    }
    this.#upstream?.destroy();
    this.#upstream = undefined;
    this.#reply(code);
  }

  #reply(code: ErrorCode): void {
    const reply: LocalReply = localReplies[code];
    this.#error = code;
    this.#deps.metrics.localReplies[code].inc();
    this.#respond(reply.status, (keepAlive) => (keepAlive ? reply.keepAliveHead : reply.closeHead), reply.body);
  }

  /** 308 to the same host and target on the https listener (the ingress-nginx `ssl-redirect`). */
  #redirectToHttps(httpsPort: number | undefined): void {
    const host = this.#head.host;
    if (host === undefined || httpsPort === undefined) return this.#reply('bad_request');
    const location = httpsLocation(host, httpsPort, this.#head.target);
    this.#respond(308, (keepAlive) =>
      `HTTP/1.1 308 Permanent Redirect\r\nlocation: ${location}\r\ncontent-length: 0\r\n` +
      `connection: ${keepAlive ? 'keep-alive' : 'close'}\r\n\r\n`);
  }

  /** Answers the request from Sluice itself; keep-alive only when the whole request was read. */
  #respond(status: number, head: (keepAlive: boolean) => Buffer | string, body?: Buffer): void {
    const downstream = this.#downstream;
    const keepAlive = this.keepAlive();
    this.#status = status;
    if (body !== undefined && this.#head.method !== 'HEAD') this.#bytesOut = body.length;
    this.#record();
    this.#complete();
    downstream.cork();
    writeHeadWith(downstream, head(keepAlive), requestIdLine(this.trace.requestId));
    if (body !== undefined && this.#head.method !== 'HEAD') downstream.write(body);
    downstream.uncork();
    downstream.exchangeDone(keepAlive);
  }

  /** Metrics and the access log, once per request. */
  #record(): void {
    this.#stats.record(this.#method, this.#status, (performance.now() - this.#startedAt) / 1000, this.#bytesIn, this.#bytesOut);
    this.#endpoint?.stats.record(this.#status, this.#error);
    this.#accessLog?.log(this);
  }

  // ── AccessLogEntry (read only while #record logs) ─────────────────────────────────────────────

  get startedAt(): number { return this.#startedAt; }
  get clientAddress(): string { return this.#downstream.clientIp; }
  get method(): string { return this.#head.method; }
  get host(): string | undefined { return this.#head.host; }
  get path(): string { return this.#head.target; }
  get protocol(): string { return this.#head.versionMinor === 1 ? 'HTTP/1.1' : 'HTTP/1.0'; }
  get status(): number { return this.#status; }
  get bytesIn(): number { return this.#bytesIn; }
  get bytesOut(): number { return this.#bytesOut; }
  get upstream(): string | undefined { return this.#endpoint?.address; }
  get upstreamMs(): number | undefined { return this.#upstreamMs; }
  get route(): string | undefined { return this.#stats.route || undefined; }
  get cluster(): string | undefined { return this.#stats.cluster || undefined; }
  get errorCode(): ErrorCode | undefined { return this.#error; }
  /** Tries after the first. */
  get retries(): number { return this.#attempts.retries; }

  /** Releases the endpoint's in-flight count, the cluster's breaker units and every per-request reference. */
  #complete(): void {
    if (this.#endpoint !== undefined) this.#deps.table.endRequest(this.#endpoint.slot);
    this.trace.end(this.#status, this.#attempts.retries, this.#endpoint);
    if (this.#cluster !== undefined) {
      this.#cluster.breakers.endRequest();
      this.#cluster = undefined;
      this.#attempts.finish();
    }
    this.#deps.metrics.activeRequests--;
    this.active = false;
    this.deadline = this.#requestDeadline = this.#tryDeadline = this.#retryAt = Infinity;
    this.#responsePhase = ResponsePhase.Done;
    this.#endpoint = undefined;
    this.#initialBody = undefined;
    this.#responseHead.reset();
    this.#upstreamPaused = false;
    if (this.#readingPausedForUpstream) {
      this.#readingPausedForUpstream = false;
      this.#downstream.resumeReading();
    }
  }

  #pauseDownstream(): void {
    if (this.#readingPausedForUpstream) return;
    this.#readingPausedForUpstream = true;
    this.#downstream.pauseReading();
  }

  #pauseUpstream(): void {
    if (this.#upstreamPaused || this.#upstream === undefined) return;
    this.#upstreamPaused = true;
    this.#upstream.socket.pause();
  }
}

/** Bodies up to this size go out in one string write with their head: one syscall, no writev array. */
const COALESCE_BYTES = 4096;

/** Writes a head and `body[start..stop)`; false when the peer's buffer is full. */
function writeHeadAndBody(
  target: { write(chunk: Buffer | string, encoding?: BufferEncoding): boolean; cork(): void; uncork(): void },
  head: string, body: Buffer | undefined, start: number, stop: number,
): boolean {
  if (body === undefined || stop === start) return target.write(head, 'latin1');
  if (stop - start <= COALESCE_BYTES) return target.write(head + body.toString('latin1', start, stop), 'latin1');
  target.cork();
  target.write(head, 'latin1');
  const flowing = target.write(stop - start === body.length ? body : body.subarray(start, stop));
  target.uncork();
  return flowing;
}

