// The autocannon load generator: runs in this process (on the bench's core) and reduces its result.
import autocannon, { type Result } from 'autocannon';
import { OVERRUN_GRACE_MS, type LoadFigures, type LoadGenerator, type LoadSettings } from './load.js';

function figuresOf(result: Result): LoadFigures {
  return {
    requestsPerSecAverage: result.requests.average,
    requestsPerSecP50: result.requests.p50,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    totalRequests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

async function runAutocannon(url: string, settings: LoadSettings): Promise<LoadFigures> {
  const instance = autocannon({
    url,
    connections: settings.connections,
    pipelining: 1,
    duration: settings.durationSec,
    method: 'GET',
  });
  const overrun = setTimeout(() => instance.stop(), settings.durationSec * 1000 + OVERRUN_GRACE_MS);
  try {
    return figuresOf(await instance);
  } finally {
    clearTimeout(overrun);
  }
}

export const autocannonGenerator: LoadGenerator = {
  name: 'autocannon',
  unavailable: () => undefined,
  run: runAutocannon,
};
