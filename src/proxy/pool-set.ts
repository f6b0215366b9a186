// Every upstream pool of a worker, keyed by endpoint identity and protocol, carried across snapshots:
// an endpoint that stays keeps its warm connections; one that leaves has its pools closed.
import type { EndpointTable } from '../balancing/endpoint-table.js';
import type { CircuitBreakers } from '../resilience/circuit-breakers.js';
import type { ClusterProtocol, ClusterSnapshot, EndpointSnapshot } from '../snapshot.js';
import { EndpointPools } from './endpoint-pools.js';
import type { Ticker } from './ticker.js';

export type PoolsOf = (endpoint: EndpointSnapshot, protocol: ClusterProtocol) => EndpointPools;

export class PoolSet {
  #pools = new Map<string, EndpointPools>();
  readonly #table: EndpointTable;
  readonly #ticker: Ticker;
  readonly #sweep = (now: number) => { for (const pools of this.#pools.values()) pools.sweep(now); };

  constructor(table: EndpointTable, ticker: Ticker) {
    this.#table = table;
    this.#ticker = ticker;
    ticker.add(this.#sweep);
  }

  /**
   * Pools for every endpoint of `clusters`, reusing existing ones (with the new snapshot's timeouts and
   * circuit breakers); pools no longer named are closed.
   */
  update(clusters: readonly ClusterSnapshot[], breakersOf: (cluster: string) => CircuitBreakers): PoolsOf {
    const next = new Map<string, EndpointPools>();
    for (const cluster of clusters) {
      const settings = { connectMs: cluster.timeouts.connectMs, idleMs: cluster.timeouts.idleMs, breakers: breakersOf(cluster.name) };
      for (const endpoint of cluster.endpoints) {
        const key = poolKey(endpoint, cluster.protocol);
        let pools = next.get(key) ?? this.#pools.get(key);
        if (pools) pools.configure(settings);
        else pools = new EndpointPools(this.#table, endpoint, cluster.protocol, settings, this.#ticker);
        next.set(key, pools);
      }
    }
    for (const [key, pools] of this.#pools) if (!next.has(key)) pools.close();
    this.#pools = next;
    return (endpoint, protocol) => next.get(poolKey(endpoint, protocol))!;
  }

  close(): void {
    this.#ticker.delete(this.#sweep);
    for (const pools of this.#pools.values()) pools.close();
    this.#pools.clear();
  }
}

function poolKey(endpoint: EndpointSnapshot, protocol: ClusterProtocol): string {
  return `${endpoint.slot}|${endpoint.address}|${protocol}`;
}
