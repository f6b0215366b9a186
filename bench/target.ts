// What a benchmark target is, and the one way every process-backed target is started and proven up.
import type { TargetName } from './options.js';
import { startProcess, type ManagedProcess } from './processes.js';
import { waitUntilServing } from './readiness.js';

/** Core for the system under test; the load generator and backend share the other one. */
export const PROXY_CPU = 0;
export const LOAD_CPU = 1;

export interface TargetContext {
  readonly backendPort: number;
  /** Private temp directory for generated configs and logs; removed by the runner. */
  readonly workDir: string;
}

export interface RunningTarget {
  readonly url: string;
  /** Root of the process tree whose RSS is reported; undefined when the target has no process of its own. */
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

export interface Target {
  readonly name: TargetName;
  /** Why this target cannot run on this machine, or undefined when it can. */
  unavailable(): string | undefined;
  start(context: TargetContext): Promise<RunningTarget>;
}

export interface ServingProcessOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cpu: number;
  readonly port: number;
  readonly startTimeoutMs: number;
}

/** Starts a process and resolves once GET / through it answers 200; on failure nothing is left running. */
export async function startServingProcess(options: ServingProcessOptions): Promise<RunningTarget> {
  const managed: ManagedProcess = await startProcess(options);
  const url = `http://127.0.0.1:${options.port}/`;
  try {
    await waitUntilServing(url, [managed], options.startTimeoutMs);
  } catch (error) {
    await managed.stop();
    throw error;
  }
  return { url, pid: managed.pid, stop: () => managed.stop() };
}
