// HTTP/2 sessions to one endpoint: puts each request's stream on the oldest session with spare capacity,
// opens another when none has any and the cluster's circuit breakers allow, and closes idle and stalled
// sessions. Which endpoint is the balancer's job.
import net from 'node:net';
import { PassThrough } from 'node:stream';
import type { ClientHttp2Stream, OutgoingHttpHeaders, SecureClientSessionOptions } from 'node:http2';
import type { EndpointTable } from '../balancing/endpoint-table.js';
import type { HistogramCells } from '../observability/histogram-cells.js';
import type { CircuitBreakers } from '../resilience/circuit-breakers.js';
import type { PoolSettings } from '../proxy/upstream-pool.js';
import type { UpstreamTlsSnapshot } from '../snapshot.js';
import { UpstreamH2Session } from './upstream-h2-session.js';
import { h2ConnectOptions } from './upstream-tls.js';

export { wasRefused } from './upstream-h2-refused.js';
export { cancelStream } from './upstream-h2-session.js';

/** What a stream refused by a circuit breaker fails with; `upstreamFailure` maps its code to `overflow`. One
 *  shared object: overflows under load should not capture a stack each. */
const OVERFLOW = Object.assign(new Error('circuit breaker open (overflow)'), { code: 'ERR_SLUICE_OVERFLOW' });

export class UpstreamH2Pool {
  readonly table: EndpointTable;
  readonly slot: number;
  readonly clock: { readonly now: number };
  /** Session connect times (seconds) of the endpoint's cluster; set by each snapshot's compile. */
  connectTimes: HistogramCells | undefined;
  readonly #authority: string;
  readonly #connectOptions: SecureClientSessionOptions | undefined;
  #settings: PoolSettings;
  /** Oldest first: requests fill older sessions so newer ones can go idle and be closed. */
  readonly #sessions: UpstreamH2Session[] = [];
  #closed = false;

  constructor(table: EndpointTable, slot: number, host: string, port: number, protocol: 'h2' | 'h2c',
              settings: PoolSettings, clock: { readonly now: number }, tls?: UpstreamTlsSnapshot) {
    this.table = table;
    this.slot = slot;
    this.clock = clock;
    this.#settings = settings;
    const hostPart = net.isIPv6(host) ? `[${host}]` : host;
    if (protocol === 'h2c') {
      this.#authority = `http://${hostPart}:${port}`;
      this.#connectOptions = undefined;
    } else {
      this.#authority = `https://${hostPart}:${port}`;
      this.#connectOptions = h2ConnectOptions(host, tls);
    }
  }

  /** A new snapshot may change the cluster's timeouts and breakers while keeping the endpoint's sessions. */
  configure(settings: PoolSettings): void { this.#settings = settings; }

  get breakers(): CircuitBreakers { return this.#settings.breakers; }

  /** Sessions connecting, open, or draining their last streams. */
  get sessionCount(): number { return this.#sessions.length; }

  /**
   * Opens a stream for one request on a connected session with spare capacity. Else the request waits, holding
   * a `maxPendingRequests` unit: on a session still connecting, on a new session (which holds a `maxConnections`
   * unit until it closes), or — `maxConnections` reached — on the session with the fewest streams held back at
   * the peer's limit, until one of its streams closes. That last one is Envoy's choice for HTTP/2: a request
   * without a stream to go on is a pending request (queued, or refused by `maxPendingRequests`), and the
   * connection breaker only stops new connections (it counts an overflow but fails nothing). Unlike Envoy, no
   * session is opened over `maxConnections` when this worker has none to the endpoint: the limit holds.
   * A failing session makes the stream emit 'error' and 'close'; a breaker's refusal gives a stand-in stream that
   * does the same with OVERFLOW, so callers handle it where they handle a failed connect.
   */
  request(headers: OutgoingHttpHeaders, endStream: boolean): ClientHttp2Stream {
    const sessions = this.#sessions;
    let connecting: UpstreamH2Session | undefined;
    for (let index = 0; index < sessions.length; index++) {
      const session = sessions[index]!;
      if (!session.hasCapacity) continue;
      if (session.connected) return session.request(headers, endStream, false);
      connecting ??= session;
    }
    const breakers = this.#settings.breakers;
    if (!breakers.beginPending()) return overflowed();
    if (connecting !== undefined) return connecting.request(headers, endStream, true);
    if (breakers.openConnection()) {
      const session = new UpstreamH2Session(this, this.#authority, this.#connectOptions);
      sessions.push(session);
      const stream = session.request(headers, endStream, true);
      if (this.#closed) session.retire();
      return stream;
    }
    const shortestQueue = this.#shortestQueue();
    if (shortestQueue !== undefined) return shortestQueue.request(headers, endStream, true);
    breakers.endPending();
    return overflowed();
  }

  /** The session still taking streams with the fewest held back beyond the peer's limit. */
  #shortestQueue(): UpstreamH2Session | undefined {
    let best: UpstreamH2Session | undefined;
    for (const session of this.#sessions) {
      if (session.takesStreams && (best === undefined || session.queued < best.queued)) best = session;
    }
    return best;
  }

  forget(session: UpstreamH2Session): void {
    const index = this.#sessions.indexOf(session);
    if (index >= 0) this.#sessions.splice(index, 1);
  }

  /** Closes sessions idle (no open streams) past idleMs, and sessions still connecting past connectMs. */
  sweep(now: number): void {
    const { connectMs, idleMs } = this.#settings;
    // Backwards: a session leaves the list on its 'close' event, which may come before the loop ends.
    for (let index = this.#sessions.length - 1; index >= 0; index--) {
      const session = this.#sessions[index]!;
      if (!session.connected) {
        if (session.since + connectMs <= now) session.timeOut(connectMs);
      } else if (session.openStreams === 0 && session.since + idleMs <= now) {
        session.retire();
      }
    }
  }

  /** The endpoint left the configuration: close idle sessions now, busy ones once their streams end. */
  close(): void {
    this.#closed = true;
    for (let index = this.#sessions.length - 1; index >= 0; index--) this.#sessions[index]!.retire();
  }
}

/** A stream already failed with OVERFLOW: it emits 'error' and 'close' on the next tick, after the caller has
 *  attached its listeners, and ignores writes. It only ever takes the callers' failure path. */
function overflowed(): ClientHttp2Stream {
  const stream = new PassThrough();
  stream.destroy(OVERFLOW);
  return stream as unknown as ClientHttp2Stream;
}
