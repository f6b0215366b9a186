// The gRPC suite's load generator, run as a child on the load core: one channel, a fixed number of
// Unary calls kept in flight for warm-up + duration; prints the measured part's LoadFigures as JSON.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { ECHO_REQUEST, echoClient } from '../grpc-echo.js';
import type { LoadFigures } from '../load.js';

/** A call still unanswered this long after the run is counted as an error by its deadline. */
const CALL_DEADLINE_MS = 10_000;

function positive(flag: string, raw: string | undefined): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${flag} must be a positive number, got "${raw}"`);
  return value;
}

const { values } = parseArgs({
  options: { address: { type: 'string' }, concurrency: { type: 'string' }, warmup: { type: 'string' }, duration: { type: 'string' } },
  strict: true,
});
if (values.address === undefined) throw new Error('--address is required');
const concurrency = positive('concurrency', values.concurrency);
const warmupMs = positive('warmup', values.warmup) * 1000;
const durationMs = positive('duration', values.duration) * 1000;

const client = echoClient(values.address);
const startedAt = performance.now();
const measuredFrom = startedAt + warmupMs;
const measuredUntil = measuredFrom + durationMs;

const latenciesMs: number[] = [];
/** Completed calls per whole second of the measured part. */
const perSecond = new Array<number>(Math.ceil(durationMs / 1000)).fill(0);
let errors = 0;
let inFlight = 0;

function quantile(sorted: readonly number[], q: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function report(): void {
  latenciesMs.sort((a, b) => a - b);
  const completedSeconds = [...perSecond].sort((a, b) => a - b);
  const figures: LoadFigures = {
    requestsPerSecAverage: latenciesMs.length / (durationMs / 1000),
    requestsPerSecP50: quantile(completedSeconds, 0.5),
    latencyTypicalMs: quantile(latenciesMs, 0.5),
    latencyTailMs: quantile(latenciesMs, 0.99),
    totalRequests: latenciesMs.length,
    errors,
    non2xx: 0,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
  client.close();
}

function issue(): void {
  const sentAt = performance.now();
  inFlight++;
  client.Unary(ECHO_REQUEST, { deadline: Date.now() + CALL_DEADLINE_MS }, (error) => {
    inFlight--;
    const now = performance.now();
    if (now >= measuredFrom && now < measuredUntil) {
      if (error === null) {
        latenciesMs.push(now - sentAt);
        perSecond[Math.floor((now - measuredFrom) / 1000)]!++;
      } else {
        errors++;
      }
    }
    if (now < measuredUntil) issue();
    else if (inFlight === 0) report();
  });
}

for (let i = 0; i < concurrency; i++) issue();
