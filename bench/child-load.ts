// Runs a load-generator child (h2load, the gRPC load loop) on the load core: one process covers
// warm-up and measured part, is killed past its hard limit, and its report is read from its output.
import { hardLimitMs, type LoadFigures, type LoadSettings } from './load.js';
import { awaitBoundedExit, startProcess } from './processes.js';
import { LOAD_CPU } from './target.js';

export interface ChildLoadRun {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** Reads the figures out of the child's output (its last few KB, which hold the whole report). */
  readonly parse: (output: string) => LoadFigures;
}

export async function runChildLoad(run: ChildLoadRun, settings: LoadSettings, measuring: () => void): Promise<LoadFigures> {
  const managed = await startProcess({ name: run.name, command: run.command, args: run.args, cpu: LOAD_CPU });
  // The child warms up by itself; the measured part starts when its warm-up ends.
  const warmedUp = setTimeout(measuring, settings.warmupSec * 1000);
  try {
    await awaitBoundedExit(managed, hardLimitMs(settings.warmupSec + settings.durationSec));
    return run.parse(managed.outputTail());
  } finally {
    clearTimeout(warmedUp);
    await managed.stop();
  }
}
