// The main-thread detector with a hand-driven clock: return times with back-off, decay, success-rate
// and failure-percentage sweeps, the detected/enforced books, and following snapshots.
import t from 'tap';
import { EndpointState, EndpointTable } from '../../src/balancing/endpoint-table.js';
import { seededRandom } from '../../src/balancing/random.js';
import { eject } from '../../src/outlier/ejection.js';
import { OutlierDetector } from '../../src/outlier/outlier-detector.js';
import type { OutlierDetectionSnapshot } from '../../src/snapshot.js';
import { ManualScheduler } from '../helpers/manual-scheduler.js';
import { clusterOf, outlier, snapshotOf } from './fixtures.js';

function setup(size: number, overrides: Partial<OutlierDetectionSnapshot> = {}) {
  const table = EndpointTable.create(size);
  const clock = new ManualScheduler();
  const events: string[] = [];
  const detector = new OutlierDetector(table, clock, seededRandom(7), {
    detected: (cluster, reason) => events.push(`detected ${cluster} ${reason}`),
    enforced: (cluster, reason) => events.push(`enforced ${cluster} ${reason}`),
    overflow: (cluster, reason) => events.push(`overflow ${cluster} ${reason}`),
  });
  const config = outlier({ maxEjectionPercent: 100, intervalMs: 1_000, baseEjectionTimeMs: 3_000, maxEjectionTimeMs: 7_000, ...overrides });
  detector.update(snapshotOf(clusterOf(size, { outlierDetection: config })));
  detector.start();
  /** A worker's consecutive-5xx ejection, as it happens in the worker and reaches the main thread. */
  const workerEjects = (slot: number) => {
    eject(table, Array.from({ length: size }, (_, i) => i), slot, config, true);
    detector.onWorkerReport({ cluster: 'app', slot, reason: 'consecutive_5xx', result: 'ejected' });
  };
  return { table, clock, events, detector, config, workerEjects };
}

const isEjected = (table: EndpointTable, slot: number) => (table.state(slot) & EndpointState.EJECTED) !== 0;

t.test('an ejection lasts base × count, checked at each interval; the count backs off up to the cap', async (t) => {
  const { table, clock, events, detector, workerEjects } = setup(2);
  workerEjects(0); // sweeps run every second from here
  t.same(events, ['detected app consecutive_5xx', 'enforced app consecutive_5xx']);
  t.same(detector.ejection(0), { ejected: true, count: 1, ejectedAt: clock.now(), returnsAt: clock.now() + 3_000 });
  clock.advance(2_999);
  t.ok(isEjected(table, 0), 'still out before base × 1 = 3 s');
  clock.advance(1);
  t.notOk(isEjected(table, 0), 'back at the 3 s sweep');
  t.equal(table.ejectionCount(0), 1, 'the count stays until an interval has passed since the return');

  workerEjects(0);
  clock.advance(5_999);
  t.ok(isEjected(table, 0), 'out for base × 2 = 6 s');
  clock.advance(1);
  t.notOk(isEjected(table, 0), 'back at 6 s');
  workerEjects(0);
  t.equal(table.ejectionCount(0), 3);
  t.equal(detector.ejection(0).returnsAt, clock.now() + 7_000, 'base × 3 = 9 s, capped at maxEjectionTime 7 s');
  clock.advance(20_000);
  t.notOk(isEjected(table, 0));
});

t.test('the back-off count decays by one per interval while the endpoint stays in', async (t) => {
  const { table, clock, workerEjects } = setup(2);
  workerEjects(0);
  workerEjects(1);
  clock.advance(3_000);
  t.notOk(isEjected(table, 0));
  table.setEjectionCount(0, 3); // as after three ejections
  const counts: number[] = [];
  for (let i = 0; i < 5; i++) {
    clock.advance(1_000);
    counts.push(table.ejectionCount(0));
  }
  t.same(counts, [2, 1, 0, 0, 0]);
});

t.test('success-rate sweep ejects the outlier; failure percentage is detected but not enforced by default', async (t) => {
  const { table, clock, events } = setup(5, { successRate: { minimumHosts: 5, requestVolume: 100, stdevFactor: 1.9 } });
  const rates = [50, 100, 100, 100, 100];
  rates.forEach((successes, slot) => {
    for (let i = 0; i < successes; i++) table.recordSuccess(slot);
    for (let i = successes; i < 100; i++) table.recordFailure(slot, false);
  });
  clock.advance(1_000);
  t.ok(isEjected(table, 0));
  t.same(events, ['detected app success_rate', 'enforced app success_rate']);
  t.equal(table.takeIntervalSuccesses(1), 0, 'the interval counters restarted');
});

t.test('failure percentage ejects when enforced; maxEjectionPercent overflow is counted apart', async (t) => {
  const { table, clock, events } = setup(5, {
    maxEjectionPercent: 20,
    enforcing: { consecutive_5xx: 100, consecutive_gateway_failure: 0, success_rate: 0, failure_percentage: 100 },
  });
  for (const slot of [0, 1]) for (let i = 0; i < 60; i++) table.recordFailure(slot, true);
  for (const slot of [2, 3, 4]) for (let i = 0; i < 60; i++) table.recordSuccess(slot);
  clock.advance(1_000);
  t.same([0, 1, 2].map((slot) => isEjected(table, slot)), [true, false, false]);
  t.same(events.filter((e) => e.includes('failure_percentage')), [
    'detected app failure_percentage', 'enforced app failure_percentage', 'detected app failure_percentage', 'overflow app failure_percentage',
  ]);
});

t.test('a cluster that loses outlier detection returns its ejected endpoints; stop cancels the sweeps', async (t) => {
  const { table, clock, detector, workerEjects } = setup(3);
  workerEjects(2);
  detector.update(snapshotOf(clusterOf(3)));
  t.notOk(isEjected(table, 2));
  t.equal(clock.pending, 0, 'no sweep left for a cluster without outlier detection');
  detector.update(snapshotOf(clusterOf(3, { outlierDetection: outlier({}) })));
  t.equal(clock.pending, 1);
  detector.stop();
  t.equal(clock.pending, 0);
});

t.test('a report for a cluster no longer watched undoes the worker\'s ejection', async (t) => {
  const { table, detector } = setup(2);
  detector.update(snapshotOf(clusterOf(2, {}, 'other')));
  table.setFlag(1, EndpointState.EJECTED);
  detector.onWorkerReport({ cluster: 'app', slot: 1, reason: 'consecutive_5xx', result: 'ejected' });
  t.notOk(isEjected(table, 1));
});
