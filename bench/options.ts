// Command-line options of `npm run bench`: parsing and validation only, no defaults hidden elsewhere.
import { parseArgs } from 'node:util';

export const TARGET_NAMES = ['direct', 'sluice', 'nginx', 'http-proxy', 'undici-proxy'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

export interface BenchOptions {
  /** Measured run length per target, seconds. */
  readonly durationSec: number;
  /** Unmeasured run before each measured one, seconds (JIT, pools and caches warm up). */
  readonly warmupSec: number;
  readonly connections: number;
  readonly targets: readonly TargetName[];
}

export const USAGE = `usage: npm run bench -- [--duration S] [--warmup S] [--connections N] [--only ${TARGET_NAMES.join(',')}]`;

function positiveNumber(flag: string, raw: string, integer: boolean): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new Error(`--${flag} must be a positive ${integer ? 'integer' : 'number'}, got "${raw}"`);
  }
  return value;
}

function targetList(raw: string): TargetName[] {
  const names = raw.split(',').map((name) => name.trim()).filter((name) => name !== '');
  for (const name of names) {
    if (!(TARGET_NAMES as readonly string[]).includes(name)) {
      throw new Error(`--only: unknown target "${name}" (known: ${TARGET_NAMES.join(', ')})`);
    }
  }
  if (names.length === 0) throw new Error('--only needs at least one target');
  // Keep the canonical order so tables from different runs line up.
  return TARGET_NAMES.filter((name) => names.includes(name));
}

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      connections: { type: 'string', default: '64' },
      only: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  return {
    durationSec: positiveNumber('duration', values.duration, false),
    warmupSec: positiveNumber('warmup', values.warmup, false),
    connections: positiveNumber('connections', values.connections, true),
    targets: values.only === undefined ? TARGET_NAMES : targetList(values.only),
  };
}
