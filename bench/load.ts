// What a load generator is and the one shape of figures every generator reduces its run to.
// The generators themselves live in their own modules, chosen by name in load-generators.ts.
import type { LoadGeneratorName } from './options.js';

export interface LoadSettings {
  readonly connections: number;
  readonly durationSec: number;
}

export interface LoadFigures {
  readonly requestsPerSecAverage: number;
  /** Median of the per-second request counts; undefined when the generator does not report them (wrk). */
  readonly requestsPerSecP50: number | undefined;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly totalRequests: number;
  /** Connection errors plus timeouts. */
  readonly errors: number;
  readonly non2xx: number;
}

export interface LoadGenerator {
  readonly name: LoadGeneratorName;
  /** Why this generator cannot run on this machine, or undefined when it can. */
  unavailable(): string | undefined;
  /** Drives `url` for `settings.durationSec` and resolves with the figures; stops by itself. */
  run(url: string, settings: LoadSettings): Promise<LoadFigures>;
}

/** Generators stop by themselves after their duration; this only guards against one hanging. */
export const OVERRUN_GRACE_MS = 15_000;
