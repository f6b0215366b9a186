// A coarse per-worker clock: one interval keeps `now` (ms, monotonic) and runs the deadline sweeps.
// Per request the data plane only reads `now` and stores a number; no timer is created per request.
import { performance } from 'node:perf_hooks';

export const TICK_MS = 50;

export type Sweep = (now: number) => void;

export class Ticker {
  now = performance.now();
  readonly #sweeps = new Set<Sweep>();
  #interval: NodeJS.Timeout | undefined;

  start(): void {
    this.#interval ??= setInterval(() => {
      const now = (this.now = performance.now());
      for (const sweep of this.#sweeps) sweep(now);
    }, TICK_MS);
    this.#interval.unref();
  }

  stop(): void {
    clearInterval(this.#interval);
    this.#interval = undefined;
  }

  add(sweep: Sweep): void { this.#sweeps.add(sweep); }
  delete(sweep: Sweep): void { this.#sweeps.delete(sweep); }
}
