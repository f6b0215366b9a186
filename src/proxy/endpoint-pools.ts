// The connections Sluice keeps to one endpoint, made for the protocol its cluster speaks (and only that
// one): its own HTTP/1.1 pool (http1 clusters, for HTTP/1.1 and HTTP/2 clients alike) or an HTTP/2
// session pool (h2/h2c clusters).
import type { EndpointTable } from '../balancing/endpoint-table.js';
import { UpstreamH2Pool } from '../h2/upstream-h2-pool.js';
import type { ClusterSnapshot, EndpointSnapshot } from '../snapshot.js';
import { UpstreamPool, type PoolSettings } from './upstream-pool.js';

export class EndpointPools {
  /** Set for http1 clusters. */
  readonly http1: UpstreamPool | undefined;
  /** Set for h2 and h2c clusters. */
  readonly h2: UpstreamH2Pool | undefined;

  constructor(table: EndpointTable, endpoint: EndpointSnapshot, cluster: ClusterSnapshot, settings: PoolSettings, clock: { readonly now: number }) {
    const { protocol } = cluster;
    if (protocol === 'http1') {
      this.http1 = new UpstreamPool(table, endpoint.slot, endpoint.host, endpoint.port, settings, clock);
    } else {
      this.h2 = new UpstreamH2Pool(table, endpoint.slot, endpoint.host, endpoint.port, protocol, settings, clock, cluster.tls);
    }
  }

  configure(settings: PoolSettings): void {
    this.http1?.configure(settings);
    this.h2?.configure(settings);
  }

  sweep(now: number): void {
    this.http1?.sweep(now);
    this.h2?.sweep(now);
  }

  close(): void {
    this.http1?.close();
    this.h2?.close();
  }
}
