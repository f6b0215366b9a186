// Runs the built `sluice` CLI as a child process for integration tests: writes the config to a temp
// file, waits for the `ready` log line, exposes the bound ports, and stops the process it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const cliPath = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

export interface SluiceProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly configFile: string;
  /** Listener name → "127.0.0.1:port". */
  readonly listeners: Record<string, string>;
  readonly admin: string;
  /** Every JSON log line seen so far on stderr. */
  readonly logs: Record<string, unknown>[];
  url(pathname?: string, listener?: string): string;
  /** Rewrites the config file (the proxy watches it). */
  writeConfig(yaml: string): void;
  /** Waits for a log line matching `predicate` (bounded). */
  waitForLog(predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Sends `signal` and resolves with the exit code (bounded; SIGKILL after the bound). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
  /** Resident set size of the process in bytes (Linux /proc). */
  rss(): number;
}

interface Teardown { teardown(fn: () => unknown): void }

export interface SluiceOptions {
  readonly workers?: number;
  readonly args?: string[];
  /** Added to (or replacing in) this process's environment, e.g. NODE_OPTIONS for a preload. */
  readonly env?: Record<string, string>;
}

export async function startSluice(t: Teardown, yaml: string, options: SluiceOptions = {}): Promise<SluiceProcess> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-test-'));
  const configFile = path.join(dir, 'sluice.yaml');
  writeFileSync(configFile, yaml);
  const child = spawn(process.execPath, [
    cliPath, '--config', configFile, '--workers', String(options.workers ?? 2),
    '--admin', '127.0.0.1:0', '--log-level', 'info', ...(options.args ?? []),
  ], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
  const logs: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let exitCode: number | null | undefined;
  let stderrText = '';
  child.stdout!.resume();
  let partial = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    stderrText += text;
    partial += text;
    let newline;
    while ((newline = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, newline);
      partial = partial.slice(newline + 1);
      try { logs.push(JSON.parse(line) as Record<string, unknown>); } catch { /* not a log line */ }
    }
    for (const wake of waiters) wake();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    exitCode = code;
    for (const wake of waiters) wake();
    resolve(code);
  }));
  t.teardown(() => { if (exitCode === undefined) child.kill('SIGKILL'); });

  const waitForLog = (predicate: (line: Record<string, unknown>) => boolean, timeoutMs = 20_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const found = logs.find(predicate);
        if (found) done(() => resolve(found));
        else if (exitCode !== undefined) done(() => reject(new Error(`sluice exited (${exitCode}) before the expected log line:\n${stderrText}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`timed out waiting for a log line:\n${stderrText}`))), timeoutMs);
      const done = (settle: () => void) => { clearTimeout(timer); waiters.delete(check); settle(); };
      waiters.add(check);
      check();
    });

  const ready = await waitForLog((line) => line.msg === 'ready');
  const listeners = ready.listeners as Record<string, string>;
  return {
    child,
    pid: child.pid!,
    configFile,
    listeners,
    admin: ready.admin as string,
    logs,
    url: (pathname = '/', listener = Object.keys(listeners)[0]!) => `http://${listeners[listener]}${pathname}`,
    writeConfig: (text) => writeFileSync(configFile, text),
    waitForLog,
    async stop(signal = 'SIGTERM', timeoutMs = 30_000) {
      if (exitCode !== undefined) return exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    rss() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const match = /VmRSS:\s+(\d+) kB/.exec(status);
      return match ? Number(match[1]) * 1024 : 0;
    },
  };
}
