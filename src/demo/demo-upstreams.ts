// The demo's upstream servers: three small node:http servers (not the proxy) that answer every
// request with which endpoint and zone served it and what the proxy forwarded, so curl shows balancing.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DemoUpstreamSpec {
  readonly name: string;
  readonly zone: string;
}

export interface DemoUpstream extends DemoUpstreamSpec {
  /** "127.0.0.1:port". */
  readonly address: string;
}

export interface DemoUpstreams {
  readonly upstreams: readonly DemoUpstream[];
  close(): Promise<void>;
}

export const demoUpstreamSpecs: readonly DemoUpstreamSpec[] = [
  { name: 'demo-1', zone: 'zone-a' },
  { name: 'demo-2', zone: 'zone-a' },
  { name: 'demo-3', zone: 'zone-b' },
];

function answer(spec: DemoUpstreamSpec, request: http.IncomingMessage, response: http.ServerResponse): void {
  request.resume();
  const body = JSON.stringify({
    endpoint: spec.name,
    zone: spec.zone,
    method: request.method,
    path: request.url,
    host: request.headers.host ?? null,
    xForwardedFor: request.headers['x-forwarded-for'] ?? null,
  }) + '\n';
  response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

function listen(spec: DemoUpstreamSpec): Promise<{ server: http.Server; upstream: DemoUpstream }> {
  const server = http.createServer((request, response) => answer(spec, request, response));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, upstream: { ...spec, address: `127.0.0.1:${port}` } });
    });
  });
}

export async function startDemoUpstreams(specs: readonly DemoUpstreamSpec[] = demoUpstreamSpecs): Promise<DemoUpstreams> {
  const started = await Promise.all(specs.map(listen));
  return {
    upstreams: started.map(({ upstream }) => upstream),
    close: () => Promise.all(started.map(({ server }) => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }))).then(() => undefined),
  };
}
