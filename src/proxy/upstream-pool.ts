// Keep-alive connections to one endpoint: hands out an idle connection (most recently used first, so
// the rest can age out) or opens a new one, takes connections back, and closes idle and stalled ones.
import type { EndpointTable } from '../balancing/endpoint-table.js';
import { UpstreamConnection, type UpstreamOwner } from './upstream-connection.js';

export interface PoolTimeouts {
  readonly connectMs: number;
  readonly idleMs: number;
}

export class UpstreamPool {
  readonly table: EndpointTable;
  readonly slot: number;
  readonly #host: string;
  readonly #port: number;
  readonly #clock: { readonly now: number };
  #timeouts: PoolTimeouts;
  /** Idle connections, oldest first. */
  readonly #idle: UpstreamConnection[] = [];
  readonly #connecting = new Set<UpstreamConnection>();
  #closed = false;

  constructor(table: EndpointTable, slot: number, host: string, port: number, timeouts: PoolTimeouts, clock: { readonly now: number }) {
    this.table = table;
    this.slot = slot;
    this.#host = host;
    this.#port = port;
    this.#timeouts = timeouts;
    this.#clock = clock;
  }

  /** A new snapshot may change the cluster's timeouts while keeping the endpoint's connections. */
  setTimeouts(timeouts: PoolTimeouts): void { this.#timeouts = timeouts; }

  get idleCount(): number { return this.#idle.length; }

  /** An idle connection if one is open, else a new one (connecting); `owner` receives its events. */
  acquire(owner: UpstreamOwner, fresh: boolean): UpstreamConnection {
    while (!fresh && this.#idle.length > 0) {
      const connection = this.#idle.pop()!;
      if (connection.destroyed) continue;
      connection.deadline = Infinity;
      connection.owner = owner;
      return connection;
    }
    const connection = new UpstreamConnection(this, this.#host, this.#port);
    connection.deadline = this.#clock.now + this.#timeouts.connectMs;
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
    connection.deadline = this.#clock.now + this.#timeouts.idleMs;
    this.#idle.push(connection);
  }

  forget(connection: UpstreamConnection): void {
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
