// The request deadlines of a worker's HTTP/2 exchanges, checked on the coarse Ticker: per stream a
// number is stored and a set entry added, never a timer. It only expires; what a timeout means is the exchange's.
import type { Ticker } from '../proxy/ticker.js';

export interface Expiring {
  /** `performance.now()` time (ms) after which `expire` is called, on the next tick. */
  readonly deadline: number;
  expire(): void;
}

export class StreamDeadlines {
  readonly #pending = new Set<Expiring>();
  readonly #sweep = (now: number): void => {
    for (const entry of this.#pending) {
      if (entry.deadline > now) continue;
      this.#pending.delete(entry);
      entry.expire();
    }
  };

  constructor(ticker: Ticker) {
    ticker.add(this.#sweep);
  }

  add(entry: Expiring): void { this.#pending.add(entry); }
  delete(entry: Expiring): void { this.#pending.delete(entry); }
}
