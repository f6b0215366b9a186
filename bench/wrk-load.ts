// The wrk load generator: one `wrk -t1` child on the load core per run, its text report parsed.
// wrk is native and event-driven, so it reaches well past autocannon's ceiling on the same core.
import { hardLimitMs, warmThenMeasure, type LoadFigures, type LoadGenerator } from './load.js';
import { awaitBoundedExit, commandOnPath, startProcess } from './processes.js';
import { LOAD_CPU } from './target.js';
import { parseWrkReport } from './wrk-output.js';

async function runWrk(url: string, connections: number, durationSec: number): Promise<LoadFigures> {
  const wrk = commandOnPath('wrk');
  if (wrk === undefined) throw new Error('wrk not installed');
  const managed = await startProcess({
    name: 'wrk',
    command: wrk,
    args: ['-t1', `-c${connections}`, `-d${durationSec}s`, '--latency', url],
    cpu: LOAD_CPU,
  });
  try {
    await awaitBoundedExit(managed, hardLimitMs(durationSec));
    // The report is well under a kilobyte, so the output tail holds all of it.
    return parseWrkReport(managed.outputTail());
  } finally {
    await managed.stop();
  }
}

export const wrkGenerator: LoadGenerator = {
  name: 'wrk',
  latencyColumns: { typical: 'p50', tail: 'p99' },
  workload: (connections) => `${connections} keep-alive connections, GET /`,
  unavailable: () => (commandOnPath('wrk') === undefined ? 'wrk is not on PATH (Debian/Ubuntu: apt-get install wrk)' : undefined),
  run: (url, settings, measuring) => warmThenMeasure(runWrk, url, settings, measuring),
};
