// Command-line options of `npm run bench`: parsing and validation only, no defaults hidden elsewhere.
import { parseArgs } from 'node:util';

export const TARGET_NAMES = ['direct', 'sluice', 'nginx', 'http-proxy', 'undici-proxy'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

export const LOAD_GENERATOR_NAMES = ['autocannon', 'wrk'] as const;
export type LoadGeneratorName = (typeof LOAD_GENERATOR_NAMES)[number];

export const SUITE_NAMES = ['h1', 'h2', 'grpc'] as const;
export type SuiteName = (typeof SUITE_NAMES)[number];

/** The targets each suite can measure, in the order they run and are printed. */
export const SUITE_TARGETS: Readonly<Record<SuiteName, readonly TargetName[]>> = {
  h1: TARGET_NAMES,
  h2: ['sluice', 'nginx'],
  grpc: ['direct', 'sluice'],
};

export interface BenchOptions {
  /** Which protocol is measured; see suites.ts. */
  readonly suite: SuiteName;
  /** Measured run length per target, seconds. */
  readonly durationSec: number;
  /** Unmeasured run before each measured one, seconds (JIT, pools and caches warm up). */
  readonly warmupSec: number;
  readonly connections: number;
  readonly targets: readonly TargetName[];
  /** Which load generator drives the h1 suite's runs; see load-generators.ts. The other suites have one each. */
  readonly load: LoadGeneratorName;
  /** Sluice's `tracing` block: its defaults (`default`), on with sampleRate 0 (`rate0`), or `off`. */
  readonly tracing: SluiceTracing;
  /** Sluice's access log: `off` (the default) or `file` (every request, one JSON line, to a file in the work directory). */
  readonly accessLog: SluiceAccessLog;
  /** Sluice's cluster: one endpoint (`single`), six without zones (`spread`), or the six in zones with outlier detection (`zoned`). */
  readonly balancing: SluiceBalancing;
  /** Who speaks HTTP/2 to clients on Sluice's listener (`http2.codec`): its own engine, or node:http2. */
  readonly h2Codec: SluiceH2Codec;
}

export const SLUICE_TRACING_NAMES = ['default', 'rate0', 'off'] as const;
export type SluiceTracing = (typeof SLUICE_TRACING_NAMES)[number];

export const SLUICE_ACCESS_LOG_NAMES = ['off', 'file'] as const;
export type SluiceAccessLog = (typeof SLUICE_ACCESS_LOG_NAMES)[number];

/**
 * `spread` and `zoned` have the same six endpoints (the backend on six loopback addresses), so their
 * ratio is the cost of zone-aware routing plus outlier detection alone.
 */
export const SLUICE_BALANCING_NAMES = ['single', 'spread', 'zoned'] as const;
export type SluiceBalancing = (typeof SLUICE_BALANCING_NAMES)[number];

export const SLUICE_H2_CODEC_NAMES = ['sluice', 'node'] as const;
export type SluiceH2Codec = (typeof SLUICE_H2_CODEC_NAMES)[number];

export const USAGE = `usage: npm run bench -- [--suite ${SUITE_NAMES.join('|')}] [--duration S] [--warmup S] [--connections N] [--only ${TARGET_NAMES.join(',')}] [--load ${LOAD_GENERATOR_NAMES.join('|')}] [--tracing ${SLUICE_TRACING_NAMES.join('|')}] [--access-log ${SLUICE_ACCESS_LOG_NAMES.join('|')}] [--balancing ${SLUICE_BALANCING_NAMES.join('|')}] [--h2-codec ${SLUICE_H2_CODEC_NAMES.join('|')}]`;

function positiveNumber(flag: string, raw: string, integer: boolean): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new Error(`--${flag} must be a positive ${integer ? 'integer' : 'number'}, got "${raw}"`);
  }
  return value;
}

function targetList(raw: string, suite: SuiteName): readonly TargetName[] {
  const known = SUITE_TARGETS[suite];
  const names = raw.split(',').map((name) => name.trim()).filter((name) => name !== '');
  for (const name of names) {
    if (!(known as readonly string[]).includes(name)) {
      throw new Error(`--only: unknown target "${name}" for --suite ${suite} (known: ${known.join(', ')})`);
    }
  }
  if (names.length === 0) throw new Error('--only needs at least one target');
  // Keep the canonical order so tables from different runs line up.
  return known.filter((name) => names.includes(name));
}

function oneOf<Name extends string>(flag: string, known: readonly Name[], raw: string): Name {
  const name = known.find((candidate) => candidate === raw);
  if (name === undefined) throw new Error(`--${flag}: unknown value "${raw}" (known: ${known.join(', ')})`);
  return name;
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
      load: { type: 'string' },
      suite: { type: 'string', default: 'h1' },
      tracing: { type: 'string', default: 'default' },
      'access-log': { type: 'string', default: 'off' },
      balancing: { type: 'string', default: 'single' },
      'h2-codec': { type: 'string', default: 'sluice' },
    },
    strict: true,
    allowPositionals: false,
  });
  const suite = oneOf('suite', SUITE_NAMES, values.suite);
  if (values.load !== undefined && suite !== 'h1') throw new Error(`--load applies to --suite h1 only (--suite ${suite} has its own load generator)`);
  const load = oneOf('load', LOAD_GENERATOR_NAMES, values.load ?? 'autocannon');
  const durationSec = positiveNumber('duration', values.duration, false);
  const warmupSec = positiveNumber('warmup', values.warmup, false);
  checkWholeSeconds(load, { duration: durationSec, warmup: warmupSec });
  return {
    suite,
    durationSec,
    warmupSec,
    connections: positiveNumber('connections', values.connections, true),
    targets: values.only === undefined ? SUITE_TARGETS[suite] : targetList(values.only, suite),
    load,
    tracing: oneOf('tracing', SLUICE_TRACING_NAMES, values.tracing),
    accessLog: oneOf('access-log', SLUICE_ACCESS_LOG_NAMES, values['access-log']),
    balancing: oneOf('balancing', SLUICE_BALANCING_NAMES, values.balancing),
    h2Codec: oneOf('h2-codec', SLUICE_H2_CODEC_NAMES, values['h2-codec']),
  };
}
