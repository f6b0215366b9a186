// Balancing knobs in the configuration: defaults, the snapshot they become, the zone's precedence
// (--zone > config > SLUICE_ZONE), and errors that name the field.
import t from 'tap';
import { buildSnapshot, formatProblems, validateConfig } from '../../src/config/index.js';
import { problemLines } from '../helpers/config-results.js';

const withCluster = (cluster: Record<string, unknown>, top: Record<string, unknown> = {}) => ({
  listeners: [{ name: 'web', address: '127.0.0.1:0' }],
  clusters: [{ name: 'api', endpoints: [{ address: '127.0.0.1:9000', zone: 'a' }], ...cluster }],
  ...top,
});

function snapshotOf(data: Record<string, unknown>, zoneSources = {}) {
  const result = validateConfig(data);
  if (!result.ok) throw new Error(formatProblems('test', result.problems));
  return buildSnapshot(result.config, 1, () => 0, zoneSources);
}

t.test('every knob becomes snapshot data, with its default', async (t) => {
  const full = snapshotOf(withCluster({
    balancer: 'ring_hash',
    choiceCount: 3,
    activeRequestBias: 0.5,
    panicThreshold: 30,
    zoneAware: { minClusterSize: 3 },
    slowStart: { window: '1m', aggression: 2 },
    hashPolicy: { header: 'X-User' },
    ringHash: { minRingSize: 2048 },
    affinity: { cookie: { ttl: '1h' } },
  }, { zone: 'a', fleet: { b: 2, a: 3 } }));
  t.same(full.clusters[0]!.balancing, {
    choiceCount: 3,
    activeRequestBias: 0.5,
    panicThresholdPercent: 30,
    zoneAware: { enabled: true, minClusterSize: 3 },
    slowStart: { windowMs: 60_000, aggression: 2, minWeightPercent: 10 },
    hashPolicy: { header: 'x-user' },
    ringHash: { minRingSize: 2048, maxRingSize: 8_388_608 },
    affinity: { cookie: { name: 'sluice-affinity', ttlMs: 3_600_000, path: '/' } },
  });
  t.same(full.locality, { zone: 'a', fleet: { a: 3, b: 2 } });
  t.same(snapshotOf(withCluster({ slowStart: {} })).clusters[0]!.balancing.slowStart, { windowMs: 30_000, aggression: 1, minWeightPercent: 10 }, 'slowStart: {} takes every default');
  t.same(snapshotOf(withCluster({ balancer: 'maglev', hashPolicy: { sourceIp: true } })).clusters[0]!.balancing.hashPolicy, { sourceIp: true });
});

t.test('the zone: --zone beats config zone, which beats SLUICE_ZONE', async (t) => {
  t.equal(snapshotOf(withCluster({}, { zone: 'b' }), { flag: 'a', env: 'c' }).locality.zone, 'a');
  t.equal(snapshotOf(withCluster({}, { zone: 'b' }), { env: 'c' }).locality.zone, 'b');
  t.equal(snapshotOf(withCluster({}), { env: 'c' }).locality.zone, 'c');
  t.equal(snapshotOf(withCluster({})).locality.zone, '', 'unknown');
});

t.test('bad balancing fields are named', async (t) => {
  const cases: Array<[string, Record<string, unknown>, string[]]> = [
    ['choiceCount', withCluster({ choiceCount: 1 }), ['clusters[0].choiceCount: must be at least 2, found 1']],
    ['panicThreshold', withCluster({ panicThreshold: 120 }), ['clusters[0].panicThreshold: must be at most 100, found 120']],
    ['bias', withCluster({ activeRequestBias: -1 }), ['clusters[0].activeRequestBias: must be at least 0, found -1']],
    ['aggression', withCluster({ slowStart: { aggression: 0 } }), ['clusters[0].slowStart.aggression: must be greater than 0, found 0']],
    ['window', withCluster({ slowStart: { window: 30 } }), ['clusters[0].slowStart.window: expected a duration like 2s, found 30']],
    ['minClusterSize', withCluster({ zoneAware: { minClusterSize: 0 } }), ['clusters[0].zoneAware.minClusterSize: must be at least 1, found 0']],
    ['hash without policy', withCluster({ balancer: 'maglev' }), ['clusters[0].hashPolicy: required with balancer maglev: { header: NAME }, { cookie: NAME } or { sourceIp: true }']],
    ['policy without hash', withCluster({ hashPolicy: { header: 'x' } }), ['clusters[0].hashPolicy: applies only to balancer ring_hash or maglev, and this cluster uses least_request']],
    ['two keys', withCluster({ balancer: 'ring_hash', hashPolicy: { header: 'x', cookie: 'y' } }), ['clusters[0].hashPolicy: expected exactly one of header, cookie or sourceIp: true, found header and cookie']],
    ['header name', withCluster({ balancer: 'ring_hash', hashPolicy: { header: 'x user' } }), ['clusters[0].hashPolicy.header: expected a header name like x-user-id, found "x user"']],
    ['ring sizes', withCluster({ balancer: 'ring_hash', hashPolicy: { sourceIp: true }, ringHash: { minRingSize: 10, maxRingSize: 5 } }), ['clusters[0].ringHash.minRingSize: must not exceed maxRingSize (5), found 10']],
    ['cookie path', withCluster({ affinity: { cookie: { path: 'x' } } }), ['clusters[0].affinity.cookie.path: expected a cookie path like /, found "x"']],
    ['fleet count', withCluster({}, { fleet: { a: -1 } }), ['fleet.a: must be at least 0, found -1']],
  ];
  for (const [name, data, lines] of cases) t.same(problemLines(validateConfig(data)), lines, name);
});
