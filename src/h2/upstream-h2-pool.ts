// HTTP/2 sessions to one endpoint: puts each request's stream on the oldest session with spare capacity,
// opens another when none has any, and closes idle and stalled sessions. Which endpoint is the balancer's job.
import net from 'node:net';
import type { ClientHttp2Stream, OutgoingHttpHeaders, SecureClientSessionOptions } from 'node:http2';
import type { EndpointTable } from '../balancing/endpoint-table.js';
import type { HistogramCells } from '../observability/histogram-cells.js';
import type { UpstreamTlsSnapshot } from '../snapshot.js';
import { UpstreamH2Session } from './upstream-h2-session.js';
import { h2ConnectOptions } from './upstream-tls.js';

export { wasRefused } from './upstream-h2-refused.js';

export interface H2PoolTimeouts {
  readonly connectMs: number;
  readonly idleMs: number;
}

export class UpstreamH2Pool {
  readonly table: EndpointTable;
  readonly slot: number;
  readonly clock: { readonly now: number };
  /** Session connect times (seconds) of the endpoint's cluster; set by each snapshot's compile. */
  connectTimes: HistogramCells | undefined;
  readonly #authority: string;
  readonly #connectOptions: SecureClientSessionOptions | undefined;
  #timeouts: H2PoolTimeouts;
  /** Oldest first: requests fill older sessions so newer ones can go idle and be closed. */
  readonly #sessions: UpstreamH2Session[] = [];
  #closed = false;

  constructor(table: EndpointTable, slot: number, host: string, port: number, protocol: 'h2' | 'h2c',
              timeouts: H2PoolTimeouts, clock: { readonly now: number }, tls?: UpstreamTlsSnapshot) {
    this.table = table;
    this.slot = slot;
    this.clock = clock;
    this.#timeouts = timeouts;
    const hostPart = net.isIPv6(host) ? `[${host}]` : host;
    if (protocol === 'h2c') {
      this.#authority = `http://${hostPart}:${port}`;
      this.#connectOptions = undefined;
    } else {
      this.#authority = `https://${hostPart}:${port}`;
      this.#connectOptions = h2ConnectOptions(host, tls);
    }
  }

  /** A new snapshot may change the cluster's timeouts while keeping the endpoint's sessions. */
  setTimeouts(timeouts: H2PoolTimeouts): void { this.#timeouts = timeouts; }

  /** Sessions connecting, open, or draining their last streams. */
  get sessionCount(): number { return this.#sessions.length; }

  /** Opens a stream for one request on a session with spare capacity, opening a new session when every session is
   *  at the peer's stream limit or going away. A failing session makes the stream emit 'error' and 'close'. */
  request(headers: OutgoingHttpHeaders, endStream: boolean): ClientHttp2Stream {
    const sessions = this.#sessions;
    for (let index = 0; index < sessions.length; index++) {
      const session = sessions[index]!;
      if (session.hasCapacity) return session.request(headers, endStream);
    }
    const session = new UpstreamH2Session(this, this.#authority, this.#connectOptions);
    sessions.push(session);
    const stream = session.request(headers, endStream);
    if (this.#closed) session.retire();
    return stream;
  }

  forget(session: UpstreamH2Session): void {
    const index = this.#sessions.indexOf(session);
    if (index >= 0) this.#sessions.splice(index, 1);
  }

  /** Closes sessions idle (no open streams) past idleMs, and sessions still connecting past connectMs. */
  sweep(now: number): void {
    const { connectMs, idleMs } = this.#timeouts;
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
