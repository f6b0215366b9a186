// parseConfig / validateConfig / loadConfigFile / formatProblems: defaults, every class of problem with
// its path and message, many problems at once, YAML syntax errors with line and column, IPv6.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { formatProblems, loadConfigFile, parseConfig, validateConfig } from '../../src/config/index.js';
import { accessLogFields } from '../../src/snapshot.js';
import { DEFAULT_CLUSTER_BALANCING, problemLines } from '../helpers/config-results.js';

const FULL = `
listeners:
  - name: web
    address: 127.0.0.1:8080
    protocol: http
    timeouts: { idle: 90s, headers: 5s }
    maxHeaderBytes: 32768
  - name: local
    address: localhost:0
routes:
  - host: "*.Example.com"
    paths:
      - { path: /api, pathType: Prefix, cluster: api }
      - { path: /login, pathType: Exact, cluster: web }
  - paths:
      - { path: /, pathType: ImplementationSpecific, cluster: web }
defaultCluster: web
clusters:
  - name: api
    balancer: round_robin
    endpoints:
      - { address: 127.0.0.1:9001, zone: zone-a, weight: 2 }
      - { address: backend.internal:9002 }
    timeouts: { connect: 500ms, request: 1m30s, idle: 1h }
  - name: web
    endpoints:
      - { address: 127.0.0.1:9003 }
drainTimeout: 10s
`;

const OBSERVABILITY_DEFAULTS = {
  metrics: { endpointLabels: true },
  accessLog: { enabled: false, path: 'stdout', fields: [...accessLogFields], sampleRate: 1 },
  admin: {},
};
const DEFAULT_HTTP2 = { enabled: true, maxConcurrentStreams: 100, maxHeaderListSize: 16_384, maxResetsPerSecond: 200, codec: 'sluice' };
const DEFAULT_RETRIES = { attempts: 1, on: ['connect-failure', 'refused-stream', 'reset'], retriableStatusCodes: [], backoff: { base: 25, max: 250 } };
const DEFAULT_BREAKERS = { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 };

/** A minimal valid configuration with `extra` merged over it. */
function minimal(extra: Record<string, unknown>): Record<string, unknown> {
  return { listeners: [{ name: 'web', address: '127.0.0.1:0' }], clusters: [{ name: 'api', endpoints: [{ address: '127.0.0.1:9001' }] }], ...extra };
}

t.test('a full configuration round-trips with every default applied', async (t) => {
  const result = parseConfig(FULL);
  if (!result.ok) throw new Error(formatProblems('FULL', result.problems));
  t.same(result.config, {
    listeners: [
      { name: 'web', address: '127.0.0.1:8080', host: '127.0.0.1', port: 8080, protocol: 'http', timeouts: { idle: 90_000, headers: 5_000 }, maxHeaderBytes: 32_768, http2: DEFAULT_HTTP2 },
      { name: 'local', address: 'localhost:0', host: '127.0.0.1', port: 0, protocol: 'http', timeouts: { idle: 60_000, headers: 10_000 }, maxHeaderBytes: 16_384, http2: DEFAULT_HTTP2 },
    ],
    routes: [
      {
        host: '*.Example.com',
        redirectToHttps: false,
        paths: [
          { path: '/api', pathType: 'Prefix', cluster: 'api' },
          { path: '/login', pathType: 'Exact', cluster: 'web' },
        ],
      },
      { redirectToHttps: false, paths: [{ path: '/', pathType: 'ImplementationSpecific', cluster: 'web' }] },
    ],
    defaultCluster: 'web',
    clusters: [
      {
        name: 'api',
        protocol: 'http1',
        balancer: 'round_robin',
        endpoints: [
          { address: '127.0.0.1:9001', host: '127.0.0.1', port: 9001, zone: 'zone-a', weight: 2 },
          { address: 'backend.internal:9002', host: 'backend.internal', port: 9002, zone: '', weight: 1 },
        ],
        timeouts: { connect: 500, request: 90_000, idle: 3_600_000 },
        retries: DEFAULT_RETRIES,
        circuitBreakers: DEFAULT_BREAKERS,
        ...DEFAULT_CLUSTER_BALANCING,
      },
      {
        name: 'web',
        protocol: 'http1',
        balancer: 'least_request',
        endpoints: [{ address: '127.0.0.1:9003', host: '127.0.0.1', port: 9003, zone: '', weight: 1 }],
        timeouts: { connect: 2_000, request: 15_000, idle: 60_000 },
        retries: DEFAULT_RETRIES,
        circuitBreakers: DEFAULT_BREAKERS,
        ...DEFAULT_CLUSTER_BALANCING,
      },
    ],
    drainTimeout: 10_000,
    tracing: { enabled: true, sampleRate: 1, propagation: ['b3multi', 'b3', 'w3c'], requestId: { preserve: true, generate: true } },
    ...OBSERVABILITY_DEFAULTS,
  });
});

t.test('the smallest configuration gets every default', async (t) => {
  const result = validateConfig({ listeners: [{ name: 'web', address: '127.0.0.1:8080' }] });
  t.same(result, {
    ok: true,
    config: {
      listeners: [{ name: 'web', address: '127.0.0.1:8080', host: '127.0.0.1', port: 8080, protocol: 'http', timeouts: { idle: 60_000, headers: 10_000 }, maxHeaderBytes: 16_384, http2: DEFAULT_HTTP2 }],
      routes: [],
      clusters: [],
      drainTimeout: 30_000,
      tracing: { enabled: true, sampleRate: 1, propagation: ['b3multi', 'b3', 'w3c'], requestId: { preserve: true, generate: true } },
      ...OBSERVABILITY_DEFAULTS,
    },
  });
});

t.test('IPv6 addresses: brackets removed, canonical form, duplicates found through spelling', async (t) => {
  const result = validateConfig({
    listeners: [{ name: 'v6', address: '[0:0::1]:8080' }, { name: 'any', address: '[::]:0' }],
    clusters: [{ name: 'api', endpoints: [{ address: '[::1]:9000' }, { address: '[2001:DB8::7]:9000' }] }],
  });
  if (!result.ok) throw new Error(formatProblems('v6', result.problems));
  t.same(result.config.listeners.map(({ host, port }) => [host, port]), [['::1', 8080], ['::', 0]]);
  t.same(result.config.clusters[0]!.endpoints.map(({ address, host, port }) => [address, host, port]), [
    ['[::1]:9000', '::1', 9000],
    ['[2001:DB8::7]:9000', '2001:db8::7', 9000],
  ]);
  t.same(problemLines(validateConfig(minimal({
    listeners: [{ name: 'a', address: '[::1]:80' }, { name: 'b', address: '[0::1]:80' }, { name: 'c', address: '::1:80' }, { name: 'd', address: '[fe80::1%eth0]:80' }, { name: 'e', address: '[1.2.3.4]:80' }],
    clusters: [{ name: 'api', endpoints: [{ address: '[::1]:9000' }, { address: '[0:0::1]:9000' }] }],
  }))), [
    'listeners[2].address: an IPv6 address needs brackets, like [::1]:8080, found "::1:80"',
    'listeners[3].address: IPv6 zone ids (%eth0) are not supported, found "[fe80::1%eth0]:80"',
    'listeners[4].address: expected an IPv6 address between the brackets, found "[1.2.3.4]:80"',
    'listeners[1].address: duplicate address "[0::1]:80": listeners[0] already listens on ::1:80',
    'clusters[0].endpoints[1].address: duplicate endpoint "[0:0::1]:9000": clusters[0].endpoints[0] is the same address',
  ]);
});

t.test('unknown fields are named, with a suggestion when one is close', async (t) => {
  t.same(problemLines(validateConfig(minimal({
    listeners: [{ name: 'web', adress: '127.0.0.1:80', address: '127.0.0.1:80', timeouts: { Idle: '1s' } }],
    clusters: [{ name: 'api', endpoints: [{ address: '127.0.0.1:9001', color: 'red' }] }],
    drainTimeot: '3s',
  }))), [
    'listeners[0].timeouts.Idle: unknown field "Idle"; did you mean "idle"?',
    'listeners[0].adress: unknown field "adress"; did you mean "address"?',
    'clusters[0].endpoints[0].color: unknown field "color"; expected one of: address, zone, weight',
    'drainTimeot: unknown field "drainTimeot"; did you mean "drainTimeout"?',
  ]);
});

t.test('each class of field problem has its path and message', async (t) => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['missing field', { listeners: [{ name: 'web' }] }, 'listeners[0].address: required field is missing'],
    ['no listeners', { listeners: [] }, 'listeners: at least one listener is required, found an empty list'],
    ['not a list', { listeners: { name: 'web' } }, 'listeners: expected a list, found a mapping'],
    ['bad name', { listeners: [{ name: 'my web', address: '127.0.0.1:0' }] }, 'listeners[0].name: a listener name must be 1 to 63 letters, digits, ".", "_" or "-", starting and ending with a letter or digit; found "my web"'],
    ['address as number', { listeners: [{ name: 'web', address: 8080 }] }, 'listeners[0].address: expected host:port like 127.0.0.1:8080, found 8080'],
    ['no port', { listeners: [{ name: 'web', address: '127.0.0.1' }] }, 'listeners[0].address: expected host:port like 127.0.0.1:8080, found "127.0.0.1"'],
    ['port range', { listeners: [{ name: 'web', address: '127.0.0.1:65536' }] }, 'listeners[0].address: port must be a whole number from 0 to 65535, found "127.0.0.1:65536"'],
    ['listener host name', { listeners: [{ name: 'web', address: 'example.com:80' }] }, 'listeners[0].address: host must be an IP address or localhost, found "example.com:80"'],
    ['protocol', { listeners: [{ name: 'web', address: '127.0.0.1:0', protocol: 'tcp' }] }, 'listeners[0].protocol: expected "http" or "https" (tcp and tls-passthrough are planned), found "tcp"'],
    ['bare number duration', { listeners: [{ name: 'web', address: '127.0.0.1:0', timeouts: { idle: 60 } }] }, 'listeners[0].timeouts.idle: expected a duration like 2s, found 60'],
    ['null duration', { listeners: [{ name: 'web', address: '127.0.0.1:0', timeouts: { headers: null } }] }, 'listeners[0].timeouts.headers: expected a duration like 2s, found null (an empty value)'],
    ['maxHeaderBytes range', { listeners: [{ name: 'web', address: '127.0.0.1:0', maxHeaderBytes: 100 }] }, 'listeners[0].maxHeaderBytes: must be at least 1024, found 100'],
    ['maxHeaderBytes type', { listeners: [{ name: 'web', address: '127.0.0.1:0', maxHeaderBytes: 'big' }] }, 'listeners[0].maxHeaderBytes: expected a number, found "big"'],
    ['route host ip', minimal({ routes: [{ host: '10.0.0.1', paths: [{ path: '/', pathType: 'Prefix', cluster: 'api' }] }] }), 'routes[0].host: an IP address cannot be a route host (as in Kubernetes), found "10.0.0.1"'],
    ['route host port', minimal({ routes: [{ host: 'a.com:80', paths: [{ path: '/', pathType: 'Prefix', cluster: 'api' }] }] }), 'routes[0].host: a route host has no port, found "a.com:80"'],
    ['route host wildcard', minimal({ routes: [{ host: 'a.*.com', paths: [{ path: '/', pathType: 'Prefix', cluster: 'api' }] }] }), 'routes[0].host: a wildcard is allowed only as the whole first label ("*.example.com"), found "a.*.com"'],
    ['route host label', minimal({ routes: [{ host: '-a.com', paths: [{ path: '/', pathType: 'Prefix', cluster: 'api' }] }] }), 'routes[0].host: expected a DNS name like foo.example.com or *.example.com, found "-a.com"'],
    ['no paths', minimal({ routes: [{ paths: [] }] }), 'routes[0].paths: expected at least 1 entry, found an empty list'],
    ['relative path', minimal({ routes: [{ paths: [{ path: 'api', pathType: 'Prefix', cluster: 'api' }] }] }), 'routes[0].paths[0].path: a path must start with "/", found "api"'],
    ['pathType', minimal({ routes: [{ paths: [{ path: '/', pathType: 'prefix', cluster: 'api' }] }] }), 'routes[0].paths[0].pathType: expected one of "Exact", "Prefix", "ImplementationSpecific", found "prefix"'],
    ['cluster name', minimal({ clusters: [{ name: 'shop/web', endpoints: [] }] }), 'clusters[0].name: a cluster name must be 1 to 63 letters, digits, ".", "_" or "-", starting and ending with a letter or digit, or namespace/service:port as Kubernetes backends are named; found "shop/web"'],
    ['cluster name from Kubernetes', minimal({ clusters: [{ name: 'Shop/web:80', endpoints: [] }] }), 'clusters[0].name: a cluster name must be 1 to 63 letters, digits, ".", "_" or "-", starting and ending with a letter or digit, or namespace/service:port as Kubernetes backends are named; found "Shop/web:80"'],
    ['balancer', minimal({ clusters: [{ name: 'api', balancer: 'fastest', endpoints: [] }] }), 'clusters[0].balancer: expected one of "least_request", "round_robin", "random", "ring_hash", "maglev", found "fastest"'],
    ['weight range', minimal({ clusters: [{ name: 'api', endpoints: [{ address: '127.0.0.1:1', weight: 129 }] }] }), 'clusters[0].endpoints[0].weight: must be at most 128, found 129'],
    ['weight int', minimal({ clusters: [{ name: 'api', endpoints: [{ address: '127.0.0.1:1', weight: 1.5 }] }] }), 'clusters[0].endpoints[0].weight: expected a whole number, found 1.5'],
    ['endpoint port 0', minimal({ clusters: [{ name: 'api', endpoints: [{ address: '127.0.0.1:0' }] }] }), 'clusters[0].endpoints[0].address: port must be a whole number from 1 to 65535, found "127.0.0.1:0"'],
    ['endpoint mistyped ip', minimal({ clusters: [{ name: 'api', endpoints: [{ address: '10.0.0.256:80' }] }] }), 'clusters[0].endpoints[0].address: host must be an IP address or a DNS name, found "10.0.0.256:80"'],
    ['cluster duration', minimal({ clusters: [{ name: 'api', endpoints: [], timeouts: { connect: '2' } }] }), 'clusters[0].timeouts.connect: expected a duration like 2s, found 2 (add a unit: ms, s, m or h)'],
    ['not a mapping', { listeners: [5] } as Record<string, unknown>, 'listeners[0]: expected a mapping, found 5'],
  ];
  for (const [name, data, line] of cases) t.same(problemLines(validateConfig(data)), [line], name);
  t.same(problemLines(validateConfig(null)), [': expected a mapping, found null (an empty value)']);
});

t.test('cross-checks: duplicates and references', async (t) => {
  const cases: Array<[string, Record<string, unknown>, string[]]> = [
    ['listener names', { listeners: [{ name: 'web', address: '127.0.0.1:0' }, { name: 'web', address: '127.0.0.1:0' }] }, ['listeners[1].name: duplicate listener name "web": listeners[0] already has it']],
    ['listener address via localhost', { listeners: [{ name: 'a', address: '127.0.0.1:80' }, { name: 'b', address: 'localhost:80' }] }, ['listeners[1].address: duplicate address "localhost:80": listeners[0] already listens on 127.0.0.1:80']],
    ['cluster names', minimal({ clusters: [{ name: 'api', endpoints: [] }, { name: 'api', endpoints: [] }] }), ['clusters[1].name: duplicate cluster name "api": clusters[0] already has it']],
    ['endpoints', minimal({ clusters: [{ name: 'api', endpoints: [{ address: '127.0.0.1:1' }, { address: '127.0.0.1:2' }, { address: '127.0.0.1:1' }] }] }), ['clusters[0].endpoints[2].address: duplicate endpoint "127.0.0.1:1": clusters[0].endpoints[0] is the same address']],
    ['route cluster', minimal({ routes: [{ paths: [{ path: '/', pathType: 'Exact', cluster: 'apii' }] }] }), ['routes[0].paths[0].cluster: unknown cluster "apii"; defined clusters: api']],
    ['default cluster', minimal({ defaultCluster: 'web' }), ['defaultCluster: unknown cluster "web"; defined clusters: api']],
    ['no clusters', { listeners: [{ name: 'web', address: '127.0.0.1:0' }], defaultCluster: 'web' }, ['defaultCluster: unknown cluster "web"; no clusters are defined']],
  ];
  for (const [name, data, lines] of cases) t.same(problemLines(validateConfig(data)), lines, name);
  // Same port on two port-0 listeners is fine: each gets its own free port.
  t.equal(validateConfig({ listeners: [{ name: 'a', address: '127.0.0.1:0' }, { name: 'b', address: '127.0.0.1:0' }] }).ok, true);
  // The same endpoint address in two clusters is two endpoints.
  t.equal(validateConfig(minimal({ clusters: [{ name: 'a', endpoints: [{ address: '127.0.0.1:1' }] }, { name: 'b', endpoints: [{ address: '127.0.0.1:1' }] }] })).ok, true);
});

t.test('every problem is reported at once, from the schema and the cross-checks', async (t) => {
  const yaml = `
listeners:
  - name: web
    address: 127.0.0.1:8080
    protocol: tcp
  - name: web
    address: localhost:8080
    timeouts: { idle: 60 }
routes:
  - paths:
      - { path: /api, pathType: Prefix, cluster: apii }
clusters:
  - name: api
    endpoints:
      - { address: 127.0.0.1:9001, weight: 0 }
      - { address: 127.0.0.1:9001 }
drainTimeout: 1m30
`;
  t.same(problemLines(parseConfig(yaml)), [
    'listeners[0].protocol: expected "http" or "https" (tcp and tls-passthrough are planned), found "tcp"',
    'listeners[1].timeouts.idle: expected a duration like 2s, found 60',
    'clusters[0].endpoints[0].weight: must be at least 1, found 0',
    'drainTimeout: expected a duration like 2s, found "1m30": every number needs a unit (ms, s, m or h)',
    'listeners[1].name: duplicate listener name "web": listeners[0] already has it',
    'listeners[1].address: duplicate address "localhost:8080": listeners[0] already listens on 127.0.0.1:8080',
    'clusters[0].endpoints[1].address: duplicate endpoint "127.0.0.1:9001": clusters[0].endpoints[0] is the same address',
    'routes[0].paths[0].cluster: unknown cluster "apii"; defined clusters: api',
  ]);
});

t.test('YAML syntax errors give line and column', async (t) => {
  t.same(problemLines(parseConfig('listeners:\n  - name: web\n    address: a: b\n')), [
    ': YAML syntax error at line 3, column 14: Nested mappings are not allowed in compact mappings',
  ]);
  t.same(problemLines(parseConfig('drainTimeout: 1s\ndrainTimeout: 2s\n')), [': YAML syntax error at line 2, column 1: Map keys must be unique']);
  t.same(problemLines(parseConfig('listeners:\n  - name: v6\n    address: [::1]:8080\n')), [
    ': YAML syntax error at line 3, column 19: Unexpected scalar at node end (an IPv6 address must be quoted: "[::1]:8080")',
  ]);
  t.same(problemLines(parseConfig('')), [': the configuration is empty']);
  t.same(problemLines(parseConfig('- web\n')), [': expected a mapping, found a list']);
});

t.test('loadConfigFile reads the file, and reports a read failure as one problem', async (t) => {
  const dir = t.testdir();
  const file = join(dir, 'sluice.yaml');
  await writeFile(file, FULL);
  t.same(await loadConfigFile(file), parseConfig(FULL));
  const missing = await loadConfigFile(join(dir, 'missing.yaml'));
  t.same(missing, { ok: false, problems: [{ path: '', message: `cannot read the file: ENOENT: no such file or directory, open '${join(dir, 'missing.yaml')}'` }] });
});

t.test('formatProblems writes one line per problem', async (t) => {
  t.equal(
    formatProblems('sluice.yaml', [
      { path: 'clusters[1].endpoints[0].address', message: 'required field is missing' },
      { path: '', message: 'the configuration is empty' },
    ]),
    'sluice.yaml: clusters[1].endpoints[0].address: required field is missing\nsluice.yaml: the configuration is empty',
  );
  t.equal(formatProblems('sluice.yaml', []), '');
});

t.test('retries, route timeouts and circuit breakers: problems named by their field path', async (t) => {
  const result = validateConfig(minimal({
    routes: [{ paths: [{ path: '/', pathType: 'Prefix', cluster: 'api' }], retries: { on: ['5xx', 'teapot'], atempts: 2 }, timeouts: { request: 5 } }],
    clusters: [{
      name: 'api',
      endpoints: [{ address: '127.0.0.1:9001' }],
      retries: { attempts: 11, on: ['reset', 'reset'], retriableStatusCodes: [700], backoff: { base: '1s', max: '100ms' }, budget: { percent: 0 } },
      circuitBreakers: { maxRequests: 0 },
    }],
  }), '/etc/sluice');
  t.same(problemLines(result), [
    'routes[0].retries.on[1]: expected one of "connect-failure", "refused-stream", "reset", "gateway-error", "5xx", "retriable-4xx", found "teapot"',
    'routes[0].retries.atempts: unknown field "atempts"; did you mean "attempts"?',
    'routes[0].timeouts.request: expected a duration like 2s, found 5',
    'clusters[0].retries.attempts: must be at most 10, found 11',
    'clusters[0].retries.on[1]: duplicate "reset": on[0] already names it',
    'clusters[0].retries.retriableStatusCodes[0]: must be at most 599, found 700',
    'clusters[0].retries.backoff: base (1000ms) must not exceed max (100ms)',
    'clusters[0].retries.budget.percent: must be at least 1, found 0',
    'clusters[0].circuitBreakers.maxRequests: must be at least 1, found 0',
  ]);
});
