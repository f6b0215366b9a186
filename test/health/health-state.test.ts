// The health state machine: flips only after N results in a row, in both directions.
import t from 'tap';
import { HealthState } from '../../src/health/health-state.js';

const thresholds = { healthyThreshold: 2, unhealthyThreshold: 3 };

t.test('unchecked: one pass is enough; unhealthyThreshold failures make it unhealthy', async (t) => {
  t.equal(new HealthState(thresholds, 'unchecked').record(true), 'healthy');
  const state = new HealthState(thresholds, 'unchecked');
  t.same([false, false, false].map((passed) => state.record(passed)), ['unchecked', 'unchecked', 'unhealthy']);
});

t.test('healthy → unhealthy after 3 failures in a row; a pass in between starts over', async (t) => {
  const state = new HealthState(thresholds, 'healthy');
  t.same([false, false, true, false, false, false].map((passed) => state.record(passed)),
    ['healthy', 'healthy', 'healthy', 'healthy', 'healthy', 'unhealthy']);
});

t.test('unhealthy → healthy after 2 passes in a row; a failure in between starts over', async (t) => {
  const state = new HealthState(thresholds, 'unhealthy');
  t.same([true, false, true, true].map((passed) => state.record(passed)), ['unhealthy', 'unhealthy', 'unhealthy', 'healthy']);
});
