// Entry point of `npm run bench`: for the chosen suite, starts the backend, measures each selected
// target in turn, prints and saves the results, and leaves nothing behind (child processes by PID, temp directory).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadGenerator } from './load.js';
import { parseBenchOptions, USAGE, type BenchOptions } from './options.js';
import { pinSelf, stopAll } from './processes.js';
import { consoleTable, failuresOf, markdownTable, sluiceRatios, type BenchReport, type TargetOutcome } from './report.js';
import { processTree, sampleUsage, type UsageSampler } from './process-usage.js';
import { suiteNamed, suiteTarget, type Suite } from './suites.js';
import { LOAD_CPU, type RunningTarget, type Target, type TargetContext } from './target.js';
import { writeSelfSignedCertificate } from './tls-cert.js';

const RESULTS_DIR = fileURLToPath(new URL('../../bench/.work/', import.meta.url));
const RSS_SAMPLE_MS = 500;

function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

async function measureTarget(target: Target, context: TargetContext, options: BenchOptions, load: LoadGenerator): Promise<TargetOutcome> {
  const unavailable = target.unavailable();
  if (unavailable !== undefined) {
    progress(`${target.name}: skipped (${unavailable})`);
    return { name: target.name, status: 'skipped', reason: unavailable };
  }
  progress(`${target.name}: starting`);
  let running: RunningTarget;
  try {
    running = await target.start(context);
  } catch (error) {
    progress(`${target.name}: failed to start: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
    return { name: target.name, status: 'skipped', reason: 'failed to start' };
  }
  let sampler: UsageSampler | undefined;
  try {
    progress(`${target.name}: warm-up ${options.warmupSec} s on ${running.url} (${load.name})`);
    const settings = { connections: options.connections, warmupSec: options.warmupSec, durationSec: options.durationSec };
    const figures = await load.run(running.url, settings, () => {
      progress(`${target.name}: measuring ${options.durationSec} s`);
      // The tree (nginx master + worker) is stable by now; resolve it once, outside the sampling loop.
      if (running.pid !== undefined) sampler = sampleUsage(processTree(running.pid), RSS_SAMPLE_MS);
    });
    const usage = sampler?.stop();
    if (failuresOf(figures) > 0) {
      progress(`${target.name}: ${figures.errors} errors and ${figures.non2xx} non-2xx answers: figures are not valid`);
      process.exitCode = 1;
    }
    return {
      name: target.name,
      status: 'measured',
      figures,
      peakRssMiB: usage?.peakRssMiB,
      cpuUsPerRequest: usage === undefined || figures.totalRequests === 0 ? undefined : (usage.cpuSeconds * 1e6) / figures.totalRequests,
    };
  } catch (error) {
    // A failed or hung load run fails this target only; the others are still measured.
    const reason = error instanceof Error ? error.message : String(error);
    progress(`${target.name}: load run failed: ${reason}`);
    process.exitCode = 1;
    return { name: target.name, status: 'failed', reason: reason.split('\n')[0]! };
  } finally {
    // Only matters when the run failed: stopping a stopped sampler does nothing.
    sampler?.stop();
    await running.stop();
  }
}

async function runBench(options: BenchOptions, suite: Suite, load: LoadGenerator, workDir: string): Promise<BenchReport> {
  const pinned = await pinSelf(LOAD_CPU);
  const certificate = suite.needsCertificate ? await writeSelfSignedCertificate(workDir) : undefined;
  const backend = await suite.startBackend();
  const context: TargetContext = { backendPort: backend.port, workDir, certificate, tracing: options.tracing, accessLog: options.accessLog,
    balancing: options.balancing, h2Codec: options.h2Codec };
  const outcomes: TargetOutcome[] = [];
  try {
    for (const name of options.targets) outcomes.push(await measureTarget(suiteTarget(suite, name), context, options, load));
  } finally {
    await backend.stop();
  }
  return {
    date: new Date().toISOString(),
    node: process.version,
    nproc: cpus().length,
    command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    pinned,
    suite: suite.name,
    protocol: suite.protocol,
    loadGenerator: load.name,
    workload: load.workload(options.connections),
    latencyColumns: load.latencyColumns,
    connections: options.connections,
    warmupSec: options.warmupSec,
    durationSec: options.durationSec,
    outcomes,
    ratios: sluiceRatios(outcomes),
  };
}

async function main(): Promise<void> {
  let options: BenchOptions;
  try {
    options = parseBenchOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  const suite = suiteNamed(options.suite);
  const load = suite.loadGenerator(options);
  const unavailable = load.unavailable() ?? suite.unavailable();
  if (unavailable !== undefined) {
    process.stderr.write(`--suite ${suite.name} with ${load.name}: ${unavailable}\n`);
    process.exitCode = 2;
    return;
  }
  const workDir = await mkdtemp(join(tmpdir(), 'sluice-bench-'));
  const cleanUp = async (): Promise<void> => {
    await stopAll();
    await rm(workDir, { recursive: true, force: true });
  };
  const interrupted = (): void => {
    progress('interrupted: stopping children');
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const report = await runBench(options, suite, load, workDir);
    await mkdir(RESULTS_DIR, { recursive: true });
    const jsonPath = join(RESULTS_DIR, 'last.json');
    await writeFile(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`\n${consoleTable(report)}\n\nMarkdown for bench/RESULTS.md:\n\n${markdownTable(report)}\n\nJSON: ${jsonPath}\n`);
  } finally {
    await cleanUp();
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
}

await main();
