// Drives one target with autocannon (in this process) and reduces the result to the figures we report.
import autocannon, { type Result } from 'autocannon';

export interface LoadSettings {
  readonly connections: number;
  readonly durationSec: number;
}

export interface LoadFigures {
  readonly requestsPerSecAverage: number;
  /** Median of the per-second request counts. */
  readonly requestsPerSecP50: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly totalRequests: number;
  /** Connection errors plus timeouts. */
  readonly errors: number;
  readonly non2xx: number;
}

/** autocannon stops by itself after `duration`; this only guards against it hanging. */
const OVERRUN_GRACE_MS = 15_000;

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

export async function runLoad(url: string, settings: LoadSettings): Promise<LoadFigures> {
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
