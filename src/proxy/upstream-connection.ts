// One keep-alive TCP connection to an endpoint. Its socket listeners are attached once, for the
// connection's whole life, and forward events to whichever exchange currently owns it (none while idle).
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ErrorCode } from '../errors.js';
import type { EndpointTable } from '../balancing/endpoint-table.js';
import type { CircuitBreakers } from '../resilience/circuit-breakers.js';
import type { HistogramCells } from '../observability/histogram-cells.js';

export type UpstreamFailure = Extract<ErrorCode, 'upstream_connect_failed' | 'connect_timeout' | 'upstream_reset'>;

/** What an exchange must handle while it owns an upstream connection. */
export interface UpstreamOwner {
  onUpstreamData(chunk: Buffer): void;
  onUpstreamDrain(): void;
  /** The endpoint closed its side (FIN): the end of a close-delimited body, or a reset before one. */
  onUpstreamEnd(): void;
  onUpstreamClose(failure: UpstreamFailure): void;
}

export interface ConnectionHome {
  readonly table: EndpointTable;
  readonly slot: number;
  /** The connection is established (it no longer counts as pending). */
  connected(connection: UpstreamConnection): void;
  readonly connectTimes: HistogramCells | undefined;
  /** Called once when the socket is gone, so the pool forgets it. */
  forget(connection: UpstreamConnection): void;
}

export class UpstreamConnection {
  readonly socket: net.Socket;
  owner: UpstreamOwner | undefined;
  /** Has carried a complete exchange before: a failure before any response byte may be a stale keep-alive. */
  reused = false;
  connected = false;
  /** The breakers this connection counts against (released when it is gone). */
  breakers: CircuitBreakers | undefined;
  /** A request waits for this connection to be established (counted against `maxPendingRequests`). */
  pending = false;
  /** Coarse-clock time after which a connect attempt (or, once idle, the connection) is closed. */
  deadline = Infinity;
  #timedOut = false;

  constructor(home: ConnectionHome, host: string, port: number) {
    const startedAt = performance.now();
    this.socket = net.connect({ host, port, noDelay: true });
    this.socket.on('connect', () => {
      home.connectTimes?.observe((performance.now() - startedAt) / 1000);
      this.connected = true;
      this.deadline = Infinity;
      home.table.connectionOpened(home.slot);
      home.connected(this);
    });
    this.socket.on('data', (chunk: Buffer) => {
      if (this.owner) this.owner.onUpstreamData(chunk);
      else this.socket.destroy(); // bytes nobody asked for: the connection is out of step
    });
    this.socket.on('drain', () => this.owner?.onUpstreamDrain());
    this.socket.on('end', () => {
      if (this.owner) this.owner.onUpstreamEnd();
      else this.socket.destroy();
    });
    this.socket.on('error', () => { /* 'close' follows and reports the failure */ });
    this.socket.on('close', () => {
      if (this.connected) home.table.connectionClosed(home.slot);
      home.forget(this);
      const owner = this.owner;
      this.owner = undefined;
      owner?.onUpstreamClose(this.connected ? 'upstream_reset' : this.#timedOut ? 'connect_timeout' : 'upstream_connect_failed');
    });
  }

  get destroyed(): boolean { return this.socket.destroyed; }

  /** The connect attempt took too long. */
  timeOut(): void {
    this.#timedOut = true;
    this.socket.destroy();
  }

  destroy(): void {
    this.owner = undefined;
    this.socket.destroy();
  }
}
