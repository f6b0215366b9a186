// The connections Sluice keeps to one endpoint, by how it talks to it: its own HTTP/1.1 pool (HTTP/1.1
// clients, http1 clusters), an HTTP/2 session pool (h2/h2c clusters), and, created on first use, an
// undici pool for HTTP/2 clients of an http1 cluster (undici does the HTTP/1.1 framing both ways).
import { Pool } from 'undici';
import type { EndpointTable } from '../balancing/endpoint-table.js';
import { UpstreamH2Pool } from '../h2/upstream-h2-pool.js';
import type { ClusterProtocol, EndpointSnapshot } from '../snapshot.js';
import { UpstreamPool, type PoolTimeouts } from './upstream-pool.js';

/**
 * Connections undici may open to one endpoint for HTTP/2 clients; requests beyond them queue. Unbounded,
 * every concurrent h2 stream opened its own socket (640 under h2load 64 × 10); bounded at 64 the h2 bench
 * went from 6.2k to 7.3k req/s (one run each, a noisy machine).
 */
const UNDICI_CONNECTIONS = 64;

export class EndpointPools {
  readonly http1: UpstreamPool;
  readonly h2: UpstreamH2Pool | undefined;
  readonly #origin: string;
  #timeouts: PoolTimeouts;
  #undici: Pool | undefined;

  constructor(table: EndpointTable, endpoint: EndpointSnapshot, protocol: ClusterProtocol, timeouts: PoolTimeouts, clock: { readonly now: number }) {
    this.#timeouts = timeouts;
    this.#origin = `http://${endpoint.address}`;
    this.http1 = new UpstreamPool(table, endpoint.slot, endpoint.host, endpoint.port, timeouts, clock);
    this.h2 = protocol === 'http1' ? undefined : new UpstreamH2Pool(table, endpoint.slot, endpoint.host, endpoint.port, protocol, timeouts, clock);
  }

  /** HTTP/1.1 through undici, for HTTP/2 clients of an http1 cluster. */
  undici(): Pool {
    this.#undici ??= new Pool(this.#origin, {
      connections: UNDICI_CONNECTIONS,
      connectTimeout: this.#timeouts.connectMs,
      keepAliveTimeout: this.#timeouts.idleMs,
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    return this.#undici;
  }

  setTimeouts(timeouts: PoolTimeouts): void {
    this.#timeouts = timeouts;
    this.http1.setTimeouts(timeouts);
    this.h2?.setTimeouts(timeouts);
  }

  sweep(now: number): void {
    this.http1.sweep(now);
    this.h2?.sweep(now);
  }

  close(): void {
    this.http1.close();
    this.h2?.close();
    void this.#undici?.close();
  }
}
