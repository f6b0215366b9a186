// Time for the main thread's periodic work (outlier sweeps, health checks): the wall clock and
// one-shot timers, injected so tests drive them by hand. It schedules; it knows nothing of the work.
export interface Scheduler {
  /** Wall clock, ms since 1970 (the EndpointTable stamps availability with it). */
  now(): number;
  /** Runs `task` once after `delayMs`; the returned function cancels it. */
  after(delayMs: number, task: () => void): () => void;
}

export const systemScheduler: Scheduler = {
  now: Date.now,
  after(delayMs, task) {
    const timer = setTimeout(task, delayMs);
    return () => clearTimeout(timer);
  },
};
