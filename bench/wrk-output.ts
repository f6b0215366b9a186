// Reads the figures out of the text report of `wrk --latency` (wrk 4.x); pure, no process handling.
import type { LoadFigures } from './load.js';

/** wrk prints latencies with the largest unit that keeps the number >= 1. */
const MS_PER_UNIT: Readonly<Record<string, number>> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function numberAfter(report: string, pattern: RegExp, what: string): number {
  const match = pattern.exec(report);
  if (match === null) throw new Error(`wrk report has no ${what}`);
  return Number(match[1]);
}

const latencyLine = (percentile: string): RegExp => new RegExp(`^\\s*${percentile}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm');
const LATENCY_LINES = { '50': latencyLine('50'), '99': latencyLine('99') } as const;

function latencyMs(report: string, percentile: keyof typeof LATENCY_LINES): number {
  const match = LATENCY_LINES[percentile].exec(report);
  if (match === null) throw new Error(`wrk report has no ${percentile}% latency line (was --latency given?)`);
  return Number(match[1]) * MS_PER_UNIT[match[2]!]!;
}

/** wrk prints its error lines only when a count is non-zero, so a missing line means 0. */
function sumOfCounts(report: string, pattern: RegExp): number {
  const match = pattern.exec(report);
  return match === null ? 0 : match.slice(1).reduce((sum, count) => sum + Number(count), 0);
}

const SOCKET_ERRORS = /^\s*Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)\s*$/m;
/** wrk counts answers with a status of 400 or more here. */
const FAILED_STATUSES = /^\s*Non-2xx or 3xx responses: (\d+)\s*$/m;

export function parseWrkReport(report: string): LoadFigures {
  return {
    requestsPerSecAverage: numberAfter(report, /^Requests\/sec:\s+([\d.]+)\s*$/m, 'Requests/sec line'),
    requestsPerSecP50: undefined,
    latencyTypicalMs: latencyMs(report, '50'),
    latencyTailMs: latencyMs(report, '99'),
    totalRequests: numberAfter(report, /^\s*(\d+) requests in /m, 'request count'),
    errors: sumOfCounts(report, SOCKET_ERRORS),
    non2xx: sumOfCounts(report, FAILED_STATUSES),
  };
}
