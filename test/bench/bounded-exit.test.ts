// The bench's hard limit on load-generator children: a child that ignores SIGTERM and never exits is
// killed by its PID once the limit passes and the run fails with an error naming the limit; one that
// exits in time passes; a non-zero exit fails. A failed run is a `failed` row in the report.
import t from 'tap';
import { hardLimitMs } from '../../bench/load.js';
import { awaitBoundedExit, startProcess } from '../../bench/processes.js';
import { consoleTable, markdownTable, type BenchReport } from '../../bench/report.js';

const node = (script: string) => startProcess({ name: 'child', command: process.execPath, args: ['-e', script], cpu: 1 });

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

t.test('a child that never exits is killed by PID past the limit, and the run fails', async (t) => {
  // Ignores SIGTERM, so only the SIGKILL that follows ends it; it says when it is ready to ignore it.
  const child = await node("process.on('SIGTERM', () => {}); setInterval(() => {}, 1000); console.log('ready')");
  t.teardown(() => child.stop());
  await new Promise<void>((resolve) => { const poll = setInterval(() => { if (child.outputTail().includes('ready')) { clearInterval(poll); resolve(); } }, 20); });
  await t.rejects(awaitBoundedExit(child, 200), { message: `child (PID ${child.pid}) was still running after its hard limit of 200 ms; killed it` });
  t.ok(child.exited(), 'the child is gone');
  t.notOk(isAlive(child.pid), 'no process with its PID is left');
});

t.test('a child that exits in time passes; a non-zero exit fails with its output', async (t) => {
  await t.resolves(awaitBoundedExit(await node('console.log("done")'), 20_000));
  await t.rejects(awaitBoundedExit(await node('console.error("bad flag"); process.exit(3)'), 20_000), { message: /^child exited with code 3:\nbad flag/ });
});

t.test('the hard limit is the run plus 15 s, or plus half the run when longer', async (t) => {
  t.equal(hardLimitMs(10), 25_000);
  t.equal(hardLimitMs(30), 45_000);
  t.equal(hardLimitMs(60), 90_000);
});

t.test('a failed run is a row of its own in both tables', async (t) => {
  const report: BenchReport = {
    date: 'today', node: 'v20', nproc: 2, command: 'npm run bench -- --suite h2', pinned: true, suite: 'h2', protocol: 'HTTP/2',
    loadGenerator: 'h2load', workload: 'w', latencyColumns: { typical: 'mean', tail: 'max' }, connections: 8, warmupSec: 1, durationSec: 2,
    outcomes: [
      { name: 'sluice', status: 'measured', peakRssMiB: 60, cpuUsPerRequest: 50, figures: { requestsPerSecAverage: 1000, requestsPerSecP50: undefined, latencyTypicalMs: 1, latencyTailMs: 9, totalRequests: 2000, errors: 0, non2xx: 0 } },
      { name: 'nginx', status: 'failed', reason: 'h2load (PID 42) was still running after its hard limit of 18000 ms; killed it' },
    ],
    ratios: [],
  };
  t.match(consoleTable(report), /\nnginx +failed: h2load \(PID 42\) was still running after its hard limit of 18000 ms; killed it\n/);
  t.match(markdownTable(report), /\| nginx \| failed: h2load \(PID 42\) was still running after its hard limit of 18000 ms; killed it \|/);
});
