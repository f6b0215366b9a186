// Downstream HTTP/2 for a worker: a session for each connection that speaks it (sockets arrive already
// accepted, after ALPN chose h2 or the h2c preface was seen), from the listener's codec: Sluice's own
// engine, or an Http2Server per listener used only as a session factory. Both get the listener's
// SETTINGS and the same guards: idle timeout, maximum connection age (GOAWAY, streams finish) and
// rapid-reset protection (CVE-2023-44487: a client that resets too many streams is cut off).
import http2, { type IncomingHttpHeaders } from 'node:http2';
import type net from 'node:net';
import { log } from '../log.js';
import type { Http2Snapshot } from '../snapshot.js';
import type { ListenerRuntime } from '../worker/runtime.js';
import type { DownstreamSession, DownstreamStream } from './downstream-stream.js';
import { ServerSession } from './server/server-session.js';

const { NGHTTP2_ENHANCE_YOUR_CALM, NGHTTP2_REFUSED_STREAM } = http2.constants;

/** `raw` is the header list as received (flat name/value pairs); `clientIp` the session's peer address. */
export type StreamHandler = (
  stream: DownstreamStream, headers: IncomingHttpHeaders, raw: string[], listener: ListenerRuntime, clientIp: string,
) => void;

export interface DownstreamH2Deps {
  /** The listener as the current runtime has it (settings and routing may change between streams). */
  listenerOf(key: string): ListenerRuntime | undefined;
  onStream: StreamHandler;
  /** Sessions open and closed, for drain and the connection gauge. */
  sessionOpened(session: DownstreamSession): void;
  sessionClosed(session: DownstreamSession): void;
  /** A session was cut off by the rapid-reset guard. */
  abusiveClientClosed(): void;
  /** Sluice's engine closed a session for a connection error (an RFC 9113 error code). */
  connectionError(code: number): void;
}

function settingsOf(http2Settings: Http2Snapshot): http2.Settings {
  return { maxConcurrentStreams: http2Settings.maxConcurrentStreams, maxHeaderListSize: http2Settings.maxHeaderListSize };
}

export class DownstreamH2 {
  readonly #servers = new Map<string, http2.Http2Server>();
  readonly #deps: DownstreamH2Deps;

  constructor(deps: DownstreamH2Deps) {
    this.#deps = deps;
  }

  /** A connection that speaks HTTP/2; `buffered` holds bytes already read from it (the h2c preface). */
  accept(key: string, socket: net.Socket, buffered?: Buffer): void {
    const listener = this.#deps.listenerOf(key);
    if (listener === undefined) {
      socket.destroy();
      return;
    }
    // Listeners accept half-open for HTTP/1.1; an HTTP/2 session ends with its client's FIN (a client
    // that vanishes without GOAWAY would otherwise keep the session, and a drain, waiting forever).
    socket.allowHalfOpen = false;
    if (listener.http2.codec === 'sluice') {
      const session = new ServerSession(socket, listener.http2);
      session.on('connectionError', (code: number) => this.#deps.connectionError(code));
      this.#guard(session, key);
      session.start(buffered);
      return;
    }
    let server = this.#servers.get(key);
    if (server === undefined) {
      server = this.#createServer(key, listener);
      this.#servers.set(key, server);
    }
    if (buffered !== undefined) {
      // Back into the socket, unread: the session reads what is buffered before anything new.
      socket.pause();
      socket.unshift(buffered);
    }
    server.emit('connection', socket);
  }

  /** New SETTINGS for sessions opened from now on; servers of listeners that are gone are dropped. */
  apply(listeners: ReadonlyMap<string, ListenerRuntime>): void {
    for (const [key, server] of this.#servers) {
      const listener = listeners.get(key);
      if (listener === undefined) this.#servers.delete(key);
      else server.updateSettings(settingsOf(listener.http2));
    }
  }

  #createServer(key: string, listener: ListenerRuntime): http2.Http2Server {
    const server = http2.createServer({
      settings: settingsOf(listener.http2),
      maxSessionMemory: 32,
    });
    server.on('session', (session) => this.#guard(session, key));
    return server;
  }

  #guard(session: DownstreamSession, key: string): void {
    const listener = this.#deps.listenerOf(key);
    if (listener === undefined) {
      session.destroy();
      return;
    }
    this.#deps.sessionOpened(session);
    session.on('close', () => this.#deps.sessionClosed(session));
    session.on('error', (error) => log.debug('downstream h2 session error', { error: String(error) }));
    session.setTimeout(listener.idleTimeoutMs, () => session.close());

    const { maxConnectionAgeMs, maxResetsPerSecond } = listener.http2;
    if (maxConnectionAgeMs !== undefined) {
      const age = setTimeout(() => {
        // GOAWAY: the client opens its next streams elsewhere (re-spreading over replicas); these finish.
        if (!session.closed && !session.destroyed) session.close();
      }, maxConnectionAgeMs);
      age.unref();
      session.once('close', () => clearTimeout(age));
    }

    // Per session, not per stream: the client address, and the rapid-reset count of the last second.
    const clientIp = session.socket?.remoteAddress ?? '';
    let windowStart = 0;
    let resets = 0;
    const deps = this.#deps;
    // 'aborted' is set when a stream closes before its response ended: the client reset it.
    const onClose = function (this: DownstreamStream): void {
      if (!this.aborted) return;
      const now = Date.now();
      if (now - windowStart >= 1000) {
        windowStart = now;
        resets = 0;
      }
      if (++resets > maxResetsPerSecond && !session.destroyed) {
        log.warn('closing an HTTP/2 connection that resets streams abusively', { resets });
        session.goaway(NGHTTP2_ENHANCE_YOUR_CALM);
        session.destroy();
        deps.abusiveClientClosed();
      }
    };
    session.on('stream', (stream: DownstreamStream, headers: IncomingHttpHeaders, _flags: number, raw: string[]) => {
      stream.once('close', onClose);
      const current = this.#deps.listenerOf(key);
      if (current === undefined) stream.close(NGHTTP2_REFUSED_STREAM);
      else this.#deps.onStream(stream, headers, raw, current, clientIp);
    });
  }
}
