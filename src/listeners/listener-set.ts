// The listening sockets of one worker: a server per listener key, each on this worker's own dup of
// the socket the main thread created (so the kernel spreads accepted connections over the workers).
// `https` listeners terminate TLS first; the certificate comes from the current runtime's SNI table.
import { closeSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { ListenerFd } from '../control/messages.js';
import { log } from '../log.js';
import type { CertificateSnapshot } from '../snapshot.js';
import type { ListenerRuntime } from '../worker/runtime.js';

export type ConnectionHandler = (key: string, socket: net.Socket) => void;

/** Where accepted connections go: Sluice's HTTP/1.1 engine, or HTTP/2 when ALPN chose h2. */
export interface ConnectionHandlers {
  readonly http1: ConnectionHandler;
  readonly h2: ConnectionHandler;
}

interface ListeningServer {
  readonly server: net.Server;
  /** What the TLS server's own context (served to clients without SNI) was built from. */
  defaultContextKey?: string;
}

const contextKey = (certificate: CertificateSnapshot, minVersion: string) => `${minVersion}\u0000${certificate.cert}\u0000${certificate.key}`;

export class ListenerSet {
  readonly #servers = new Map<string, ListeningServer>();
  readonly #handlers: ConnectionHandlers;
  readonly #listenerOf: (key: string) => ListenerRuntime | undefined;

  /** `listenerOf` reads the current runtime, so a handshake always uses the newest certificates and ALPN list. */
  constructor(handlers: ConnectionHandlers, listenerOf: (key: string) => ListenerRuntime | undefined) {
    this.#handlers = handlers;
    this.#listenerOf = listenerOf;
  }

  /** Listens on every new key, keeps the existing ones, stops the ones no longer listed. */
  apply(fds: readonly ListenerFd[], listeners: ReadonlyMap<string, ListenerRuntime>): void {
    const wanted = new Set<string>();
    for (const { key, fd } of fds) {
      wanted.add(key);
      const listener = listeners.get(key)!;
      let listening = this.#servers.get(key);
      if (listening !== undefined) {
        closeSync(fd); // already listening on an earlier dup of the same socket
      } else {
        listening = { server: this.#createServer(key, listener) };
        listening.server.on('error', (error) => log.error('listener failed', { key, error: String(error) }));
        listening.server.listen({ fd });
        this.#servers.set(key, listening);
      }
      this.#updateDefaultCertificate(listening, listener);
    }
    for (const [key, { server }] of this.#servers) {
      if (wanted.has(key)) continue;
      server.close();
      this.#servers.delete(key);
    }
  }

  /** Stops accepting everywhere (drain); open connections are left alone. */
  closeAll(): void {
    for (const { server } of this.#servers.values()) server.close();
    this.#servers.clear();
  }

  #createServer(key: string, listener: ListenerRuntime): net.Server {
    const { http1, h2 } = this.#handlers;
    if (listener.tls === undefined) return net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => http1(key, socket));
    const { certificate, minVersion } = listener.tls;
    const server = tls.createServer({
      allowHalfOpen: true,
      noDelay: true,
      cert: certificate.cert,
      key: certificate.key,
      minVersion,
      handshakeTimeout: listener.headersTimeoutMs,
      SNICallback: (serverName, done) => done(null, this.#listenerOf(key)?.tls?.sni.select(serverName)),
      // The first protocol of ours the client also offers; none in common: no ALPN (HTTP/1.1).
      ALPNCallback: ({ protocols }) => this.#listenerOf(key)?.tls?.alpn.find((protocol) => protocols.includes(protocol)),
    }, (socket: tls.TLSSocket) => {
      this.#listenerOf(key)?.tls?.handshakes.completed.inc();
      (socket.alpnProtocol === 'h2' ? h2 : http1)(key, socket);
    });
    server.on('tlsClientError', () => this.#listenerOf(key)?.tls?.handshakes.failed.inc());
    return server;
  }

  /** Clients without SNI get the server's own context: keep it on the snapshot's default certificate. */
  #updateDefaultCertificate(listening: ListeningServer, listener: ListenerRuntime): void {
    if (listener.tls === undefined) return;
    const { certificate, minVersion } = listener.tls;
    const key = contextKey(certificate, minVersion);
    if (listening.defaultContextKey !== undefined && listening.defaultContextKey !== key) {
      (listening.server as tls.Server).setSecureContext({ cert: certificate.cert, key: certificate.key, minVersion });
    }
    listening.defaultContextKey = key;
  }
}
