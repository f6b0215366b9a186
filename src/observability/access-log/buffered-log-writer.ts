// Collects access log lines and hands them to a sink in batches: when a batch reaches FLUSH_BYTES or
// when `flush` is called (the worker's ticker, every 50 ms). One write is in flight at a time; when the
// sink falls behind by more than MAX_PENDING_BYTES, new lines are dropped and counted, never queued
// without bound.
import type { LogSink } from './log-sinks.js';

const FLUSH_BYTES = 64 * 1024;
const MAX_PENDING_BYTES = 8 * 1024 * 1024;

export class BufferedLogWriter {
  readonly sink: LogSink;
  #pending: string[] = [];
  #pendingBytes = 0;
  #writing = false;
  #idle: (() => void)[] = [];
  /** Lines dropped because the sink fell behind (or failed). */
  dropped = 0;

  constructor(sink: LogSink) {
    this.sink = sink;
  }

  write(line: string): void {
    if (this.#pendingBytes >= MAX_PENDING_BYTES) {
      this.dropped++;
      return;
    }
    this.#pending.push(line);
    this.#pendingBytes += line.length;
    if (this.#pendingBytes >= FLUSH_BYTES) this.flush();
  }

  flush(): void {
    if (this.#writing || this.#pending.length === 0) return;
    const batch = Buffer.from(this.#pending.join(''), 'utf8');
    const lines = this.#pending.length;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#writing = true;
    this.sink.write(batch, (error) => {
      this.#writing = false;
      if (error !== null) this.dropped += lines;
      if (this.#pendingBytes >= FLUSH_BYTES || this.#idle.length > 0) this.flush();
      if (!this.#writing) for (const resolve of this.#idle.splice(0)) resolve();
    });
  }

  /** Writes everything pending; resolves once the sink has taken it (before a worker exits). */
  drain(): Promise<void> {
    this.flush();
    if (!this.#writing) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }
}
