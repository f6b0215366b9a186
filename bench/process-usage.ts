// Resident memory and CPU time of a process tree, read from /proc (Linux only; elsewhere the figures
// are absent). CPU time per request is the figure that survives a busy neighbour on a shared machine:
// req/s falls when another process takes the proxy's core, CPU spent per request barely moves.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** The fields of /proc/PID/stat after the command name (field 2, which may hold spaces and parentheses). */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

function parentOf(pid: number): number | undefined {
  const fields = statFields(pid);
  // Field 4 is the parent PID.
  return fields === undefined ? undefined : Number(fields[1]);
}

let ticksPerSecond: number | undefined;

/** utime + stime (fields 14 and 15, all threads of the process) in seconds; 0 when unreadable. */
function cpuSeconds(pid: number): number {
  const fields = statFields(pid);
  if (fields === undefined) return 0;
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'latin1' }).trim()) || 100;
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** `root` and all its descendants alive right now. */
export function processTree(root: number): number[] {
  const childrenOf = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [root];
  }
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const parent = parentOf(pid);
    if (parent === undefined) continue;
    const siblings = childrenOf.get(parent);
    if (siblings === undefined) childrenOf.set(parent, [pid]);
    else siblings.push(pid);
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(childrenOf.get(tree[i]!) ?? []));
  return tree;
}

function rssKb(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return match === null ? 0 : Number(match[1]);
  } catch {
    return 0;
  }
}

export interface ProcessUsage {
  /** Peak sum of VmRSS over the tree, MiB; undefined if never read. */
  readonly peakRssMiB: number | undefined;
  /** CPU seconds the tree spent between the start and the stop of sampling. */
  readonly cpuSeconds: number;
}

export interface UsageSampler {
  stop(): ProcessUsage;
}

function treeCpuSeconds(pids: readonly number[]): number {
  let sum = 0;
  for (const pid of pids) sum += cpuSeconds(pid);
  return sum;
}

/**
 * Samples the summed RSS of `pids` every `intervalMs` and their CPU time from start to stop. The
 * tree is resolved by the caller once, before the measured run, so sampling stays cheap on the load
 * generator's core.
 */
export function sampleUsage(pids: readonly number[], intervalMs: number): UsageSampler {
  const cpuAtStart = treeCpuSeconds(pids);
  let peakKb = 0;
  const sample = (): void => {
    let sum = 0;
    for (const pid of pids) sum += rssKb(pid);
    if (sum > peakKb) peakKb = sum;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return { peakRssMiB: peakKb > 0 ? peakKb / 1024 : undefined, cpuSeconds: treeCpuSeconds(pids) - cpuAtStart };
    },
  };
}
