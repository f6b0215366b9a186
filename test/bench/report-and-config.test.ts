// The bench's own arithmetic and generated configs: CPU per request beside requests/s in the ratios,
// the sampler's CPU reading of a busy child, the `--balancing` cluster shapes and the `--h2-codec` listeners Sluice accepts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { parseBenchOptions } from '../../bench/options.js';
import { sampleUsage } from '../../bench/process-usage.js';
import { consoleTable, sluiceRatios, type BenchReport, type TargetOutcome } from '../../bench/report.js';
import { sluiceConfig } from '../../bench/sluice-target.js';
import { startProcess } from '../../bench/processes.js';

const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

function measured(name: 'sluice' | 'nginx', rps: number, cpuUsPerRequest: number | undefined): TargetOutcome {
  return {
    name, status: 'measured', peakRssMiB: 10, cpuUsPerRequest,
    figures: { requestsPerSecAverage: rps, requestsPerSecP50: undefined, latencyTypicalMs: 1, latencyTailMs: 2, totalRequests: rps * 10, errors: 0, non2xx: 0 },
  };
}

t.test('ratios: requests/s first, then CPU per request where both targets have it', async (t) => {
  const ratios = sluiceRatios([measured('sluice', 10_000, 100), measured('nginx', 20_000, 50)]);
  t.same(ratios.map((r) => [r.label, r.value]), [['sluice/nginx', 0.5], ['sluice/nginx CPU/req', 2]]);
  t.same(sluiceRatios([measured('sluice', 10_000, 100), measured('nginx', 20_000, undefined)]).map((r) => r.label), ['sluice/nginx']);
});

t.test('the tables show CPU per request', async (t) => {
  const report: BenchReport = {
    date: 'today', node: 'v20', nproc: 2, command: 'npm run bench', pinned: true, suite: 'h1', protocol: 'HTTP/1.1',
    loadGenerator: 'wrk', workload: 'w', latencyColumns: { typical: 'p50', tail: 'p99' }, connections: 8, warmupSec: 1, durationSec: 2,
    outcomes: [measured('sluice', 10_000, 98.76)], ratios: [],
  };
  t.match(consoleTable(report), /CPU µs\/req\n.*\s98\.8\n/);
});

t.test('the sampler reads the CPU time a child spends while sampling', async (t) => {
  // The child spins for about 300 ms of CPU, then says so and idles.
  const child = await startProcess({
    name: 'spinner', command: process.execPath, cpu: 1,
    args: ['-e', "const end = process.cpuUsage().user + 300000; while (process.cpuUsage().user < end); console.log('spun'); setInterval(() => {}, 1000)"],
  });
  t.teardown(() => child.stop());
  const sampler = sampleUsage([child.pid], 50);
  await new Promise<void>((resolve) => { const poll = setInterval(() => { if (child.outputTail().includes('spun')) { clearInterval(poll); resolve(); } }, 20); });
  const usage = sampler.stop();
  t.ok(usage.cpuSeconds >= 0.2, `at least 0.2 s of the spin counted (got ${usage.cpuSeconds})`);
  t.ok(usage.peakRssMiB !== undefined && usage.peakRssMiB > 1, 'RSS read');
});

t.test('--balancing: the three cluster shapes are valid Sluice configs', async (t) => {
  t.equal(parseBenchOptions([]).balancing, 'single');
  t.throws(() => parseBenchOptions(['--balancing', 'wide']), /--balancing: unknown value "wide"/);
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-config-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const balancing of ['single', 'spread', 'zoned'] as const) {
    const file = join(dir, `${balancing}.yaml`);
    writeFileSync(file, sluiceConfig(8080, 9000, { balancing }));
    const result = spawnSync(process.execPath, [CLI, 'validate', file], { encoding: 'utf8' });
    t.equal(result.status, 0, `${balancing}: ${result.stdout}${result.stderr}`);
  }
  const zoned = sluiceConfig(8080, 9000, { balancing: 'zoned' });
  t.match(zoned, /zone: zone-a\nfleet: \{ zone-a: 2, zone-b: 1, zone-c: 1 \}/);
  t.equal(zoned.match(/zone: zone-[abc] \}/g)?.length, 6, 'six endpoints, each with a zone');
  t.match(zoned, /outlierDetection: \{/);
  t.notMatch(sluiceConfig(8080, 9000, { balancing: 'spread' }), /zone|outlier/);
});

t.test('--h2-codec: Sluice\'s listener names node:http2 only when asked; both configs are valid', async (t) => {
  t.equal(parseBenchOptions([]).h2Codec, 'sluice');
  t.equal(parseBenchOptions(['--h2-codec', 'node']).h2Codec, 'node');
  t.throws(() => parseBenchOptions(['--h2-codec', 'nghttp2']), /--h2-codec: unknown value "nghttp2"/);
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-codec-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const h2Codec of ['sluice', 'node'] as const) {
    const config = sluiceConfig(8080, 9000, { h2Codec });
    t.equal(/codec: node/.test(config), h2Codec === 'node', `${h2Codec}: the listener's http2 block`);
    const file = join(dir, `${h2Codec}.yaml`);
    writeFileSync(file, config);
    const result = spawnSync(process.execPath, [CLI, 'validate', file], { encoding: 'utf8' });
    t.equal(result.status, 0, `${h2Codec}: ${result.stdout}${result.stderr}`);
  }
});
