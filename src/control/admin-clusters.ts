// The admin's /clusters view: every cluster of the snapshot with its balancer, its circuit breakers' units
// in use, and each endpoint's zone, weight, availability and counters, read from the EndpointTable (all
// workers together). Reads only.
import { ClusterField, EndpointState, type EndpointTable } from '../balancing/endpoint-table.js';
import type { Snapshot } from '../snapshot.js';

export type EndpointHealth = 'healthy' | 'unhealthy' | 'unchecked';

export interface EndpointView {
  readonly address: string;
  readonly zone: string;
  readonly weight: number;
  readonly slot: number;
  /** Active health check result; `healthy` also when no health check is configured. */
  readonly health: EndpointHealth;
  readonly ejected: boolean;
  /** Times outlier detection has ejected it (decays while it stays in). */
  readonly ejectionCount: number;
  /** Takes new requests (no availability flag set). */
  readonly available: boolean;
  /** When it last became available (ISO 8601): the start of its slow-start window. */
  readonly availableSince: string;
  readonly active: number;
  readonly total: number;
  readonly connections: number;
}

/** Units of each circuit breaker in use now, cluster-wide (connections count while connecting too). */
export interface BreakersInUse {
  readonly connections: number;
  readonly pendingRequests: number;
  readonly requests: number;
  readonly retries: number;
}

export interface ClusterView {
  readonly name: string;
  readonly protocol: string;
  readonly balancer: string;
  readonly circuitBreakers: BreakersInUse;
  readonly endpoints: readonly EndpointView[];
}

function healthOf(state: number): EndpointHealth {
  if ((state & EndpointState.UNHEALTHY) !== 0) return 'unhealthy';
  if ((state & EndpointState.UNCHECKED) !== 0) return 'unchecked';
  return 'healthy';
}

export function clustersView(snapshot: Snapshot | undefined, table: EndpointTable): ClusterView[] {
  return (snapshot?.clusters ?? []).map((cluster) => ({
    name: cluster.name,
    protocol: cluster.protocol,
    balancer: cluster.balancer,
    circuitBreakers: {
      connections: table.count(cluster.countersSlot, ClusterField.CONNECTIONS),
      pendingRequests: table.count(cluster.countersSlot, ClusterField.PENDING),
      requests: table.count(cluster.countersSlot, ClusterField.REQUESTS),
      retries: table.count(cluster.countersSlot, ClusterField.RETRIES),
    },
    endpoints: cluster.endpoints.map(({ address, zone, weight, slot }) => {
      const state = table.state(slot);
      return {
        address, zone, weight, slot,
        health: healthOf(state),
        ejected: (state & EndpointState.EJECTED) !== 0,
        ejectionCount: table.ejectionCount(slot),
        available: state === 0,
        availableSince: new Date(table.availableSince(slot)).toISOString(),
        active: table.active(slot),
        total: table.total(slot),
        connections: table.connections(slot),
      };
    }),
  }));
}
