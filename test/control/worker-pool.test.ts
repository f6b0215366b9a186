// WorkerPool with a stand-in worker: snapshot delivery and acknowledgement, rejection, and the
// replacement of workers that die (with the back-off between attempts).
import t from 'tap';
import { RestartBackoff } from '../../src/control/restart-backoff.js';
import { WorkerPool } from '../../src/control/worker-pool.js';
import type { Snapshot } from '../../src/snapshot.js';

// Counts its own starts in the shared buffer; the first `dieFirst` starts exit when given a snapshot.
const standIn = (dieFirst: number, rejectVersion = -1) => new URL('data:text/javascript,' + encodeURIComponent(`
import { parentPort, workerData } from 'node:worker_threads';
const starts = Atomics.add(new Int32Array(workerData.endpointTable), 0, 1) + 1;
parentPort.on('message', (message) => {
  if (message.type === 'snapshot') {
    if (starts <= ${dieFirst}) process.exit(3);
    const { version } = message.snapshot;
    if (version === ${rejectVersion}) parentPort.postMessage({ type: 'rejected', version, error: 'no thanks' });
    else parentPort.postMessage({ type: 'applied', version });
  }
  if (message.type === 'drain') { parentPort.postMessage({ type: 'drained' }); process.exit(0); }
});
`));

const snapshot = (version: number) => ({ version, hash: String(version), listeners: [], routes: [], clusters: [], drainTimeoutMs: 1_000,
  tracing: { enabled: false, sampleRate: 0, propagation: [], requestId: { preserve: true, generate: false } }, locality: { zone: '', fleet: {} } }) as unknown as Snapshot;

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function pool(entry: URL, current: () => Snapshot | undefined, rejected: string[] = []) {
  const buffer = new SharedArrayBuffer(64);
  const workers = new WorkerPool({
    count: 2,
    shared: { endpointTable: buffer, logLevel: 'error' },
    currentSnapshot: current,
    duplicatesFor: () => [],
    onRejected: (index, version, error) => rejected.push(`${index}@${version}: ${error}`),
    backoff: new RestartBackoff({ initialMs: 1, maxMs: 4, stableMs: 60_000 }),
    entry,
    // The stand-in needs none of the test runner's loader flags, which make every thread start slowly.
    execArgv: [],
  });
  return { workers, starts: () => Atomics.load(new Int32Array(buffer), 0) };
}

t.test('delivers snapshots and records versions and rejections', async (t) => {
  let current = snapshot(1);
  const rejected: string[] = [];
  const { workers } = pool(standIn(0, 2), () => current, rejected);
  t.teardown(() => workers.drain(5_000));
  t.same(await workers.start(), [{ index: 0, result: 'applied' }, { index: 1, result: 'applied' }]);
  t.same(workers.versions(), [{ index: 0, version: 1 }, { index: 1, version: 1 }]);
  current = snapshot(2);
  t.same(await workers.publish(current), [
    { index: 0, result: 'rejected', error: 'no thanks' }, { index: 1, result: 'rejected', error: 'no thanks' },
  ]);
  t.same(rejected.sort(), ['0@2: no thanks', '1@2: no thanks']);
  t.same(workers.versions(), [
    { index: 0, version: 1, lastError: 'version 2: no thanks' }, { index: 1, version: 1, lastError: 'version 2: no thanks' },
  ], 'a rejected version is not recorded as applied; why is');
});

t.test('replaces workers that die and brings them to the current snapshot', async (t) => {
  const { workers, starts } = pool(standIn(3), () => snapshot(1));
  t.teardown(() => workers.drain(5_000));
  const first = await workers.start();
  t.same(first, [{ index: 0, result: 'exited' }, { index: 1, result: 'exited' }]);
  await until(() => workers.versions().length === 2 && workers.versions().every((w) => w.version === 1), 'both workers at version 1');
  t.equal(starts(), 5, 'three starts died, two more made it');
  await workers.drain(5_000);
  t.equal(workers.liveCount, 0, 'drained workers are gone and not replaced');
});
