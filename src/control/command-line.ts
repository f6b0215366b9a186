// Turns `sluice` arguments into one Command, or a usage error naming the flag or argument at fault.
// Pure: no I/O, defaults passed in, so every rule is unit-tested.
import { parseArgs } from 'node:util';
import { logLevels, type LogLevel } from '../log.js';
import { defaultAdminAddress, parseHostPort, type HostPort } from './admin-address.js';

export interface RunOptions {
  readonly workers: number;
  readonly admin: HostPort;
  readonly logLevel: LogLevel;
  /** Admin bearer token: `--admin-token`, else SLUICE_ADMIN_TOKEN; absent: the file's `admin.token`, if any. */
  readonly adminToken?: string;
  /** --zone: the proxy's zone for zone-aware routing (beats config `zone` and SLUICE_ZONE). */
  readonly zone?: string;
}

export type Command =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'run'; readonly configFile: string; readonly options: RunOptions }
  | { readonly kind: 'demo'; readonly options: RunOptions }
  | { readonly kind: 'validate'; readonly file: string }
  | { readonly kind: 'usage-error'; readonly message: string };

export const usage = `Usage:
  sluice --config FILE [--workers N] [--admin HOST:PORT] [--admin-token TOKEN] [--log-level LEVEL] [--zone ZONE]
  sluice demo [--workers N] [--admin HOST:PORT] [--admin-token TOKEN] [--log-level LEVEL]
  sluice validate FILE
  sluice --version | --help

Commands:
  (none)            run the proxy with the configuration in --config FILE
  demo              run the proxy on 127.0.0.1:8080 in front of three built-in demo upstreams
  validate FILE     check a configuration file, print every problem (exit 2) or "FILE: ok" (exit 0)

Flags:
  --config FILE         configuration file (YAML); reloaded on SIGHUP and when it changes
  --workers N           worker threads (default: the number of CPUs available)
  --admin HOST:PORT     admin endpoint (default 127.0.0.1:9901; port 0 = any free port)
  --admin-token TOKEN   bearer token the admin endpoint requires (also SLUICE_ADMIN_TOKEN; /healthz
                        and /readyz stay open); overrides admin.token in the configuration
  --log-level LEVEL     debug | info | warn | error (default info)
  --zone ZONE           this proxy's zone for zone-aware routing (beats config zone:, which beats
                        the SLUICE_ZONE environment variable)
  --version             print the version
  -h, --help            print this help

Exit codes: 0 clean stop, 2 invalid configuration or arguments, 1 any other failure.
`;

const flags = {
  config: { type: 'string' },
  workers: { type: 'string' },
  admin: { type: 'string' },
  'admin-token': { type: 'string' },
  'log-level': { type: 'string' },
  zone: { type: 'string' },
  version: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const runFlags = ['workers', 'admin', 'admin-token', 'log-level', 'zone'] as const;

const usageError = (message: string): Command => ({ kind: 'usage-error', message });

type ParsedFlags = { [K in keyof typeof flags]?: (typeof flags)[K]['type'] extends 'string' ? string : boolean };

/** The environment variables Sluice reads. */
export interface Environment {
  readonly SLUICE_ADMIN_TOKEN?: string;
}

function adminToken(values: ParsedFlags, env: Environment): string | undefined | { error: string } {
  const [source, token] = values['admin-token'] !== undefined ? ['--admin-token', values['admin-token']] : ['SLUICE_ADMIN_TOKEN', env.SLUICE_ADMIN_TOKEN];
  if (token === undefined) return undefined;
  if (!/^[\x21-\x7e]+$/.test(token)) return { error: `${source} must be 1 or more visible ASCII characters (no spaces)` };
  return token;
}

function runOptions(values: ParsedFlags, defaultWorkers: number, env: Environment): RunOptions | { error: string } {
  let workers = defaultWorkers;
  if (values.workers !== undefined) {
    if (!/^\d+$/.test(values.workers) || Number(values.workers) < 1 || Number(values.workers) > 1024) {
      return { error: `--workers must be a whole number from 1 to 1024, got "${values.workers}"` };
    }
    workers = Number(values.workers);
  }
  let admin = defaultAdminAddress;
  if (values.admin !== undefined) {
    const parsed = parseHostPort(values.admin);
    if ('error' in parsed) return { error: `--admin: ${parsed.error}` };
    admin = parsed;
  }
  let logLevel: LogLevel = 'info';
  if (values['log-level'] !== undefined) {
    if (!(logLevels as string[]).includes(values['log-level'])) {
      return { error: `--log-level must be one of ${logLevels.join(', ')}, got "${values['log-level']}"` };
    }
    logLevel = values['log-level'] as LogLevel;
  }
  const token = adminToken(values, env);
  if (typeof token === 'object') return token;
  if (values.zone === '') return { error: '--zone must not be empty' };
  return { workers, admin, logLevel, ...(token === undefined ? {} : { adminToken: token }), ...(values.zone === undefined ? {} : { zone: values.zone }) };
}

export function parseCommandLine(args: readonly string[], defaultWorkers: number, env: Environment = {}): Command {
  let values: ParsedFlags;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...args], options: flags, allowPositionals: true, strict: true }));
  } catch (error) {
    // node:util's messages name the flag, e.g. "Unknown option '--port'".
    return usageError((error as Error).message);
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };

  const [command, ...rest] = positionals;
  if (command === 'validate') {
    if (rest.length !== 1) return usageError('validate takes exactly one FILE: sluice validate FILE');
    const misplaced = [...runFlags, 'config'].find((flag) => values[flag as keyof ParsedFlags] !== undefined);
    if (misplaced !== undefined) return usageError(`--${misplaced} does not apply to validate`);
    return { kind: 'validate', file: rest[0]! };
  }
  if (command !== undefined && command !== 'demo') return usageError(`unknown command "${command}" (commands: demo, validate)`);
  if (rest.length > 0) return usageError(`unexpected argument "${rest[0]}"`);

  const options = runOptions(values, defaultWorkers, env);
  if ('error' in options) return usageError(options.error);
  if (command === 'demo') {
    if (values.config !== undefined) return usageError('--config does not apply to demo (it has a built-in configuration)');
    return { kind: 'demo', options };
  }
  if (values.config === undefined || values.config === '') return usageError('--config FILE is required (or run `sluice demo`)');
  return { kind: 'run', configFile: values.config, options };
}
