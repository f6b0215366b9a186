// The access log of a worker: one BufferedLogWriter per output path for the worker's life (reopened on
// rotation, replaced when the path changes), and per snapshot an AccessLog that samples requests and
// renders the configured fields. Exchanges call `log(entry)` once a request is over.
import { performance } from 'node:perf_hooks';
import type { Random } from '../../balancing/random.js';
import type { AccessLogSnapshot } from '../../snapshot.js';
import type { AccessLogEntry } from './access-log-entry.js';
import { compileAccessLogLine, type AccessLogLine } from './access-log-line.js';
import { BufferedLogWriter } from './buffered-log-writer.js';
import { fileSink, stdoutSink } from './log-sinks.js';

export class AccessLog {
  readonly #writer: BufferedLogWriter;
  readonly #line: AccessLogLine;
  readonly #sampleRate: number;
  readonly #random: Random;

  constructor(config: AccessLogSnapshot, writer: BufferedLogWriter, random: Random) {
    this.#writer = writer;
    this.#line = compileAccessLogLine(config.fields);
    this.#sampleRate = config.sampleRate;
    this.#random = random;
  }

  /** Writes a line for `entry` if the request is sampled. */
  log(entry: AccessLogEntry): void {
    if (this.#sampleRate < 1 && !(this.#random.next() < this.#sampleRate)) return;
    this.#writer.write(this.#line(entry, performance.now()));
  }
}

export class AccessLogOutputs {
  #path: string | undefined;
  #writer: BufferedLogWriter | undefined;

  /** The access log for a snapshot; undefined when it is off. Throws if a file cannot be opened. */
  accessLogFor(config: AccessLogSnapshot, random: Random): AccessLog | undefined {
    if (!config.enabled) {
      void this.close();
      return undefined;
    }
    if (this.#writer === undefined || this.#path !== config.path) {
      const writer = new BufferedLogWriter(config.path === 'stdout' ? stdoutSink() : fileSink(config.path));
      void this.close();
      this.#writer = writer;
      this.#path = config.path;
    }
    return new AccessLog(config, this.#writer, random);
  }

  /** Called on every tick: pending lines go out at least this often. */
  flush(): void {
    this.#writer?.flush();
  }

  /** Log rotation: the file is opened again under its name. */
  reopen(): void {
    this.#writer?.sink.reopen();
  }

  /** Writes what is pending and closes the output. */
  async close(): Promise<void> {
    const writer = this.#writer;
    this.#writer = undefined;
    this.#path = undefined;
    if (writer === undefined) return;
    await writer.drain();
    writer.sink.close();
  }
}
