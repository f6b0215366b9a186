// The backends targets forward to, and the targets that are not a module of their own: `direct`
// and the Node reference peers. Which suite uses which is decided in suites.ts.
import { fileURLToPath } from 'node:url';
import { grpcProbe } from './grpc-echo.js';
import type { TargetName } from './options.js';
import { freePort } from './processes.js';
import { http1Endpoint, LOAD_CPU, PROXY_CPU, startServingProcess, type Endpoint, type RunningTarget, type Target } from './target.js';

const PEER_START_TIMEOUT_MS = 10_000;

function peerScript(file: string): string {
  return fileURLToPath(new URL(`./peers/${file}`, import.meta.url));
}

export const grpcEndpoint = (port: number): Endpoint => ({ url: `127.0.0.1:${port}`, probe: grpcProbe });

export interface Backend {
  readonly port: number;
  stop(): Promise<void>;
}

/** A backend from bench/peers/ on the load generator's core (the proxy core stays the target's alone). */
async function startBackendPeer(file: string, endpoint: (port: number) => Endpoint): Promise<Backend> {
  const port = await freePort();
  const running: RunningTarget = await startServingProcess({
    name: 'backend',
    command: process.execPath,
    args: [peerScript(file), '--port', String(port)],
    cpu: LOAD_CPU,
    endpoint: endpoint(port),
    startTimeoutMs: PEER_START_TIMEOUT_MS,
  });
  return { port, stop: () => running.stop() };
}

/** The raw HTTP/1.1 backend (fixed 200) of the h1 and h2 suites. */
export const startHttp1Backend = (): Promise<Backend> => startBackendPeer('backend.js', http1Endpoint);

/** The grpc-js Echo server of the gRPC suite. */
export const startGrpcBackend = (): Promise<Backend> => startBackendPeer('grpc-echo-server.js', grpcEndpoint);

/** A reference proxy written in Node, run from bench/peers/ on the proxy core. */
export function nodePeerTarget(name: TargetName, file: string): Target {
  return {
    name,
    unavailable: () => undefined,
    async start(context) {
      const port = await freePort();
      return startServingProcess({
        name,
        command: process.execPath,
        args: [peerScript(file), '--port', String(port), '--upstream', String(context.backendPort)],
        cpu: PROXY_CPU,
        endpoint: http1Endpoint(port),
        startTimeoutMs: PEER_START_TIMEOUT_MS,
      });
    },
  };
}

/** The backend itself, without a proxy: the ceiling of what the load generator can measure. */
export function directTarget(endpoint: (port: number) => Endpoint): Target {
  return {
    name: 'direct',
    unavailable: () => undefined,
    start: async (context) => ({ url: endpoint(context.backendPort).url, pid: undefined, stop: async () => {} }),
  };
}
