// Command-line options of `npm run bench`: parsing and validation only, no defaults hidden elsewhere.
import { parseArgs } from 'node:util';

export const TARGET_NAMES = ['direct', 'sluice', 'nginx', 'http-proxy', 'undici-proxy'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

export const LOAD_GENERATOR_NAMES = ['autocannon', 'wrk'] as const;
export type LoadGeneratorName = (typeof LOAD_GENERATOR_NAMES)[number];

export interface BenchOptions {
  /** Measured run length per target, seconds. */
  readonly durationSec: number;
  /** Unmeasured run before each measured one, seconds (JIT, pools and caches warm up). */
  readonly warmupSec: number;
  readonly connections: number;
  readonly targets: readonly TargetName[];
  /** Which load generator drives every run; see load-generators.ts. */
  readonly load: LoadGeneratorName;
}

export const USAGE = `usage: npm run bench -- [--duration S] [--warmup S] [--connections N] [--only ${TARGET_NAMES.join(',')}] [--load ${LOAD_GENERATOR_NAMES.join('|')}]`;

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

function loadGenerator(raw: string): LoadGeneratorName {
  const known = LOAD_GENERATOR_NAMES.find((name) => name === raw);
  if (known === undefined) throw new Error(`--load: unknown load generator "${raw}" (known: ${LOAD_GENERATOR_NAMES.join(', ')})`);
  return known;
}

/** wrk's -d takes whole seconds only; refuse rather than silently round the run. */
function checkWholeSeconds(load: LoadGeneratorName, durations: Readonly<Record<string, number>>): void {
  if (load !== 'wrk') return;
  for (const [flag, seconds] of Object.entries(durations)) {
    if (!Number.isInteger(seconds)) throw new Error(`--${flag} must be whole seconds with --load wrk, got ${seconds}`);
  }
}

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      connections: { type: 'string', default: '64' },
      only: { type: 'string' },
      load: { type: 'string', default: 'autocannon' },
    },
    strict: true,
    allowPositionals: false,
  });
  const load = loadGenerator(values.load);
  const durationSec = positiveNumber('duration', values.duration, false);
  const warmupSec = positiveNumber('warmup', values.warmup, false);
  checkWholeSeconds(load, { duration: durationSec, warmup: warmupSec });
  return {
    durationSec,
    warmupSec,
    connections: positiveNumber('connections', values.connections, true),
    targets: values.only === undefined ? TARGET_NAMES : targetList(values.only),
    load,
  };
}
