// How long to wait before replacing a worker that died: at once after a long healthy run, then
// 100 ms doubling up to 5 s while workers keep dying. Pure; the clock is an argument.

export interface RestartBackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  /** A worker that lived at least this long resets the back-off. */
  readonly stableMs: number;
}

export const defaultRestartBackoff: RestartBackoffOptions = { initialMs: 100, maxMs: 5_000, stableMs: 10_000 };

export class RestartBackoff {
  readonly #options: RestartBackoffOptions;
  #consecutiveDeaths = 0;

  constructor(options: RestartBackoffOptions = defaultRestartBackoff) {
    this.#options = options;
  }

  /** Records a death after `livedMs` of life and returns the delay before the replacement starts. */
  delayAfterDeath(livedMs: number): number {
    if (livedMs >= this.#options.stableMs) this.#consecutiveDeaths = 0;
    const delay = this.#consecutiveDeaths === 0
      ? this.#options.initialMs
      : Math.min(this.#options.maxMs, this.#options.initialMs * 2 ** this.#consecutiveDeaths);
    this.#consecutiveDeaths++;
    return delay;
  }
}
