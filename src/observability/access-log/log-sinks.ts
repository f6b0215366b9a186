// Where batches of access log lines go: the process's stdout (from a worker thread, Node forwards it to
// the main thread, which writes each batch whole) or a file opened for appending (O_APPEND, so the
// workers' batches land one after another). Knows nothing of lines or batching.
import { close, openSync, write } from 'node:fs';

export interface LogSink {
  /** Writes `data`; `done` runs once it is handed to the OS (or failed). */
  write(data: Buffer, done: (error: Error | null) => void): void;
  /** Opens the path again (after log rotation moved the file away). */
  reopen(): void;
  close(): void;
}

export function stdoutSink(): LogSink {
  return {
    write: (data, done) => void process.stdout.write(data, (error) => done(error ?? null)),
    reopen() { /* stdout is never rotated */ },
    close() { /* stdout belongs to the process */ },
  };
}

/** Opens `path` now (throws a clear error if it cannot), creating it if needed. */
export function fileSink(path: string): LogSink {
  const open = () => {
    try {
      return openSync(path, 'a', 0o644);
    } catch (error) {
      throw new Error(`accessLog.path: cannot open ${path} for appending (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  };
  let fd = open();
  const writeAll = (target: number, data: Buffer, offset: number, done: (error: Error | null) => void): void => {
    write(target, data, offset, data.length - offset, null, (error, written) => {
      if (error !== null) return done(error);
      if (offset + written < data.length) return writeAll(target, data, offset + written, done);
      done(null);
    });
  };
  return {
    write: (data, done) => writeAll(fd, data, 0, done),
    reopen() {
      const previous = fd;
      fd = open();
      // A write in flight on the old descriptor finishes first: close it on the next turn of the loop.
      setImmediate(() => close(previous, () => { /* nothing to do about a failed close */ }));
    },
    close: () => close(fd, () => { /* as above */ }),
  };
}
