// Real HTTP/2 cleartext (h2c) upstream servers on 127.0.0.1:0 for integration tests of h2c clusters;
// they count streams and note a per-request tag so tests can assert who answered what, and how often.
import http2, { type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';

export interface H2Backend {
  readonly name: string;
  readonly address: string;
  /** Requests (streams) received so far. */
  requests: number;
  /** The `x-tag` header of every request received, in order (requests without one are not noted). */
  readonly tags: string[];
}

export interface H2BackendOptions {
  /** The status of every response (200). */
  readonly status?: number;
  /** The head goes at once, the body (the name) this much later (0: with the head). */
  readonly bodyDelayMs?: number;
}

/** Answers each request (after reading its body) with the status and the backend's name as text. */
export async function startH2Backend(t: { teardown(fn: () => unknown): void }, name: string, options: H2BackendOptions = {}): Promise<H2Backend> {
  const { status = 200, bodyDelayMs = 0 } = options;
  const server = http2.createServer();
  const backend: H2Backend = { name, address: '', requests: 0, tags: [] };
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    backend.requests++;
    const tag = headers['x-tag'];
    if (typeof tag === 'string') backend.tags.push(tag);
    stream.on('error', () => {}); // a stream Sluice cancels for a retry
    stream.resume();
    stream.once('end', () => {
      if (stream.destroyed) return;
      stream.respond({ ':status': status, 'content-type': 'text/plain' });
      if (bodyDelayMs === 0) return stream.end(name);
      const timer = setTimeout(() => stream.end(name), bodyDelayMs);
      stream.once('close', () => clearTimeout(timer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (backend as { address: string }).address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.teardown(() => new Promise<void>((resolve) => {
    server.close(() => resolve());
    for (const session of sessions) session.destroy();
  }));
  return backend;
}
