// The h2 suite's load generator: one `h2load -t1` child on the load core per target, warm-up
// included (--warm-up-time), its text report parsed by h2load-output.ts.
import { runChildLoad } from './child-load.js';
import type { LoadGenerator } from './load.js';
import { commandOnPath } from './processes.js';
import { parseH2loadReport } from './h2load-output.js';

/** Concurrent streams per connection (-m). */
const STREAMS_PER_CONNECTION = 10;

/** h2load takes durations with a unit; milliseconds keep fractional seconds exact. */
const asDuration = (seconds: number): string => `${Math.round(seconds * 1000)}ms`;

export const h2loadGenerator: LoadGenerator = {
  name: 'h2load',
  latencyColumns: { typical: 'mean', tail: 'max' },
  unavailable: () => (commandOnPath('h2load') === undefined ? 'h2load is not on PATH: it needs `apt-get install nghttp2-client`' : undefined),
  workload: (connections) => `${connections} TLS connections (h2 by ALPN) × ${STREAMS_PER_CONNECTION} streams, GET /; h2load has no percentiles, so latency is mean and max (no p99)`,
  run: (url, settings, measuring) => {
    const h2load = commandOnPath('h2load');
    if (h2load === undefined) throw new Error('h2load not installed');
    return runChildLoad(
      {
        name: 'h2load',
        command: h2load,
        args: ['-t', '1', '-c', String(settings.connections), '-m', String(STREAMS_PER_CONNECTION), '-D', asDuration(settings.durationSec), `--warm-up-time=${asDuration(settings.warmupSec)}`, url],
        parse: parseH2loadReport,
      },
      settings,
      measuring,
    );
  },
};
