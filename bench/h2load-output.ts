// Reads the figures out of h2load's text report (nghttp2 1.5x); pure, no process handling.
// h2load reports latency as min/max/mean/sd only: no percentiles, so the columns are mean and max.
import type { LoadFigures } from './load.js';

/** h2load prints durations with the unit that keeps them readable. */
const MS_PER_UNIT: Readonly<Record<string, number>> = { us: 0.001, ms: 1, s: 1000 };

const FINISHED = /^finished in [\d.]+\w+, ([\d.]+) req\/s/m;
const REQUESTS = /^requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout\s*$/m;
const DURATION = '([\\d.]+)(us|ms|s)';
/** "time for request:  min  max  mean  sd  +/- sd" */
const TIME_FOR_REQUEST = new RegExp(`^time for request:\\s+${DURATION}\\s+${DURATION}\\s+${DURATION}\\s+${DURATION}`, 'm');

function matchOf(report: string, pattern: RegExp, what: string): RegExpExecArray {
  const match = pattern.exec(report);
  if (match === null) throw new Error(`h2load report has no ${what}:\n${report}`);
  return match;
}

function ms(value: string | undefined, unit: string | undefined): number {
  return Number(value) * MS_PER_UNIT[unit!]!;
}

export function parseH2loadReport(report: string): LoadFigures {
  const requestsPerSec = Number(matchOf(report, FINISHED, '"finished in" line')[1]);
  const [, , , done, , failed, errored, timedOut] = matchOf(report, REQUESTS, '"requests:" line').map(Number);
  const latency = matchOf(report, TIME_FOR_REQUEST, '"time for request:" line');
  return {
    requestsPerSecAverage: requestsPerSec,
    requestsPerSecP50: undefined,
    latencyTypicalMs: ms(latency[5], latency[6]),
    latencyTailMs: ms(latency[3], latency[4]),
    totalRequests: done!,
    errors: errored! + timedOut!,
    // "failed" counts every unsuccessful request, errored ones and answers of 400 and up alike.
    non2xx: failed! - errored!,
  };
}
