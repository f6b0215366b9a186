// The listening sockets of one worker: a net.Server per listener key, each on this worker's own dup of
// the socket the main thread created (so the kernel spreads accepted connections over the workers).
import { closeSync } from 'node:fs';
import net from 'node:net';
import type { ListenerFd } from '../control/messages.js';
import { log } from '../log.js';

export type ConnectionHandler = (key: string, socket: net.Socket) => void;

export class ListenerSet {
  readonly #servers = new Map<string, net.Server>();
  readonly #onConnection: ConnectionHandler;

  constructor(onConnection: ConnectionHandler) {
    this.#onConnection = onConnection;
  }

  /** Listens on every new key, keeps the existing ones, stops the ones no longer listed. */
  apply(fds: readonly ListenerFd[]): void {
    const wanted = new Set<string>();
    for (const { key, fd } of fds) {
      wanted.add(key);
      if (this.#servers.has(key)) {
        closeSync(fd); // already listening on an earlier dup of the same socket
        continue;
      }
      const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.#onConnection(key, socket));
      server.on('error', (error) => log.error('listener failed', { key, error: String(error) }));
      server.listen({ fd });
      this.#servers.set(key, server);
    }
    for (const [key, server] of this.#servers) {
      if (wanted.has(key)) continue;
      server.close();
      this.#servers.delete(key);
    }
  }

  /** Stops accepting everywhere (drain); open connections are left alone. */
  closeAll(): void {
    for (const server of this.#servers.values()) server.close();
    this.#servers.clear();
  }
}
