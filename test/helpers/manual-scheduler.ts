// A Scheduler driven by the test: time moves only with `advance`, and due tasks run in time order.
import type { Scheduler } from '../../src/control/scheduler.js';

interface Task { readonly at: number; readonly seq: number; readonly run: () => void }

export class ManualScheduler implements Scheduler {
  #now: number;
  #seq = 0;
  #tasks: Task[] = [];

  constructor(startMs = 1_700_000_000_000) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  after(delayMs: number, run: () => void): () => void {
    const task = { at: this.#now + delayMs, seq: this.#seq++, run };
    this.#tasks.push(task);
    return () => { this.#tasks = this.#tasks.filter((other) => other !== task); };
  }

  get pending(): number {
    return this.#tasks.length;
  }

  /** Moves time forward by `ms`, running every task that falls due (at its own time) on the way. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      const due = this.#tasks.filter((task) => task.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) break;
      this.#tasks = this.#tasks.filter((task) => task !== due);
      this.#now = due.at;
      due.run();
    }
    this.#now = end;
  }
}
