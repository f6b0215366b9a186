// The cluster `outlierDetection` and `healthCheck` blocks: Envoy's defaults, every problem with its
// field path, and the Snapshot fields (and slot initial state) they become.
import t from 'tap';
import { OUTLIER_DEFAULTS } from '../outlier/fixtures.js';
import { EndpointState } from '../../src/balancing/endpoint-table.js';
import { buildSnapshot, validateConfig, type ConfigResult } from '../../src/config/index.js';
import { accepted, problemLines } from '../helpers/config-results.js';

function withCluster(extra: Record<string, unknown>): ConfigResult {
  return validateConfig({
    listeners: [{ name: 'web', address: '127.0.0.1:0' }],
    clusters: [{ name: 'app', endpoints: [{ address: '10.0.0.1:80' }], ...extra }],
  });
}

t.test('outlierDetection: an empty block gets Envoy\'s defaults', async (t) => {
  const snapshot = buildSnapshot(accepted(withCluster({ outlierDetection: {} })), 1, () => 0);
  t.same(snapshot.clusters[0]!.outlierDetection, OUTLIER_DEFAULTS);
  t.notOk('outlierDetection' in buildSnapshot(accepted(withCluster({})), 1, () => 0).clusters[0]!, 'absent unless configured');
});

t.test('outlierDetection: maxEjectionTime defaults to the longer of 300s and the base; shorter than the base is an error', async (t) => {
  const config = accepted(withCluster({ outlierDetection: { baseEjectionTime: '10m' } }));
  t.equal(config.clusters[0]!.outlierDetection!.maxEjectionTime, 600_000);
  t.same(problemLines(withCluster({ outlierDetection: { baseEjectionTime: '30s', maxEjectionTime: '10s' } })), [
    'clusters[0].outlierDetection.maxEjectionTime: maxEjectionTime (10000 ms) cannot be shorter than baseEjectionTime (30000 ms)',
  ]);
});

t.test('outlierDetection: bad fields are named by path', async (t) => {
  const lines = problemLines(withCluster({
    outlierDetection: { consecutive5xx: 0, maxEjectionPercent: 101, interval: 5, successRate: { stdevFactor: -1 }, enforcing: { typo: 1 }, extra: true },
  }));
  t.same(lines.map((line) => line.slice(0, line.indexOf(': '))).sort(), [
    'clusters[0].outlierDetection.consecutive5xx',
    'clusters[0].outlierDetection.enforcing.typo',
    'clusters[0].outlierDetection.extra',
    'clusters[0].outlierDetection.interval',
    'clusters[0].outlierDetection.maxEjectionPercent',
    'clusters[0].outlierDetection.successRate.stdevFactor',
  ]);
  t.match(lines.join('\n'), /outlierDetection\.interval: expected a duration like 2s, found 5/);
});

t.test('healthCheck: defaults, status ranges, and UNCHECKED slots when the first pass is required', async (t) => {
  const initialStates: number[] = [];
  const snapshot = buildSnapshot(accepted(withCluster({ healthCheck: { expectedStatuses: [200, '202-204'] } })), 1, (_c, address, initial) => {
    if (address !== '') initialStates.push(initial); // '' is the cluster's own counters slot
    return 0;
  });
  t.same(snapshot.clusters[0]!.healthCheck, {
    type: 'http', path: '/', expectedStatuses: [[200, 200], [202, 204]], service: '', requireFirstPass: true,
    healthyThreshold: 2, unhealthyThreshold: 3, intervalMs: 5_000, timeoutMs: 1_000, jitterMs: 0,
  });
  t.same(initialStates, [EndpointState.UNCHECKED]);
  initialStates.length = 0;
  buildSnapshot(accepted(withCluster({ healthCheck: { type: 'tcp', requireFirstPass: false } })), 1, (_c, address, initial) => {
    if (address !== '') initialStates.push(initial); // '' is the cluster's own counters slot
    return 0;
  });
  t.same(initialStates, [0], 'traffic at once when the first pass is not required');
});

t.test('healthCheck: bad fields are named by path', async (t) => {
  const lines = problemLines(withCluster({
    healthCheck: { type: 'udp', path: 'healthz', expectedStatuses: [700, '300-200'], timeout: '0s', healthyThreshold: 0 },
  }));
  t.same(lines.map((line) => line.slice(0, line.indexOf(': '))).sort(), [
    'clusters[0].healthCheck.expectedStatuses[0]',
    'clusters[0].healthCheck.expectedStatuses[1]',
    'clusters[0].healthCheck.healthyThreshold',
    'clusters[0].healthCheck.path',
    'clusters[0].healthCheck.timeout',
    'clusters[0].healthCheck.type',
  ]);
  t.match(lines.join('\n'), /type: expected "http", "tcp" or "grpc", found "udp"/);
  t.match(lines.join('\n'), /expectedStatuses\[1\]: expected a status \(100–599\) or a range like "200-299", found "300-200"/);
});
