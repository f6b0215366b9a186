// Real HTTP/1.1 upstream servers on 127.0.0.1:0 for integration tests; they count connections and
// requests so tests can assert keep-alive reuse and balancing.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Backend {
  readonly name: string;
  readonly port: number;
  readonly address: string;
  readonly server: http.Server;
  /** TCP connections accepted so far. */
  connections: number;
  /** Requests received so far. */
  requests: number;
  /** The last request's headers. */
  lastHeaders: http.IncomingHttpHeaders;
  close(): Promise<void>;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, backend: Backend) => void;

/** Answers `name` as text unless a handler is given. */
export async function startBackend(t: { teardown(fn: () => unknown): void }, name: string, handler?: Handler): Promise<Backend> {
  const server = http.createServer({ keepAliveTimeout: 30_000 });
  const backend: Backend = {
    name, port: 0, address: '', server, connections: 0, requests: 0, lastHeaders: {},
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
  server.on('connection', () => { backend.connections++; });
  server.on('request', (req, res) => {
    backend.requests++;
    backend.lastHeaders = req.headers;
    if (handler) return handler(req, res, backend);
    req.resume();
    req.on('end', () => res.end(name));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  Object.assign(backend, { port, address: `127.0.0.1:${port}` });
  t.teardown(() => backend.close());
  return backend;
}
