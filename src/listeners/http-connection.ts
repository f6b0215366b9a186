// One downstream HTTP/1.1 connection: reads request heads (strictly, with size and time limits),
// hands each request to its ProxyExchange, holds pipelined requests until the response before them is
// done, and decides keep-alive, idle and drain closes. Socket listeners are attached once.
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import { findHeadEnd, isParseFailure, parseRequestHead } from '../http1/index.js';
import type { ErrorCode } from '../errors.js';
import { matchH2Preface } from '../h2/preface.js';
import { ProxyExchange, type Downstream, type ExchangeDeps } from '../proxy/exchange.js';
import { localReplies, writeHeadWith } from '../proxy/local-reply.js';
import { requestIdLine } from '../tracing/trace-fields.js';
import { newRequestId } from '../tracing/tracing-runtime.js';
import type { ListenerRuntime, Runtime } from '../worker/runtime.js';
import { rejectedHeadEntry } from './rejected-head.js';

const enum Phase {
  /** Between requests: waiting for the first byte of a head (idle timeout runs). */
  Idle,
  /** Part of a head received (headers timeout runs). */
  Head,
  /** A request is being proxied. */
  Exchange,
  /** Upgraded: bytes flow both ways untouched. */
  Tunnel,
  /** Ending: the last response was written, nothing more is read. */
  Closing,
}

/** What every connection of a worker shares. */
export interface ConnectionContext extends ExchangeDeps {
  /** The runtime new requests start on. */
  runtime(): Runtime;
  readonly draining: boolean;
  closed(connection: HttpConnection): void;
  /** The connection opened with the HTTP/2 preface (h2c): HTTP/2 takes the socket and `buffered`. */
  handOffH2(connection: HttpConnection, buffered: Buffer): void;
}

export class HttpConnection implements Downstream {
  readonly socket: net.Socket;
  readonly clientIp: string;
  listener: ListenerRuntime;
  /** Coarse-clock time at which the current phase times out. */
  deadline: number;
  readonly #context: ConnectionContext;
  readonly #exchange: ProxyExchange;
  #phase = Phase.Idle;
  #pending: Buffer | undefined;
  #scanFrom = 0;
  /** `performance.now()` (coarse) when the current head's first part arrived, while in Phase.Head. */
  #headStartedAt = 0;
  #processing = false;
  #clientEnded = false;
  #pausedForUpstream = false;
  #pausedForPipeline = false;
  /** Until the first bytes show HTTP/1.1 or the h2c preface (only on listeners that take h2c). */
  #sniffing: boolean;
  /** The socket listeners this connection attached, so a handoff to HTTP/2 can detach them all. */
  readonly #listeners: [event: string, listener: (...args: any[]) => void][];

  constructor(socket: net.Socket, listener: ListenerRuntime, context: ConnectionContext) {
    this.socket = socket;
    this.listener = listener;
    this.#context = context;
    this.clientIp = socket.remoteAddress ?? '';
    this.deadline = context.ticker.now + listener.idleTimeoutMs;
    this.#exchange = new ProxyExchange(this, context);
    this.#sniffing = listener.h2c;
    this.#listeners = [
      ['data', (chunk: Buffer) => this.#onData(chunk)],
      ['drain', () => this.#exchange.onClientDrain()],
      ['end', () => this.#onEnd()],
      ['error', () => { /* 'close' follows */ }],
      ['close', () => {
        this.#phase = Phase.Closing;
        this.#exchange.abort();
        context.closed(this);
      }],
    ];
    for (const [event, handler] of this.#listeners) socket.on(event, handler);
  }

  get draining(): boolean { return this.#context.draining; }

  // ── Downstream (used by the exchange) ──────────────────────────────────────────────────────────

  cork(): void { this.socket.cork(); }
  uncork(): void { this.socket.uncork(); }
  write(chunk: Buffer | string): boolean {
    return typeof chunk === 'string' ? this.socket.write(chunk, 'latin1') : this.socket.write(chunk);
  }
  pauseReading(): void {
    this.#pausedForUpstream = true;
    this.socket.pause();
  }
  resumeReading(): void {
    this.#pausedForUpstream = false;
    if (!this.#pausedForPipeline) this.socket.resume();
  }
  destroy(): void {
    this.#phase = Phase.Closing;
    this.socket.destroy();
  }
  end(): void {
    this.#phase = Phase.Closing;
    this.socket.end();
    this.deadline = this.#context.ticker.now + this.listener.idleTimeoutMs;
  }
  tunnelOpened(): void {
    this.#phase = Phase.Tunnel;
    const rest = this.#pending;
    this.#pending = undefined;
    this.#releasePipelineHold();
    if (rest !== undefined) this.#exchange.onTunnelData(rest);
  }

  exchangeDone(keepAlive: boolean): void {
    if (!keepAlive || this.#clientEnded || this.#context.draining) {
      this.end();
      return;
    }
    this.#phase = Phase.Idle;
    this.deadline = this.#context.ticker.now + this.listener.idleTimeoutMs;
    this.#releasePipelineHold();
    // Called from inside #processPending (a local reply) the loop there goes on with the next request.
    if (!this.#processing) this.#processPending();
  }

  // ── timeouts and drain (called by the worker's sweep) ──────────────────────────────────────────

  sweep(now: number): void {
    const busy = this.#phase === Phase.Exchange || this.#phase === Phase.Tunnel;
    if ((busy ? this.#exchange.deadline : this.deadline) <= now) this.#onDeadline();
  }

  #onDeadline(): void {
    switch (this.#phase) {
      case Phase.Head:
        this.#rejectHead('request_header_timeout');
        return;
      case Phase.Exchange:
        this.#exchange.onTimeout();
        return;
      default:
        this.destroy();
    }
  }

  /** Drain: an idle connection closes now; a busy one after its current response. */
  drain(): void {
    if (this.#phase === Phase.Idle) this.end();
  }

  // ── reading ────────────────────────────────────────────────────────────────────────────────────

  #onData(chunk: Buffer): void {
    if (this.#sniffing) return this.#sniff(chunk);
    switch (this.#phase) {
      case Phase.Idle:
      case Phase.Head:
        this.#append(chunk);
        this.#processPending();
        return;
      case Phase.Exchange: {
        const exchange = this.#exchange;
        let rest = 0;
        if (!exchange.requestDone) {
          rest = exchange.onRequestData(chunk, 0);
          if (rest === chunk.length) return;
        }
        // Bytes past this request: the next, pipelined one. Hold them until this response is done.
        this.#append(rest === 0 ? chunk : chunk.subarray(rest));
        if (this.#phase === Phase.Exchange) this.#holdPipeline();
        else this.#processPending();
        return;
      }
      case Phase.Tunnel:
        this.#exchange.onTunnelData(chunk);
        return;
      case Phase.Closing:
        return;
    }
  }

  #sniff(chunk: Buffer): void {
    this.#append(chunk);
    const match = matchH2Preface(this.#pending!);
    if (match === 'undecided') return;
    this.#sniffing = false;
    if (match === 'http1') return this.#processPending();
    const buffered = this.#pending!;
    this.#pending = undefined;
    for (const [event, handler] of this.#listeners) this.socket.off(event, handler);
    this.#context.handOffH2(this, buffered);
  }

  #onEnd(): void {
    this.#clientEnded = true;
    // The client may half-close after its request; answer it first. A tunnel passes the half-close on.
    if (this.#phase === Phase.Tunnel) this.#exchange.onClientEnd();
    else if (this.#phase !== Phase.Exchange) this.end();
  }

  #append(chunk: Buffer): void {
    this.#pending = this.#pending === undefined ? chunk : Buffer.concat([this.#pending, chunk]);
  }

  #processPending(): void {
    this.#processing = true;
    try {
      while (this.#pending !== undefined && (this.#phase === Phase.Idle || this.#phase === Phase.Head)) {
        const buf = this.#pending;
        const limit = this.listener.maxHeaderBytes;
        const end = findHeadEnd(buf, this.#scanFrom);
        if (end < 0) {
          if (buf.length > limit) return this.#rejectHead('headers_too_large');
          this.#scanFrom = Math.max(0, buf.length - 3);
          if (this.#phase === Phase.Idle) {
            this.#phase = Phase.Head;
            this.#headStartedAt = this.#context.ticker.now;
            this.deadline = this.#headStartedAt + this.listener.headersTimeoutMs;
          }
          return;
        }
        if (end > limit) return this.#rejectHead('headers_too_large');
        const head = parseRequestHead(buf, end);
        if (isParseFailure(head)) return this.#rejectHead(head.error);
        this.#pending = undefined;
        this.#scanFrom = 0;
        this.#phase = Phase.Exchange;
        this.deadline = Infinity;
        const bodyEnd = this.#exchange.start(this.#context.runtime(), head, buf, end);
        if (bodyEnd < buf.length) this.#append(buf.subarray(bodyEnd));
        if (this.#phase === Phase.Exchange && this.#pending !== undefined) this.#holdPipeline();
      }
    } finally {
      this.#processing = false;
    }
  }

  /**
   * A head Sluice refuses: answer with the error and close (the rest of the stream cannot be trusted).
   * Like any other reply it gets a request id (a new one: nothing of the head is trusted) and its line
   * in the access log.
   */
  #rejectHead(code: ErrorCode): void {
    const reply = localReplies[code];
    const { tracing, accessLog } = this.#context.runtime();
    const requestId = newRequestId(tracing);
    this.#context.metrics.localReplies[code].inc();
    this.listener.unrouted.count(reply.status);
    const startedAt = this.#phase === Phase.Head ? this.#headStartedAt : performance.now();
    this.#pending = undefined;
    this.cork();
    writeHeadWith(this, reply.closeHead, requestIdLine(requestId));
    this.write(reply.body);
    this.uncork();
    this.end();
    accessLog?.log(rejectedHeadEntry(this.clientIp, startedAt, reply, code, requestId));
  }

  #holdPipeline(): void {
    this.#pausedForPipeline = true;
    this.socket.pause();
  }

  #releasePipelineHold(): void {
    if (!this.#pausedForPipeline) return;
    this.#pausedForPipeline = false;
    if (!this.#pausedForUpstream) this.socket.resume();
  }
}
