// The counting recorder: which outcomes are successes, 5xx and gateway failures (Envoy's classes).
import t from 'tap';
import { EndpointTable } from '../../src/balancing/endpoint-table.js';
import { countingRecorder } from '../../src/outlier/outcome-recorder.js';

t.test('below 500 is a success and ends both runs; 5xx runs, 502–504 and no-answer are gateway failures', async (t) => {
  const table = EndpointTable.create(2);
  const outcomes = countingRecorder(table);
  outcomes.response(0, 503);
  outcomes.gatewayFailure(0);
  outcomes.response(0, 504);
  t.equal(table.consecutive5xx(0), 3);
  t.equal(table.consecutiveGatewayFailures(0), 3);
  outcomes.response(0, 500);
  t.equal(table.consecutive5xx(0), 4, 'a 500 continues the 5xx run');
  t.equal(table.consecutiveGatewayFailures(0), 0, 'and ends the gateway run');
  outcomes.response(0, 499);
  t.equal(table.consecutive5xx(0), 0);
  outcomes.response(0, 101);
  outcomes.response(0, 404);
  t.equal(table.takeIntervalSuccesses(0), 3);
  t.equal(table.takeIntervalFailures(0), 4);
  t.equal(table.takeIntervalFailures(1), 0, 'other slots untouched');
});
