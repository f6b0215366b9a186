// Every upstream pool of a worker, keyed by endpoint identity, carried across snapshots: an endpoint
// that stays keeps its warm connections; one that leaves has its pool closed.
import type { EndpointTable } from '../balancing/endpoint-table.js';
import type { ClusterSnapshot, EndpointSnapshot } from '../snapshot.js';
import type { Ticker } from './ticker.js';
import { UpstreamPool } from './upstream-pool.js';

export class PoolSet {
  #pools = new Map<string, UpstreamPool>();
  readonly #table: EndpointTable;
  readonly #ticker: Ticker;
  readonly #sweep = (now: number) => { for (const pool of this.#pools.values()) pool.sweep(now); };

  constructor(table: EndpointTable, ticker: Ticker) {
    this.#table = table;
    this.#ticker = ticker;
    ticker.add(this.#sweep);
  }

  /** Pools for every endpoint of `clusters`, reusing existing ones; pools no longer named are closed. */
  update(clusters: readonly ClusterSnapshot[]): (endpoint: EndpointSnapshot) => UpstreamPool {
    const next = new Map<string, UpstreamPool>();
    for (const cluster of clusters) {
      const timeouts = { connectMs: cluster.timeouts.connectMs, idleMs: cluster.timeouts.idleMs };
      for (const endpoint of cluster.endpoints) {
        const key = poolKey(endpoint);
        let pool = next.get(key) ?? this.#pools.get(key);
        if (pool) pool.setTimeouts(timeouts);
        else pool = new UpstreamPool(this.#table, endpoint.slot, endpoint.host, endpoint.port, timeouts, this.#ticker);
        next.set(key, pool);
      }
    }
    for (const [key, pool] of this.#pools) if (!next.has(key)) pool.close();
    this.#pools = next;
    return (endpoint) => next.get(poolKey(endpoint))!;
  }

  close(): void {
    this.#ticker.delete(this.#sweep);
    for (const pool of this.#pools.values()) pool.close();
    this.#pools.clear();
  }
}

function poolKey(endpoint: EndpointSnapshot): string {
  return `${endpoint.slot}|${endpoint.address}`;
}
