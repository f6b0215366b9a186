// Process signals of a running proxy: SIGHUP reloads; SIGUSR1 reopens the access log file; the first
// SIGTERM/SIGINT stops gracefully and exits 0, a second one exits at once with 1.
import { log } from '../log.js';

export interface SignalActions {
  /** Absent when there is nothing to reload (the built-in demo configuration). */
  readonly reload?: () => Promise<void>;
  /** Absent when there is no access log to reopen (the demo). */
  readonly reopenLogs?: () => void;
  readonly stop: () => Promise<void>;
}

export function handleProcessSignals({ reload, reopenLogs, stop }: SignalActions): void {
  if (reopenLogs !== undefined) process.on('SIGUSR1', reopenLogs);
  if (reload !== undefined) {
    process.on('SIGHUP', () => {
      log.info('SIGHUP: reloading the configuration');
      void reload();
    });
  }
  let stopping = false;
  const onStopSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    log.info(`${signal}: stopping gracefully (send it again to exit at once)`);
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error('graceful stop failed', { error: String(error) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onStopSignal);
  process.on('SIGINT', onStopSignal);
}
