// The request deadlines of a worker's HTTP/2 exchanges, checked on the coarse Ticker: per stream a
// number is stored and a set entry added, never a timer. It only expires; what a timeout means is the exchange's.
import type { Ticker } from '../proxy/ticker.js';

export interface Expiring {
  /** Coarse-clock time (ms) at which `expire` is called. */
  readonly deadline: number;
  expire(): void;
}

export class StreamDeadlines {
  readonly #pending = new Set<Expiring>();
  readonly #ticker: Ticker;
  readonly #sweep = (now: number): void => {
    for (const entry of this.#pending) {
      if (entry.deadline > now) continue;
      this.#pending.delete(entry);
      entry.expire();
    }
  };

  constructor(ticker: Ticker) {
    this.#ticker = ticker;
    ticker.add(this.#sweep);
  }

  get now(): number { return this.#ticker.now; }

  add(entry: Expiring): void { this.#pending.add(entry); }
  delete(entry: Expiring): void { this.#pending.delete(entry); }
}
