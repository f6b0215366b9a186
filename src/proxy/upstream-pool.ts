// Keep-alive connections to one endpoint: hands out an idle connection (most recently used first, so
// the rest can age out) or opens a new one, takes connections back, and closes idle and stalled ones.
import type { EndpointTable } from '../balancing/endpoint-table.js';
import type { CircuitBreakers } from '../resilience/circuit-breakers.js';
import type { HistogramCells } from '../observability/histogram-cells.js';
import { UpstreamConnection, type UpstreamOwner } from './upstream-connection.js';

export interface PoolSettings {
  readonly connectMs: number;
  readonly idleMs: number;
  /** The cluster's breakers: a new connection counts against `maxConnections`, a request waiting for one against `maxPendingRequests`. */
  readonly breakers: CircuitBreakers;
}

export class UpstreamPool {
  readonly table: EndpointTable;
  readonly slot: number;
  /** Connect times (seconds) of the endpoint's cluster; set by each snapshot's compile. */
  connectTimes: HistogramCells | undefined;
  readonly #host: string;
  readonly #port: number;
  readonly #clock: { readonly now: number };
  #settings: PoolSettings;
  /** Idle connections, oldest first. */
  readonly #idle: UpstreamConnection[] = [];
  readonly #connecting = new Set<UpstreamConnection>();
  #closed = false;

  constructor(table: EndpointTable, slot: number, host: string, port: number, settings: PoolSettings, clock: { readonly now: number }) {
    this.table = table;
    this.slot = slot;
    this.#host = host;
    this.#port = port;
    this.#settings = settings;
    this.#clock = clock;
  }

  /** A new snapshot may change the cluster's timeouts and breakers while keeping the endpoint's connections. */
  configure(settings: PoolSettings): void { this.#settings = settings; }

  get idleCount(): number { return this.#idle.length; }

  /**
   * An idle connection if one is open, else a new one (connecting); `owner` receives its events.
   * undefined: the cluster's connection or pending-request limit is reached (circuit breaker).
   */
  acquire(owner: UpstreamOwner, fresh: boolean): UpstreamConnection | undefined {
    while (!fresh && this.#idle.length > 0) {
      const connection = this.#idle.pop()!;
      if (connection.destroyed) continue;
      connection.deadline = Infinity;
      connection.owner = owner;
      return connection;
    }
    const breakers = this.#settings.breakers;
    if (!breakers.openConnection()) return undefined;
    if (!breakers.beginPending()) {
      breakers.connectionClosed();
      return undefined;
    }
    const connection = new UpstreamConnection(this, this.#host, this.#port);
    connection.breakers = breakers;
    connection.pending = true;
    connection.deadline = this.#clock.now + this.#settings.connectMs;
    connection.owner = owner;
    this.#connecting.add(connection);
    return connection;
  }

  /** Takes back a connection whose exchange completed cleanly. */
  release(connection: UpstreamConnection): void {
    connection.owner = undefined;
    connection.reused = true;
    if (this.#closed || connection.destroyed) {
      connection.destroy();
      return;
    }
    this.#connecting.delete(connection);
    connection.deadline = this.#clock.now + this.#settings.idleMs;
    this.#idle.push(connection);
  }

  connected(connection: UpstreamConnection): void {
    connection.pending = false;
    connection.breakers?.endPending();
  }

  forget(connection: UpstreamConnection): void {
    if (connection.pending) this.connected(connection);
    connection.breakers?.connectionClosed();
    connection.breakers = undefined;
    this.#connecting.delete(connection);
    const index = this.#idle.indexOf(connection);
    if (index >= 0) this.#idle.splice(index, 1);
  }

  /** Closes idle connections past their idle timeout and connect attempts past their connect timeout. */
  sweep(now: number): void {
    while (this.#idle.length > 0 && this.#idle[0]!.deadline <= now) this.#idle.shift()!.destroy();
    for (const connection of this.#connecting) {
      if (connection.connected) this.#connecting.delete(connection);
      else if (connection.deadline <= now) connection.timeOut();
    }
  }

  /** The endpoint left the configuration: close idle connections now, busy ones when their exchange ends. */
  close(): void {
    this.#closed = true;
    for (const connection of this.#idle.splice(0)) connection.destroy();
  }
}
