// The registry of benchmark targets by name, the shared backend, and the Node reference peers.
import { fileURLToPath } from 'node:url';
import { nginxTarget } from './nginx-target.js';
import type { TargetName } from './options.js';
import { freePort } from './processes.js';
import { sluiceTarget } from './sluice-target.js';
import { LOAD_CPU, PROXY_CPU, startServingProcess, type RunningTarget, type Target } from './target.js';

const PEER_START_TIMEOUT_MS = 10_000;

function peerScript(file: string): string {
  return fileURLToPath(new URL(`./peers/${file}`, import.meta.url));
}

/** Starts the fast backend every target forwards to; it shares the load generator's core. */
export async function startBackend(): Promise<RunningTarget> {
  const port = await freePort();
  return startServingProcess({
    name: 'backend',
    command: process.execPath,
    args: [peerScript('backend.js'), '--port', String(port)],
    cpu: LOAD_CPU,
    port,
    startTimeoutMs: PEER_START_TIMEOUT_MS,
  });
}

/** A reference proxy written in Node, run from bench/peers/ on the proxy core. */
function nodePeerTarget(name: TargetName, file: string): Target {
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
        port,
        startTimeoutMs: PEER_START_TIMEOUT_MS,
      });
    },
  };
}

/** The backend itself, without a proxy: the ceiling of what the load generator can measure. */
const directTarget: Target = {
  name: 'direct',
  unavailable: () => undefined,
  start: async (context) => ({ url: `http://127.0.0.1:${context.backendPort}/`, pid: undefined, stop: async () => {} }),
};

const TARGETS: Readonly<Record<TargetName, Target>> = {
  direct: directTarget,
  sluice: sluiceTarget,
  nginx: nginxTarget,
  'http-proxy': nodePeerTarget('http-proxy', 'http-proxy-peer.js'),
  'undici-proxy': nodePeerTarget('undici-proxy', 'undici-proxy-peer.js'),
};

export function targetNamed(name: TargetName): Target {
  return TARGETS[name];
}
