// The autocannon load generator: runs in this process (on the bench's core) and reduces its result.
import autocannon, { type Result } from 'autocannon';
import { hardLimitMs, warmThenMeasure, type LoadFigures, type LoadGenerator } from './load.js';

function figuresOf(result: Result): LoadFigures {
  return {
    requestsPerSecAverage: result.requests.average,
    requestsPerSecP50: result.requests.p50,
    latencyTypicalMs: result.latency.p50,
    latencyTailMs: result.latency.p99,
    totalRequests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

async function runAutocannon(url: string, connections: number, durationSec: number): Promise<LoadFigures> {
  const instance = autocannon({
    url,
    connections,
    pipelining: 1,
    duration: durationSec,
    method: 'GET',
  });
  // In-process: past the hard limit it is stopped and reports what it measured so far.
  const overrun = setTimeout(() => instance.stop(), hardLimitMs(durationSec));
  try {
    return figuresOf(await instance);
  } finally {
    clearTimeout(overrun);
  }
}

export const autocannonGenerator: LoadGenerator = {
  name: 'autocannon',
  latencyColumns: { typical: 'p50', tail: 'p99' },
  unavailable: () => undefined,
  workload: (connections) => `${connections} keep-alive connections, GET /`,
  run: (url, settings, measuring) => warmThenMeasure(runAutocannon, url, settings, measuring),
};
