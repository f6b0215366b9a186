// Command-line arguments shared by the bench's peer processes: the port to listen on and the backend port.
import { parseArgs } from 'node:util';

export interface PeerArgs {
  readonly port: number;
  /** Backend port for proxies; undefined for the backend itself. */
  readonly upstream: number | undefined;
}

function port(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new Error(`--${flag}: bad port "${raw}"`);
  return value;
}

export function readPeerArgs(argv: readonly string[] = process.argv.slice(2)): PeerArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: { port: { type: 'string' }, upstream: { type: 'string' } },
    strict: true,
  });
  const listenPort = port('port', values.port);
  if (listenPort === undefined) throw new Error('--port is required');
  return { port: listenPort, upstream: port('upstream', values.upstream) };
}

/** The backend port, for peers that cannot run without one. */
export function requireUpstream(args: PeerArgs): number {
  if (args.upstream === undefined) throw new Error('--upstream is required');
  return args.upstream;
}

export const LISTEN_HOST = '127.0.0.1';

/**
 * Loopback addresses the backend also answers on (same port), so Sluice's bench cluster can have
 * several endpoints that are one backend process.
 */
export const BACKEND_HOSTS: readonly string[] = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6'];
