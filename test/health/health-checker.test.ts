// The checker with a hand-driven clock and scripted probe results: first check at once, then every
// interval; flags in the EndpointTable after the thresholds; snapshot changes start and stop loops.
import t from 'tap';
import { EndpointState, EndpointTable } from '../../src/balancing/endpoint-table.js';
import { seededRandom } from '../../src/balancing/random.js';
import { HealthChecker } from '../../src/health/health-checker.js';
import type { Probe } from '../../src/health/probes.js';
import { ManualScheduler } from '../helpers/manual-scheduler.js';
import { clusterOf, HEALTH_DEFAULTS, snapshotOf } from '../outlier/fixtures.js';

/** Probe results per slot, in order; a slot with none left passes. */
function scripted(results: Map<number, boolean[]>): { probes: Record<'http' | 'tcp' | 'grpc', Probe>; calls: number[] } {
  const calls: number[] = [];
  const probe: Probe = async (target) => {
    const slot = Number(target.host.split('.')[3]) - 1;
    calls.push(slot);
    return results.get(slot)?.shift() ?? true;
  };
  return { probes: { http: probe, tcp: probe, grpc: probe }, calls };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

async function tick(clock: ManualScheduler, ms: number): Promise<void> {
  clock.advance(ms);
  await flush();
}

t.test('unchecked until the first pass; unhealthy after 3 failures, back after 2 passes', async (t) => {
  const table = EndpointTable.create(2);
  table.reset(0, table.epochMs, EndpointState.UNCHECKED);
  table.reset(1, table.epochMs, EndpointState.UNCHECKED);
  const clock = new ManualScheduler();
  const results = new Map([[0, [true, false, false, false, true, true]], [1, [false]]]);
  const { probes, calls } = scripted(results);
  const outcomes: string[] = [];
  const checker = new HealthChecker(table, clock, seededRandom(3), { result: (cluster, passed) => outcomes.push(`${cluster}:${passed}`) }, probes);
  checker.update(snapshotOf(clusterOf(2, { healthCheck: HEALTH_DEFAULTS })));
  t.equal(clock.pending, 0, 'no timer before start()');
  checker.start();
  await tick(clock, 0);
  t.same(calls, [0, 1], 'both checked at once');
  t.equal(table.state(0), 0, 'slot 0 passed: available');
  t.equal(table.state(1), EndpointState.UNCHECKED, 'slot 1 failed its first check: still no traffic');
  const states: number[] = [];
  for (let i = 0; i < 5; i++) {
    await tick(clock, 5_000);
    states.push(table.state(0));
  }
  const { UNHEALTHY } = EndpointState;
  t.same(states, [0, 0, UNHEALTHY, UNHEALTHY, 0], 'fail, fail, fail → unhealthy; pass, pass → healthy');
  t.equal(table.state(1), 0, 'slot 1 passed its second check');
  t.equal(checker.status(0), 'healthy');
  t.equal(outcomes.filter((o) => o === 'app:false').length, 4);
  checker.stop();
  t.equal(clock.pending, 0, 'stop cancels every timer');
});

t.test('snapshot changes: checks stop for removed endpoints and for a cluster that drops checking (flags cleared)', async (t) => {
  const table = EndpointTable.create(3);
  const clock = new ManualScheduler();
  const { probes, calls } = scripted(new Map([[2, [false, false, false]]]));
  const checker = new HealthChecker(table, clock, seededRandom(3), { result: () => undefined }, probes);
  checker.update(snapshotOf(clusterOf(3, { healthCheck: { ...HEALTH_DEFAULTS, unhealthyThreshold: 1 } })));
  checker.start();
  await tick(clock, 0);
  t.equal(table.state(2), EndpointState.UNHEALTHY);
  checker.update(snapshotOf(clusterOf(2, { healthCheck: { ...HEALTH_DEFAULTS, unhealthyThreshold: 1 } })));
  t.equal(table.state(2), 0, 'a removed endpoint is let go');
  t.equal(clock.pending, 2);
  checker.update(snapshotOf(clusterOf(2)));
  t.equal(clock.pending, 0, 'no checks without healthCheck');
  calls.length = 0;
  await tick(clock, 60_000);
  t.same(calls, []);
});

t.test('a changed check restarts at once and keeps the state; jitter adds up to jitterMs', async (t) => {
  const table = EndpointTable.create(1);
  const clock = new ManualScheduler();
  const { probes, calls } = scripted(new Map());
  const checker = new HealthChecker(table, clock, seededRandom(3), { result: () => undefined }, probes);
  checker.update(snapshotOf(clusterOf(1, { healthCheck: HEALTH_DEFAULTS })));
  checker.start();
  await tick(clock, 0);
  checker.update(snapshotOf(clusterOf(1, { healthCheck: { ...HEALTH_DEFAULTS, path: '/other', jitterMs: 1_000 } })));
  await tick(clock, 0);
  t.same(calls, [0, 0], 'checked again at once with the new settings');
  t.equal(checker.status(0), 'healthy');
  await tick(clock, 4_999);
  t.equal(calls.length, 2);
  await tick(clock, 1_001);
  t.equal(calls.length, 3, 'next check within interval + jitter');
});
