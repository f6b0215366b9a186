// Workers eject at once on consecutive errors: exactly at the threshold, one ejector among racing
// callers, within maxEjectionPercent, with Envoy's back-off count, and tell the main thread.
import t from 'tap';
import { EndpointState, EndpointTable } from '../../src/balancing/endpoint-table.js';
import { seededRandom } from '../../src/balancing/random.js';
import { ejectingRecorder, type ConsecutiveErrorReport } from '../../src/outlier/outcome-recorder.js';
import { eject } from '../../src/outlier/ejection.js';
import { clusterOf, outlier } from './fixtures.js';

function setup(size: number, overrides: Parameters<typeof outlier>[0] = {}) {
  const table = EndpointTable.create(size);
  const config = outlier({ maxEjectionPercent: 100, ...overrides });
  const reports: ConsecutiveErrorReport[] = [];
  const recorder = ejectingRecorder(table, clusterOf(size, { outlierDetection: config }), config, seededRandom(1), (r) => reports.push(r));
  return { table, recorder, reports };
}

const ejected = (table: EndpointTable, slot: number) => (table.state(slot) & EndpointState.EJECTED) !== 0;

t.test('the fifth consecutive 5xx ejects, not the fourth; a success in between starts over', async (t) => {
  const { table, recorder, reports } = setup(4);
  for (let i = 0; i < 4; i++) recorder.response(0, 500);
  recorder.response(0, 200);
  for (let i = 0; i < 4; i++) recorder.response(0, 500);
  t.notOk(ejected(table, 0), 'four in a row, twice: still in');
  recorder.response(0, 500);
  t.ok(ejected(table, 0), 'the fifth in a row ejects');
  t.equal(table.ejectionCount(0), 1);
  t.same(reports, [{ cluster: 'app', slot: 0, reason: 'consecutive_5xx', result: 'ejected' }]);
  t.equal(table.consecutive5xx(0), 0, 'the run is claimed (reset)');
  t.notOk(ejected(table, 1));
});

t.test('gateway failures: detected at the threshold but not enforced by default (Envoy)', async (t) => {
  const { table, recorder, reports } = setup(4, { consecutive5xx: 100 });
  for (let i = 0; i < 5; i++) recorder.gatewayFailure(1);
  t.notOk(ejected(table, 1));
  t.same(reports, [{ cluster: 'app', slot: 1, reason: 'consecutive_gateway_failure', result: 'not_enforced' }]);
});

t.test('gateway failures eject when enforced; 502/503/504 count, a 500 ends the run', async (t) => {
  const { table, recorder, reports } = setup(4, { consecutive5xx: 100, enforcing: { consecutive_5xx: 100, consecutive_gateway_failure: 100, success_rate: 100, failure_percentage: 0 } });
  recorder.response(2, 502);
  recorder.response(2, 503);
  recorder.response(2, 500);
  recorder.response(2, 504);
  recorder.gatewayFailure(2);
  recorder.response(2, 503);
  recorder.gatewayFailure(2);
  t.notOk(ejected(table, 2), 'four in a row after the 500');
  recorder.response(2, 502);
  t.ok(ejected(table, 2));
  t.same(reports.map((r) => r.reason), ['consecutive_gateway_failure']);
});

t.test('racing callers past the threshold: exactly one ejects and reports', async (t) => {
  const { table, recorder, reports } = setup(4, { consecutive5xx: 3 });
  // Runs pushed past the threshold before anyone claims them (as concurrent workers would).
  for (let i = 0; i < 6; i++) table.recordFailure(3, false);
  for (let i = 0; i < 4; i++) recorder.response(3, 500);
  t.equal(reports.length, 1);
  t.ok(ejected(table, 3));
});

t.test('maxEjectionPercent: Envoy counts the ejection being made; alwaysEjectOneHost allows the first', async (t) => {
  const table = EndpointTable.create(4);
  const slots = [0, 1, 2, 3];
  const policy = outlier({ maxEjectionPercent: 50 });
  t.equal(eject(table, slots, 0, policy, true), 'ejected', '1 of 4 = 25%');
  t.equal(eject(table, slots, 1, policy, true), 'ejected', '2 of 4 = 50%');
  t.equal(eject(table, slots, 2, policy, true), 'overflow', '3 of 4 = 75% > 50%');
  t.equal(eject(table, slots, 1, policy, true), 'already_ejected');
  const fresh = EndpointTable.create(4);
  t.equal(eject(fresh, slots, 0, outlier({ maxEjectionPercent: 10 }), true), 'overflow', '25% > 10% (the default)');
  t.equal(eject(fresh, slots, 0, outlier({ maxEjectionPercent: 10, alwaysEjectOneHost: true }), true), 'ejected');
  t.equal(eject(fresh, slots, 1, outlier({ maxEjectionPercent: 10, alwaysEjectOneHost: true }), true), 'overflow', 'only the first');
  t.equal(eject(fresh, slots, 2, outlier({ maxEjectionPercent: 100 }), false), 'not_enforced');
});

t.test('the back-off count stops growing once base × count reaches max + base', async (t) => {
  const table = EndpointTable.create(1);
  const policy = outlier({ maxEjectionPercent: 100, baseEjectionTimeMs: 30_000, maxEjectionTimeMs: 90_000 });
  const counts: number[] = [];
  for (let i = 0; i < 6; i++) {
    eject(table, [0], 0, policy, true);
    counts.push(table.ejectionCount(0));
    table.clearFlag(0, EndpointState.EJECTED, table.epochMs);
  }
  t.same(counts, [1, 2, 3, 4, 4, 4], '4 × 30 s = 120 s = max + base: no further growth');
});
