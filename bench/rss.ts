// Resident memory of a process tree, read from /proc (Linux only; elsewhere the figure is absent).
import { readdirSync, readFileSync } from 'node:fs';

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Field 4 is the parent PID; the command name (field 2) may hold spaces and parentheses.
    const afterName = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(afterName[1]);
  } catch {
    return undefined;
  }
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

export interface RssSampler {
  /** Stops sampling; returns the peak sum of VmRSS over the tree in MiB, or undefined if never read. */
  stop(): number | undefined;
}

/**
 * Samples the summed RSS of `pids` every `intervalMs`. The tree is resolved by the caller once,
 * before the measured run, so sampling stays cheap on the load generator's core.
 */
export function sampleRss(pids: readonly number[], intervalMs: number): RssSampler {
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
      return peakKb > 0 ? peakKb / 1024 : undefined;
    },
  };
}
