// The listening sockets of the main thread, one per listener key, created by the native addon. The
// main thread never polls them (so it never accepts); every worker gets its own dup() of each.
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ListenerSnapshot } from '../snapshot.js';
import type { ListenerFd } from './messages.js';
import { packageRoot } from './package-root.js';

interface ListenSocketAddon {
  listen(host: string, port: number, backlog: number): { fd: number; port: number };
  dup(fd: number): number;
  close(fd: number): void;
}

const ADDON_RELATIVE_PATH = path.join('build', 'Release', 'listen_socket.node');
const LISTEN_BACKLOG = 511;

/** A listener socket could not be created; the message names the listener and the cause. */
export class ListenerBindError extends Error {
  override readonly name = 'ListenerBindError';
}

function loadAddon(): ListenSocketAddon {
  const addonPath = path.join(packageRoot(), ADDON_RELATIVE_PATH);
  return createRequire(import.meta.url)(addonPath) as ListenSocketAddon;
}

function bindFailure(listener: ListenerSnapshot, error: unknown): ListenerBindError {
  const errno = (error as { errno?: number }).errno;
  const where = `listener "${listener.name}" (${listener.host}:${listener.port})`;
  // errno values from Linux: EADDRINUSE 98, EACCES 13, EADDRNOTAVAIL 99.
  if (errno === 98) return new ListenerBindError(`${where}: address already in use`);
  if (errno === 13) return new ListenerBindError(`${where}: permission denied (ports below 1024 need privileges)`);
  if (errno === 99) return new ListenerBindError(`${where}: address not available on this host`);
  return new ListenerBindError(`${where}: ${error instanceof Error ? error.message : String(error)}`);
}

interface OpenSocket {
  readonly fd: number;
  readonly port: number;
}

export class ListenerSockets {
  readonly #addon: ListenSocketAddon;
  readonly #open = new Map<string, OpenSocket>();

  constructor(addon: ListenSocketAddon = loadAddon()) {
    this.#addon = addon;
  }

  /**
   * Creates a socket for every listener whose key has none yet. All or nothing: when one fails, the
   * sockets made by this call are closed again before the error is thrown.
   */
  open(listeners: readonly ListenerSnapshot[]): void {
    const created: string[] = [];
    try {
      for (const listener of listeners) {
        if (this.#open.has(listener.key)) continue;
        let socket: OpenSocket;
        try {
          socket = this.#addon.listen(listener.host, listener.port, LISTEN_BACKLOG);
        } catch (error) {
          throw bindFailure(listener, error);
        }
        this.#open.set(listener.key, socket);
        created.push(listener.key);
      }
    } catch (error) {
      this.#close(created);
      throw error;
    }
  }

  /** Fresh duplicates for one worker, which owns (and closes) them. */
  duplicatesFor(listeners: readonly ListenerSnapshot[]): ListenerFd[] {
    return listeners.map(({ key }) => {
      const socket = this.#open.get(key);
      if (socket === undefined) throw new Error(`no listening socket for listener key ${key}`);
      return { key, fd: this.#addon.dup(socket.fd), port: socket.port };
    });
  }

  boundPort(key: string): number | undefined {
    return this.#open.get(key)?.port;
  }

  /** Closes the sockets of every key not in `keep`. */
  retain(keep: Iterable<string>): void {
    const kept = new Set(keep);
    this.#close([...this.#open.keys()].filter((key) => !kept.has(key)));
  }

  closeAll(): void {
    this.#close([...this.#open.keys()]);
  }

  #close(keys: Iterable<string>): void {
    for (const key of keys) {
      const socket = this.#open.get(key);
      if (socket === undefined) continue;
      this.#open.delete(key);
      this.#addon.close(socket.fd);
    }
  }
}
