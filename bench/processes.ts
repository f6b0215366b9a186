// Child processes of the bench: CPU pinning, start, bounded stop by PID, free ports.
// Only processes started here are ever signalled; nothing is looked up by name.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import { delimiter, join } from 'node:path';

const OUTPUT_TAIL_BYTES = 8192;
/** SIGTERM sent: how long the process has to exit before SIGKILL. */
const STOP_GRACE_MS = 5000;
/** SIGKILL sent: how long to wait for its exit; a process still there after that is given up on, never waited for. */
const KILL_WAIT_MS = 5000;

export function commandOnPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

const taskset = commandOnPath('taskset');
/** Pinning needs taskset and at least two cores: core 0 for the proxy, core 1 for load and backend. */
const canPin = taskset !== undefined && cpus().length >= 2;

/** Prefixes `command` with `taskset -c cpu` when pinning is possible. */
export function pinned(cpu: number, command: string, args: readonly string[]): [string, string[]] {
  return canPin && taskset !== undefined ? [taskset, ['-c', String(cpu), command, ...args]] : [command, [...args]];
}

/** Pins every thread of this process to `cpu`; the bench's own load generator runs here. */
export async function pinSelf(cpu: number): Promise<boolean> {
  if (!canPin || taskset === undefined) return false;
  const child = spawn(taskset, ['-a', '-p', '-c', String(cpu), String(process.pid)], { stdio: 'ignore' });
  const [code] = await onceExit(child);
  return code === 0;
}

function onceExit(child: ChildProcess): Promise<[number | null, NodeJS.Signals | null]> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve([code, signal]));
  });
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** True once the process has exited, for whatever reason. */
  exited(): boolean;
  /** Resolves with the exit code (null when a signal ended it) once the process has exited. */
  untilExit(): Promise<number | null>;
  /** The last few KB of its stdout and stderr, to explain a failed start. */
  outputTail(): string;
  /** SIGTERM, then SIGKILL after a grace period; resolves when the process is gone (or, bounded, when SIGKILL did not end it). */
  stop(): Promise<void>;
}

const running = new Set<ManagedProcess>();

export interface StartOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Core to pin to (ignored when pinning is not possible). */
  readonly cpu: number;
}

export async function startProcess(options: StartOptions): Promise<ManagedProcess> {
  const [command, args] = pinned(options.cpu, options.command, options.args);
  // taskset execs the command, so the PID we get is the target's own.
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${options.name}: no PID after spawn`);

  let tail = '';
  const keepTail = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_BYTES);
  };
  child.stdout.on('data', keepTail);
  child.stderr.on('data', keepTail);

  let hasExited = false;
  const exit = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      hasExited = true;
      resolve(code);
    });
  });

  const managed: ManagedProcess = {
    name: options.name,
    pid,
    exited: () => hasExited,
    untilExit: () => exit,
    outputTail: () => tail,
    stop: async () => {
      running.delete(managed);
      if (hasExited) return;
      // ChildProcess.kill signals the child's own PID (taskset execs the command, so that is the target).
      child.kill('SIGTERM');
      if (await settlesWithin(exit, STOP_GRACE_MS)) return;
      child.kill('SIGKILL');
      await settlesWithin(exit, KILL_WAIT_MS);
    },
  };
  running.add(managed);
  return managed;
}

/** Whether `promise` settles within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), ms); });
  try {
    return await Promise.race([promise.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Waits for a process that should end by itself (a load generator with a duration) for at most
 * `limitMs`; past that it is stopped by its PID and the run fails with an error naming the limit, so a
 * hung child costs a bounded wait instead of the whole bench. A non-zero exit fails the run too.
 */
export async function awaitBoundedExit(managed: ManagedProcess, limitMs: number): Promise<void> {
  if (!(await settlesWithin(managed.untilExit(), limitMs))) {
    await managed.stop();
    throw new Error(`${managed.name} (PID ${managed.pid}) was still running after its hard limit of ${limitMs} ms; killed it`);
  }
  const code = await managed.untilExit();
  if (code !== 0) throw new Error(`${managed.name} exited with code ${code}:\n${managed.outputTail()}`);
}

/** Stops every process still running (used on the way out, including Ctrl-C). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((managed) => managed.stop()));
}

/** A port that was free a moment ago on 127.0.0.1, for children that must be told their port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port from listen(0)'))));
    });
  });
}
