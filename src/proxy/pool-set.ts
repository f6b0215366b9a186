// Every upstream pool of a worker, keyed by endpoint identity, protocol and upstream TLS settings,
// carried across snapshots: an endpoint that stays keeps its warm connections; one that leaves (or whose
// cluster changes protocol or TLS trust) has its pools closed, busy sessions after their streams.
import type { EndpointTable } from '../balancing/endpoint-table.js';
import type { CircuitBreakers } from '../resilience/circuit-breakers.js';
import type { ClusterSnapshot, EndpointSnapshot } from '../snapshot.js';
import { EndpointPools } from './endpoint-pools.js';
import type { Ticker } from './ticker.js';

/** The pools of one endpoint of a cluster of the snapshot given to `update`. */
export type PoolsOf = (cluster: ClusterSnapshot, endpoint: EndpointSnapshot) => EndpointPools;

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
    const connectionKinds = new Map<ClusterSnapshot, string>();
    for (const cluster of clusters) {
      const settings = { connectMs: cluster.timeouts.connectMs, idleMs: cluster.timeouts.idleMs, breakers: breakersOf(cluster.name) };
      const kind = connectionKind(cluster);
      connectionKinds.set(cluster, kind);
      for (const endpoint of cluster.endpoints) {
        const key = poolKey(endpoint, kind);
        let pools = next.get(key) ?? this.#pools.get(key);
        if (pools) pools.configure(settings);
        else pools = new EndpointPools(this.#table, endpoint, cluster, settings, this.#ticker);
        next.set(key, pools);
      }
    }
    for (const [key, pools] of this.#pools) if (!next.has(key)) pools.close();
    this.#pools = next;
    return (cluster, endpoint) => next.get(poolKey(endpoint, connectionKinds.get(cluster)!))!;
  }

  close(): void {
    this.#ticker.delete(this.#sweep);
    for (const pools of this.#pools.values()) pools.close();
    this.#pools.clear();
  }
}

/** What decides how connections to a cluster's endpoints are made: its protocol and TLS settings (CA text included). */
function connectionKind(cluster: ClusterSnapshot): string {
  return cluster.tls === undefined ? cluster.protocol : `${cluster.protocol}|${JSON.stringify(cluster.tls)}`;
}

function poolKey(endpoint: EndpointSnapshot, connectionKind: string): string {
  return `${endpoint.slot}|${endpoint.address}|${connectionKind}`;
}
