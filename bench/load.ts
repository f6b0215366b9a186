// What a load generator is and the one shape of figures every generator reduces its run to.
// The generators themselves live in their own modules, chosen by suite (and for h1 by `--load`).

export interface LoadSettings {
  /** Connections (h1, h2) or calls in flight on one channel (gRPC). */
  readonly connections: number;
  /** Unmeasured lead-in, seconds (JIT, pools and caches warm up). */
  readonly warmupSec: number;
  readonly durationSec: number;
}

/** What the two latency columns hold: generators differ in what they can report. */
export interface LatencyColumns {
  /** e.g. "p50" or "mean". */
  readonly typical: string;
  /** e.g. "p99" or "max". */
  readonly tail: string;
}

export interface LoadFigures {
  readonly requestsPerSecAverage: number;
  /** Median of the per-second request counts; undefined when the generator does not report them. */
  readonly requestsPerSecP50: number | undefined;
  readonly latencyTypicalMs: number;
  readonly latencyTailMs: number;
  readonly totalRequests: number;
  /** Connection errors plus timeouts (gRPC: calls that ended with a status other than OK). */
  readonly errors: number;
  readonly non2xx: number;
}

export interface LoadGenerator {
  readonly name: string;
  readonly latencyColumns: LatencyColumns;
  /** Why this generator cannot run on this machine, or undefined when it can. */
  unavailable(): string | undefined;
  /** The traffic it sends, for the report, e.g. "64 keep-alive connections, GET /". */
  workload(connections: number): string;
  /**
   * Drives `url` for the warm-up, calls `measuring` as the measured part starts, drives it for the
   * duration and resolves with the measured part's figures; stops by itself.
   */
  run(url: string, settings: LoadSettings, measuring: () => void): Promise<LoadFigures>;
}

/** Generators stop by themselves after their duration; this only guards against one hanging. */
const OVERRUN_GRACE_MS = 15_000;

/**
 * How long a load-generator child may run for `runSec` seconds of load before it is killed and the
 * run fails: the run plus a generous margin (15 s, or half the run when that is longer), since a loaded
 * machine delays start-up and the final report.
 */
export function hardLimitMs(runSec: number): number {
  return Math.round(runSec * 1000 + Math.max(OVERRUN_GRACE_MS, runSec * 500));
}

/** For generators whose runs have no warm-up of their own: one discarded run, then the measured one. */
export async function warmThenMeasure(
  runOnce: (url: string, connections: number, durationSec: number) => Promise<LoadFigures>,
  url: string,
  settings: LoadSettings,
  measuring: () => void,
): Promise<LoadFigures> {
  await runOnce(url, settings.connections, settings.warmupSec);
  measuring();
  return runOnce(url, settings.connections, settings.durationSec);
}
