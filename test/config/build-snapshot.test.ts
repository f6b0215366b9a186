// buildSnapshot: every Snapshot field from a configuration, stable hashing, slot lookups, TLS
// certificates on https listeners and redirectToHttps on routes. HTTP/2 fields: http2-config.test.ts.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import t from 'tap';
import { buildSnapshot, formatProblems, validateConfig, type SluiceConfig } from '../../src/config/index.js';
import { accessLogFields } from '../../src/snapshot.js';
import { makeCertificate } from '../helpers/certificates.js';

function config(data: unknown, baseDir?: string): SluiceConfig {
  const result = validateConfig(data, baseDir);
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

const DEFAULT_HTTP2 = { enabled: true, maxConcurrentStreams: 100, maxHeaderListSize: 16_384, maxResetsPerSecond: 200, codec: 'sluice' };
const DEFAULT_RETRIES = { attempts: 1, on: ['connect-failure', 'refused-stream', 'reset'], retriableStatusCodes: [], backoff: { baseMs: 25, maxMs: 250 } };
const DEFAULT_BREAKERS = { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 };

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

const DEFAULT_BALANCING = {
  choiceCount: 2,
  activeRequestBias: 1,
  panicThresholdPercent: 50,
  zoneAware: { enabled: true, minClusterSize: 6 },
  ringHash: { minRingSize: 1024, maxRingSize: 8_388_608 },
};

t.test('every field is filled from the configuration', async (t) => {
  const { slotFor, calls } = slotTable();
  const snapshot = buildSnapshot(config(BASE), 4, slotFor);
  t.match(snapshot.hash, /^[0-9a-f]{64}$/);
  t.same({ ...snapshot, hash: 'h' }, {
    version: 4,
    hash: 'h',
    listeners: [
      { name: 'web', host: '127.0.0.1', port: 8080, protocol: 'http', key: '127.0.0.1:8080', idleTimeoutMs: 30_000, headersTimeoutMs: 2_000, maxHeaderBytes: 8192, http2: DEFAULT_HTTP2 },
      { name: 'v6', host: '::1', port: 0, protocol: 'http', key: '::1:0/v6', idleTimeoutMs: 60_000, headersTimeoutMs: 10_000, maxHeaderBytes: 16_384, http2: DEFAULT_HTTP2 },
      { name: 'spare', host: '0.0.0.0', port: 0, protocol: 'http', key: '0.0.0.0:0/spare', idleTimeoutMs: 60_000, headersTimeoutMs: 10_000, maxHeaderBytes: 16_384, http2: DEFAULT_HTTP2 },
    ],
    routes: [
      { host: '*.example.com', paths: [{ path: '/api', pathType: 'Prefix', cluster: 'api' }] },
      { paths: [{ path: '/', pathType: 'Exact', cluster: 'web' }] },
    ],
    defaultCluster: 'web',
    clusters: [
      {
        name: 'api',
        protocol: 'http1',
        balancer: 'random',
        endpoints: [
          { slot: 7, address: '127.0.0.1:9001', host: '127.0.0.1', port: 9001, zone: 'a', weight: 5 },
          { slot: 3, address: '[::1]:9002', host: '::1', port: 9002, zone: '', weight: 1 },
        ],
        timeouts: { connectMs: 2_000, requestMs: 15_000, idleMs: 60_000 },
        countersSlot: 99,
        retries: DEFAULT_RETRIES,
        circuitBreakers: DEFAULT_BREAKERS,
        balancing: DEFAULT_BALANCING,
      },
      {
        name: 'web',
        protocol: 'http1',
        balancer: 'least_request',
        endpoints: [{ slot: 11, address: 'backend.local:80', host: 'backend.local', port: 80, zone: '', weight: 1 }],
        timeouts: { connectMs: 1_000, requestMs: 3_000, idleMs: 4_000 },
        countersSlot: 99,
        retries: DEFAULT_RETRIES,
        circuitBreakers: DEFAULT_BREAKERS,
        balancing: DEFAULT_BALANCING,
      },
    ],
    drainTimeoutMs: 5_000,
    tracing: { enabled: true, sampleRate: 1, propagation: ['b3multi', 'b3', 'w3c'], requestId: { preserve: true, generate: true } },
    metrics: { endpointLabels: true },
    accessLog: { enabled: false, path: 'stdout', fields: [...accessLogFields], sampleRate: 1 },
    locality: { zone: '', fleet: {} },
  });
  t.same(calls, ['api 127.0.0.1:9001', 'api [::1]:9002', 'api ', 'web backend.local:80', 'web '], 'the empty address: the cluster\'s own slot');
  const { version, hash, ...content } = snapshot;
  t.equal(hash, createHash('sha256').update(JSON.stringify(content)).digest('hex'), 'hash of the content, without version');
  t.notOk(JSON.stringify(content).includes('tls'), 'no tls key on http listeners: earlier snapshots hash the same');
  t.notOk(JSON.stringify(content).includes('redirectToHttps'), 'no redirectToHttps key when false: earlier snapshots hash the same');
  t.equal(version, 4);
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

/** An http listener and an https one with the given tls block; two routes, one redirecting. */
function tlsConfig(tls: Record<string, unknown>): Record<string, unknown> {
  return {
    listeners: [
      { name: 'web', address: '127.0.0.1:0' },
      { name: 'websecure', address: '127.0.0.1:0', protocol: 'https', tls },
    ],
    routes: [
      { host: 'shop.example.com', redirectToHttps: true, paths: [{ path: '/', pathType: 'Prefix', cluster: 'web' }] },
      { host: 'api.example.com', redirectToHttps: false, paths: [{ path: '/', pathType: 'Prefix', cluster: 'web' }] },
    ],
    clusters: [{ name: 'web', endpoints: [] }],
  };
}

t.test('an https listener carries its certificates, default and minimum version', async (t) => {
  const dir = t.testdir();
  const shop = makeCertificate(dir, 'shop', ['shop.example.com']);
  const wildcard = makeCertificate(dir, 'wildcard', ['*.Example.com', 'example.com']);
  const certificate = (files: { cert: string; key: string }, names: string[]) => ({
    certFile: files.cert,
    keyFile: files.key,
    cert: readFileSync(files.cert, 'utf8'),
    key: readFileSync(files.key, 'utf8'),
    names,
  });
  const pairs = [{ cert: 'shop.crt', key: 'shop.key' }, { cert: 'wildcard.crt', key: 'wildcard.key' }];
  const snapshot = buildSnapshot(config(tlsConfig({ certificates: pairs }), dir), 1, slotTable().slotFor);
  t.same(snapshot.listeners[1], {
    name: 'websecure',
    host: '127.0.0.1',
    port: 0,
    protocol: 'https',
    key: '127.0.0.1:0/websecure',
    idleTimeoutMs: 60_000,
    headersTimeoutMs: 10_000,
    maxHeaderBytes: 16_384,
    tls: {
      certificates: [certificate(shop, ['shop.example.com']), certificate(wildcard, ['*.example.com', 'example.com'])],
      defaultCertificate: certificate(shop, ['shop.example.com']),
      minVersion: 'TLSv1.2',
      alpn: ['h2', 'http/1.1'],
    },
    http2: DEFAULT_HTTP2,
  });
  t.notOk('tls' in snapshot.listeners[0]!, 'the http listener has no tls');
  t.same(snapshot.routes.map((route) => route.redirectToHttps), [true, undefined]);
  t.notOk('redirectToHttps' in snapshot.routes[1]!, 'redirectToHttps: false leaves the key out');
  t.same(structuredClone(snapshot), snapshot, 'plain structured-clone data');

  const withDefault = buildSnapshot(config(tlsConfig({ certificates: pairs, defaultCertificate: pairs[1], minVersion: 'TLSv1.3' }), dir), 1, slotTable().slotFor);
  t.same(withDefault.listeners[1]!.tls!.defaultCertificate, certificate(wildcard, ['*.example.com', 'example.com']), 'the configured default');
  t.equal(withDefault.listeners[1]!.tls!.minVersion, 'TLSv1.3');
  t.not(withDefault.hash, snapshot.hash);
});

t.test('the hash changes when a certificate file changes content', async (t) => {
  const dir = t.testdir();
  makeCertificate(dir, 'shop', ['shop.example.com']);
  const data = tlsConfig({ certificates: [{ cert: 'shop.crt', key: 'shop.key' }] });
  const before = buildSnapshot(config(data, dir), 1, slotTable().slotFor);
  t.equal(buildSnapshot(config(data, dir), 1, slotTable().slotFor).hash, before.hash, 'same files, same hash');
  makeCertificate(dir, 'shop', ['shop.example.com']);
  const after = buildSnapshot(config(data, dir), 1, slotTable().slotFor);
  t.not(after.hash, before.hash, 'renewed certificate at the same path');
  t.same(after.listeners[1]!.tls!.certificates[0]!.names, ['shop.example.com']);
});

t.test('redirectToHttps changes the hash', async (t) => {
  const dir = t.testdir();
  makeCertificate(dir, 'shop', ['shop.example.com']);
  const data = tlsConfig({ certificates: [{ cert: 'shop.crt', key: 'shop.key' }] });
  const redirecting = buildSnapshot(config(data, dir), 1, slotTable().slotFor);
  const routes = (data['routes'] as Array<Record<string, unknown>>).map((route) => ({ ...route, redirectToHttps: false }));
  t.not(buildSnapshot(config({ ...data, routes }, dir), 1, slotTable().slotFor).hash, redirecting.hash);
});

t.test('a route\'s retries and timeouts are laid over each path rule\'s cluster, field by field', async (t) => {
  const snapshot = buildSnapshot(config({
    ...BASE,
    routes: [{
      paths: [{ path: '/a', pathType: 'Prefix', cluster: 'api' }, { path: '/w', pathType: 'Prefix', cluster: 'web' }],
      retries: { on: ['5xx'], backoff: { max: '1s' } },
      timeouts: { request: '2s' },
    }],
    clusters: [
      { ...BASE.clusters[0], retries: { attempts: 2, perTryTimeout: '300ms', budget: {} }, circuitBreakers: { maxRequests: 5 } },
      BASE.clusters[1],
    ],
  }), 1, slotTable().slotFor);
  t.same(snapshot.routes[0]!.paths, [
    {
      path: '/a', pathType: 'Prefix', cluster: 'api', requestTimeoutMs: 2_000,
      retries: { attempts: 2, on: ['5xx'], retriableStatusCodes: [], perTryTimeoutMs: 300, backoff: { baseMs: 25, maxMs: 1_000 }, budget: { percent: 20, minConcurrency: 3 } },
    },
    { path: '/w', pathType: 'Prefix', cluster: 'web', requestTimeoutMs: 2_000, retries: { ...DEFAULT_RETRIES, on: ['5xx'], backoff: { baseMs: 25, maxMs: 1_000 } } },
  ]);
  t.same(snapshot.clusters[0]!.circuitBreakers, { ...DEFAULT_BREAKERS, maxRequests: 5 });
  t.same(snapshot.clusters[0]!.retries, { ...DEFAULT_RETRIES, attempts: 2, perTryTimeoutMs: 300, budget: { percent: 20, minConcurrency: 3 } });
});
