// HTTP/2 configuration: the listener `http2` block, `tls.alpn` on https listeners and the cluster
// `protocol`: defaults, every problem with its path, and the Snapshot fields they become.
import t from 'tap';
import { buildSnapshot, parseConfig, validateConfig, type ConfigResult } from '../../src/config/index.js';
import { makeCertificate } from '../helpers/certificates.js';
import { accepted, problemLines } from '../helpers/config-results.js';

const DEFAULT_HTTP2 = { enabled: true, maxConcurrentStreams: 100, maxHeaderListSize: 16_384, maxResetsPerSecond: 200, codec: 'sluice' };


/** One http listener with the given http2 block (absent when undefined). */
function http(http2?: unknown): ConfigResult {
  return validateConfig({ listeners: [{ name: 'web', address: '127.0.0.1:0', ...(http2 === undefined ? {} : { http2 }) }] });
}

/** A directory holding `shop.crt`/`shop.key`, and an https listener on it with the given alpn and http2 blocks. */
function httpsIn(dir: string): (alpn?: unknown, http2?: unknown) => ConfigResult {
  makeCertificate(dir, 'shop', ['shop.example.com']);
  return (alpn, http2) => {
    const tls = { certificates: [{ cert: 'shop.crt', key: 'shop.key' }], ...(alpn === undefined ? {} : { alpn }) };
    const listener = { name: 'websecure', address: '127.0.0.1:0', protocol: 'https', tls, ...(http2 === undefined ? {} : { http2 }) };
    return validateConfig({ listeners: [listener] }, dir);
  };
}

t.test('http2 defaults on an http listener, with no connection age limit', async (t) => {
  const listener = accepted(http()).listeners[0]!;
  t.same(listener.http2, DEFAULT_HTTP2);
  t.notOk('maxConnectionAge' in listener.http2, 'no default age');
  t.same(accepted(http({})).listeners[0]!.http2, DEFAULT_HTTP2, 'an empty block gets the same defaults');
});

t.test('every http2 field is read, the age as milliseconds', async (t) => {
  const yaml = `
listeners:
  - name: web
    address: 127.0.0.1:0
    http2:
      enabled: false
      maxConcurrentStreams: 2147483647
      maxHeaderListSize: 1048576
      maxConnectionAge: 1h
      maxResetsPerSecond: 1
      codec: node
`;
  t.same(accepted(parseConfig(yaml)).listeners[0]!.http2, {
    enabled: false,
    maxConcurrentStreams: 2_147_483_647,
    maxHeaderListSize: 1_048_576,
    maxConnectionAge: 3_600_000,
    maxResetsPerSecond: 1,
    codec: 'node',
  });
  t.same(accepted(http({ maxConcurrentStreams: 1, maxHeaderListSize: 1024 })).listeners[0]!.http2, { ...DEFAULT_HTTP2, maxConcurrentStreams: 1, maxHeaderListSize: 1024 }, 'lower bounds');
});

t.test('each http2 problem has its path and message', async (t) => {
  const cases: Array<[string, unknown, string]> = [
    ['enabled type', { enabled: 'yes' }, 'listeners[0].http2.enabled: expected true or false, found "yes"'],
    ['streams zero', { maxConcurrentStreams: 0 }, 'listeners[0].http2.maxConcurrentStreams: must be at least 1, found 0'],
    ['streams too many', { maxConcurrentStreams: 2_147_483_648 }, 'listeners[0].http2.maxConcurrentStreams: must be at most 2147483647, found 2147483648'],
    ['streams fraction', { maxConcurrentStreams: 1.5 }, 'listeners[0].http2.maxConcurrentStreams: expected a whole number, found 1.5'],
    ['header list small', { maxHeaderListSize: 1023 }, 'listeners[0].http2.maxHeaderListSize: must be at least 1024, found 1023'],
    ['header list big', { maxHeaderListSize: 1_048_577 }, 'listeners[0].http2.maxHeaderListSize: must be at most 1048576, found 1048577'],
    ['age bare number', { maxConnectionAge: 60 }, 'listeners[0].http2.maxConnectionAge: expected a duration like 2s, found 60'],
    ['age null', { maxConnectionAge: null }, 'listeners[0].http2.maxConnectionAge: expected a duration like 2s, found null (an empty value)'],
    ['resets zero', { maxResetsPerSecond: 0 }, 'listeners[0].http2.maxResetsPerSecond: must be at least 1, found 0'],
    ['resets type', { maxResetsPerSecond: 'many' }, 'listeners[0].http2.maxResetsPerSecond: expected a number, found "many"'],
    ['codec', { codec: 'nghttp2' }, 'listeners[0].http2.codec: expected one of "sluice", "node", found "nghttp2"'],
    ['not a mapping', true, 'listeners[0].http2: expected a mapping, found true'],
    ['unknown field', { maxStreams: 10 }, 'listeners[0].http2.maxStreams: unknown field "maxStreams"; expected one of: enabled, maxConcurrentStreams, maxHeaderListSize, maxConnectionAge, maxResetsPerSecond, codec'],
    ['typo', { enable: false }, 'listeners[0].http2.enable: unknown field "enable"; did you mean "enabled"?'],
  ];
  for (const [name, http2, line] of cases) t.same(problemLines(http(http2)), [line], name);
});

t.test('alpn defaults to [h2, http/1.1], or [http/1.1] when http2 is disabled', async (t) => {
  const https = httpsIn(t.testdir());
  t.same(accepted(https()).listeners[0]!.tls!.alpn, ['h2', 'http/1.1']);
  t.same(accepted(https(undefined, { enabled: true })).listeners[0]!.tls!.alpn, ['h2', 'http/1.1']);
  t.same(accepted(https(undefined, { enabled: false })).listeners[0]!.tls!.alpn, ['http/1.1']);
});

t.test('a configured alpn list is kept in its order', async (t) => {
  const https = httpsIn(t.testdir());
  t.same(accepted(https(['http/1.1', 'h2'])).listeners[0]!.tls!.alpn, ['http/1.1', 'h2']);
  t.same(accepted(https(['h2'])).listeners[0]!.tls!.alpn, ['h2']);
  t.same(accepted(https(['http/1.1'])).listeners[0]!.tls!.alpn, ['http/1.1'], 'http/1.1 only, with http2 enabled');
  t.same(accepted(https(['http/1.1'], { enabled: false })).listeners[0]!.tls!.alpn, ['http/1.1']);
});

t.test('each alpn problem has its path and message', async (t) => {
  const https = httpsIn(t.testdir());
  t.same(problemLines(https(['h2', 'h3'])), ['listeners[0].tls.alpn[1]: expected one of "h2", "http/1.1", found "h3"']);
  t.same(problemLines(https([])), ['listeners[0].tls.alpn: expected at least one protocol (h2, http/1.1), found an empty list']);
  t.same(problemLines(https('h2')), ['listeners[0].tls.alpn: expected a list, found "h2"']);
  t.same(problemLines(https(['h2', 'http/1.1', 'h2'])), ['listeners[0].tls.alpn[2]: duplicate "h2": alpn[0] already offers it']);
  t.same(problemLines(https(['h2'], { enabled: false })), ['listeners[0].tls.alpn: h2 is offered but http2.enabled is false']);
  t.same(problemLines(https(['http/1.1', 'h2'], { enabled: false, maxConcurrentStreams: 0 })), [
    'listeners[0].http2.maxConcurrentStreams: must be at least 1, found 0',
    'listeners[0].tls.alpn: h2 is offered but http2.enabled is false',
  ], 'reported alongside the schema problems');
});

t.test('cluster protocol: http1 by default, h2 or h2c when set', async (t) => {
  const clusters = (protocol?: unknown) =>
    validateConfig({ listeners: [{ name: 'web', address: '127.0.0.1:0' }], clusters: [{ name: 'api', endpoints: [], ...(protocol === undefined ? {} : { protocol }) }] });
  t.equal(accepted(clusters()).clusters[0]!.protocol, 'http1');
  for (const protocol of ['http1', 'h2', 'h2c']) t.equal(accepted(clusters(protocol)).clusters[0]!.protocol, protocol);
  t.same(problemLines(clusters('http2')), ['clusters[0].protocol: expected "http1", "h2" (HTTP/2 over TLS) or "h2c" (HTTP/2 cleartext), found "http2"']);
});

t.test('the snapshot carries http2, alpn and cluster protocol', async (t) => {
  const dir = t.testdir();
  makeCertificate(dir, 'shop', ['shop.example.com']);
  const data = (websecureHttp2: Record<string, unknown>, alpn?: string[]) => ({
    listeners: [
      { name: 'web', address: '127.0.0.1:0', http2: { enabled: false } },
      { name: 'websecure', address: '127.0.0.1:0', protocol: 'https', tls: { certificates: [{ cert: 'shop.crt', key: 'shop.key' }], ...(alpn === undefined ? {} : { alpn }) }, http2: websecureHttp2 },
    ],
    clusters: [
      { name: 'greeter', protocol: 'h2c', endpoints: [] },
      { name: 'web', endpoints: [] },
    ],
  });
  const snapshotOf = (websecureHttp2: Record<string, unknown>, alpn?: string[]) => buildSnapshot(accepted(validateConfig(data(websecureHttp2, alpn), dir)), 1, () => 0);

  const snapshot = snapshotOf({ maxConcurrentStreams: 50, maxConnectionAge: '90s', maxResetsPerSecond: 20 });
  t.same(snapshot.listeners.map((listener) => listener.http2), [
    { ...DEFAULT_HTTP2, enabled: false },
    { enabled: true, maxConcurrentStreams: 50, maxHeaderListSize: 16_384, maxConnectionAgeMs: 90_000, maxResetsPerSecond: 20, codec: 'sluice' },
  ]);
  t.notOk('maxConnectionAgeMs' in snapshot.listeners[0]!.http2, 'no age key without a configured age');
  t.same(snapshot.listeners[1]!.tls!.alpn, ['h2', 'http/1.1']);
  t.same(snapshot.clusters.map(({ name, protocol }) => [name, protocol]), [['greeter', 'h2c'], ['web', 'http1']]);
  t.same(structuredClone(snapshot), snapshot, 'plain structured-clone data');

  t.same(snapshotOf({ enabled: false }).listeners[1]!.tls!.alpn, ['http/1.1'], 'disabled http2 leaves h2 out of the default');
  const base = snapshotOf({});
  t.not(snapshotOf({ maxResetsPerSecond: 100 }).hash, base.hash, 'http2 settings are part of the hash');
  t.not(snapshotOf({}, ['http/1.1', 'h2']).hash, base.hash, 'the alpn order is part of the hash');
  t.equal(snapshotOf({}, ['h2', 'http/1.1']).hash, base.hash, 'the default written out hashes the same');
});
