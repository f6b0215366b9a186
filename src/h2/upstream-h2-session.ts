// One HTTP/2 client session to an endpoint and its accounting: streams open on it, the peer's stream
// limit, whether it still takes new streams, and which of its streams still wait (circuit breakers'
// pending requests). It reports to the EndpointTable, the breakers and its pool; it never chooses.
import { performance } from 'node:perf_hooks';
import http2, { type ClientHttp2Session, type ClientHttp2Stream, type OutgoingHttpHeaders, type SecureClientSessionOptions, type Settings } from 'node:http2';
import type { EndpointTable } from '../balancing/endpoint-table.js';
import type { HistogramCells } from '../observability/histogram-cells.js';
import type { CircuitBreakers } from '../resilience/circuit-breakers.js';
import { markRefusedByGoaway } from './upstream-h2-refused.js';

const { NGHTTP2_CANCEL } = http2.constants;

/** Streams a session takes before the peer's SETTINGS say how many it allows. */
const ASSUMED_MAX_CONCURRENT_STREAMS = 100;

// ClientHttp2Session.request copies its options, so two shared objects serve every request.
const END_STREAM = { endStream: true } as const;
const KEEP_STREAM_OPEN = { endStream: false } as const;

export interface SessionHome {
  readonly table: EndpointTable;
  readonly slot: number;
  readonly clock: { readonly now: number };
  /** Where the time from connect start to the session's 'connect' (TCP, and TLS for h2) is observed. */
  readonly connectTimes: HistogramCells | undefined;
  /** The cluster's current breakers: the session holds one `maxConnections` unit from its start to its 'close',
   *  and each waiting stream one `maxPendingRequests` unit (every snapshot's object counts in the same cluster slot). */
  readonly breakers: CircuitBreakers;
  /** Called once when the session is gone, so the pool forgets it. */
  forget(session: UpstreamH2Session): void;
}

/** Streams holding a pending unit, across the worker's sessions: what `cancelStream` asks about. */
const waitingStreams = new WeakSet<ClientHttp2Stream>();

/**
 * Drops an upstream stream its exchange no longer wants. A stream still waiting (for its session's
 * connect, or held back by nghttp2 beyond the peer's stream limit) was never sent: destroy() removes it
 * and gives its pending unit back at once, where close() would wait until it could be sent. A stream
 * that was sent is reset with CANCEL, which the endpoint (a gRPC server among them) reads as cancelled.
 */
export function cancelStream(stream: ClientHttp2Stream): void {
  if (stream.destroyed) return;
  if (waitingStreams.has(stream)) stream.destroy();
  else stream.close(NGHTTP2_CANCEL);
}

export class UpstreamH2Session {
  readonly session: ClientHttp2Session;
  connected = false;
  openStreams = 0;
  /** The peer's SETTINGS_MAX_CONCURRENT_STREAMS once known. */
  maxStreams = ASSUMED_MAX_CONCURRENT_STREAMS;
  /** Cleared for good on GOAWAY, on error, or when retired; such a session closes once its last stream ends. */
  accepting = true;
  /** Coarse-clock time the session was opened, or last had its open streams drop to zero. */
  since: number;
  readonly #home: SessionHome;
  readonly #authority: string;
  /** Streams with a higher id were never processed by the peer. */
  #goawayLastStreamId = Infinity;
  /** Streams holding a pending unit, oldest first: all of them until 'connect', then those nghttp2 holds back
   *  beyond the peer's stream limit (it sends them in this order as earlier streams close). */
  readonly #waiting: ClientHttp2Stream[] = [];
  /** One listener per session, attached to each of its streams, so a request allocates no closure. */
  readonly #onStreamClose: (this: ClientHttp2Stream) => void;

  constructor(home: SessionHome, authority: string, options: SecureClientSessionOptions | undefined) {
    this.#home = home;
    this.#authority = authority;
    this.since = home.clock.now;
    const owner = this;
    this.#onStreamClose = function onStreamClose(this: ClientHttp2Stream) { owner.#streamClosed(this); };
    const startedAt = performance.now();
    this.session = http2.connect(authority, options);
    this.session.on('connect', () => {
      home.connectTimes?.observe((performance.now() - startedAt) / 1000);
      this.connected = true;
      home.table.connectionOpened(home.slot);
      this.#stopWaiting();
    });
    this.session.on('remoteSettings', (settings: Settings) => {
      if (settings.maxConcurrentStreams !== undefined) this.maxStreams = settings.maxConcurrentStreams;
      this.#stopWaiting();
    });
    this.session.on('goaway', (_code: number, lastStreamId: number) => {
      this.accepting = false;
      if (lastStreamId < this.#goawayLastStreamId) this.#goawayLastStreamId = lastStreamId;
    });
    this.session.on('error', () => { this.accepting = false; /* its streams fail, and 'close' follows */ });
    this.session.on('close', () => {
      this.accepting = false;
      if (this.connected) home.table.connectionClosed(home.slot);
      home.breakers.connectionClosed();
      home.forget(this);
    });
  }

  /** A session destroyed by its socket stays listed until its 'close' event, and request() on it would throw. */
  get takesStreams(): boolean {
    return this.accepting && !this.session.destroyed && !this.session.closed;
  }

  get hasCapacity(): boolean {
    return this.openStreams < this.maxStreams && this.takesStreams;
  }

  /** Streams beyond the peer's limit, which nghttp2 holds back until earlier ones close. */
  get queued(): number {
    return this.openStreams - this.maxStreams;
  }

  /** `waits`: the stream waits for the connect or a stream slot, holding a pending unit taken by the pool
   *  (given back when it is sent, or closes first). */
  request(headers: OutgoingHttpHeaders, endStream: boolean, waits: boolean): ClientHttp2Stream {
    const stream = this.session.request(headers, endStream ? END_STREAM : KEEP_STREAM_OPEN);
    this.openStreams++;
    stream.once('close', this.#onStreamClose);
    if (waits) {
      this.#waiting.push(stream);
      waitingStreams.add(stream);
    }
    return stream;
  }

  /** Takes no new streams; closes now when idle, else when its last stream ends. */
  retire(): void {
    this.accepting = false;
    if (this.openStreams === 0) this.session.close();
  }

  /** The connect attempt took too long: its streams fail with a cause whose code is ETIMEDOUT. */
  timeOut(connectMs: number): void {
    this.accepting = false;
    const error = Object.assign(new Error(`connect to ${this.#authority} timed out after ${connectMs} ms`), { code: 'ETIMEDOUT' });
    this.session.destroy(error);
  }

  #streamClosed(stream: ClientHttp2Stream): void {
    if (stream.id !== undefined && stream.id > this.#goawayLastStreamId) markRefusedByGoaway(stream);
    this.openStreams--;
    if (this.#waiting.length > 0) {
      const index = this.#waiting.indexOf(stream);
      if (index >= 0) {
        this.#waiting.splice(index, 1);
        waitingStreams.delete(stream);
        this.#home.breakers.endPending();
      }
      this.#stopWaiting();
    }
    if (this.openStreams > 0) return;
    this.since = this.#home.clock.now;
    if (!this.accepting) this.session.close();
  }

  /** Gives back the pending units of waiting streams that are sent now: once connected, as many as fit the
   *  peer's limit beside the streams already sent (nghttp2 sends held-back streams first come, first served). */
  #stopWaiting(): void {
    const waiting = this.#waiting;
    while (this.connected && waiting.length > 0 && this.openStreams - waiting.length < this.maxStreams) {
      waitingStreams.delete(waiting.shift()!);
      this.#home.breakers.endPending();
    }
  }
}
