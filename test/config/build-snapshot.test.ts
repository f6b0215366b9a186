// buildSnapshot: every Snapshot field from a configuration, stable hashing, and slot lookups.
import t from 'tap';
import { buildSnapshot, formatProblems, validateConfig, type SluiceConfig } from '../../src/config/index.js';

function config(data: unknown): SluiceConfig {
  const result = validateConfig(data);
  if (!result.ok) throw new Error(formatProblems('test', result.problems));
  return result.config;
}

const BASE = {
  listeners: [
    { name: 'web', address: 'localhost:8080', timeouts: { idle: '30s', headers: '2s' }, maxHeaderBytes: 8192 },
    { name: 'v6', address: '[::1]:0' },
    { name: 'spare', address: '0.0.0.0:0' },
  ],
  routes: [
    { host: '*.Example.COM', paths: [{ path: '/api', pathType: 'Prefix', cluster: 'api' }] },
    { paths: [{ path: '/', pathType: 'Exact', cluster: 'web' }] },
  ],
  defaultCluster: 'web',
  clusters: [
    { name: 'api', balancer: 'random', endpoints: [{ address: '127.0.0.1:9001', zone: 'a', weight: 5 }, { address: '[::1]:9002' }] },
    { name: 'web', endpoints: [{ address: 'backend.local:80' }], timeouts: { connect: '1s', request: '3s', idle: '4s' } },
  ],
  drainTimeout: '5s',
};

/** Slot numbers from a fixed table, recording every lookup. */
function slotTable(): { slotFor: (cluster: string, address: string) => number; calls: string[] } {
  const slots: Record<string, number> = { 'api 127.0.0.1:9001': 7, 'api [::1]:9002': 3, 'web backend.local:80': 11 };
  const calls: string[] = [];
  return {
    calls,
    slotFor: (cluster, address) => {
      calls.push(`${cluster} ${address}`);
      return slots[`${cluster} ${address}`] ?? 99;
    },
  };
}

t.test('every field is filled from the configuration', async (t) => {
  const { slotFor, calls } = slotTable();
  const snapshot = buildSnapshot(config(BASE), 4, slotFor);
  t.match(snapshot.hash, /^[0-9a-f]{64}$/);
  t.same({ ...snapshot, hash: 'h' }, {
    version: 4,
    hash: 'h',
    listeners: [
      { name: 'web', host: '127.0.0.1', port: 8080, protocol: 'http', key: '127.0.0.1:8080', idleTimeoutMs: 30_000, headersTimeoutMs: 2_000, maxHeaderBytes: 8192 },
      { name: 'v6', host: '::1', port: 0, protocol: 'http', key: '::1:0/v6', idleTimeoutMs: 60_000, headersTimeoutMs: 10_000, maxHeaderBytes: 16_384 },
      { name: 'spare', host: '0.0.0.0', port: 0, protocol: 'http', key: '0.0.0.0:0/spare', idleTimeoutMs: 60_000, headersTimeoutMs: 10_000, maxHeaderBytes: 16_384 },
    ],
    routes: [
      { host: '*.example.com', paths: [{ path: '/api', pathType: 'Prefix', cluster: 'api' }] },
      { paths: [{ path: '/', pathType: 'Exact', cluster: 'web' }] },
    ],
    defaultCluster: 'web',
    clusters: [
      {
        name: 'api',
        balancer: 'random',
        endpoints: [
          { slot: 7, address: '127.0.0.1:9001', host: '127.0.0.1', port: 9001, zone: 'a', weight: 5 },
          { slot: 3, address: '[::1]:9002', host: '::1', port: 9002, zone: '', weight: 1 },
        ],
        timeouts: { connectMs: 2_000, requestMs: 15_000, idleMs: 60_000 },
      },
      {
        name: 'web',
        balancer: 'least_request',
        endpoints: [{ slot: 11, address: 'backend.local:80', host: 'backend.local', port: 80, zone: '', weight: 1 }],
        timeouts: { connectMs: 1_000, requestMs: 3_000, idleMs: 4_000 },
      },
    ],
    drainTimeoutMs: 5_000,
  });
  t.same(calls, ['api 127.0.0.1:9001', 'api [::1]:9002', 'web backend.local:80']);
  t.notOk('host' in snapshot.routes[1]!, 'a route without host has no host key');
  t.same(structuredClone(snapshot), snapshot, 'plain structured-clone data');
});

t.test('without a default cluster the field is absent', async (t) => {
  const snapshot = buildSnapshot(config({ ...BASE, defaultCluster: undefined }), 1, slotTable().slotFor);
  t.notOk('defaultCluster' in snapshot);
});

t.test('the hash depends on content only', async (t) => {
  const first = buildSnapshot(config(BASE), 1, slotTable().slotFor);
  const again = buildSnapshot(config(structuredClone(BASE)), 1, slotTable().slotFor);
  const later = buildSnapshot(config(BASE), 2, slotTable().slotFor);
  t.equal(again.hash, first.hash, 'same configuration, same hash');
  t.equal(later.hash, first.hash, 'version is not part of the hash');
  t.equal(later.version, 2);

  const changedEndpoint = structuredClone(BASE);
  changedEndpoint.clusters[0]!.endpoints[0] = { address: '127.0.0.1:9001', zone: 'a', weight: 6 };
  t.not(buildSnapshot(config(changedEndpoint), 1, slotTable().slotFor).hash, first.hash, 'changed endpoint weight');

  const movedEndpoint = structuredClone(BASE);
  movedEndpoint.clusters[0]!.endpoints[0]!.address = '127.0.0.1:9009';
  t.not(buildSnapshot(config(movedEndpoint), 1, slotTable().slotFor).hash, first.hash, 'changed endpoint address');

  t.not(buildSnapshot(config(BASE), 1, () => 0).hash, first.hash, 'changed slots');
  t.not(buildSnapshot(config({ ...BASE, drainTimeout: '6s' }), 1, slotTable().slotFor).hash, first.hash, 'changed drain timeout');
});
