// composeWithKubernetes: the translated routes and clusters go after the file's with the schema's
// defaults, the file's defaultCluster wins, a cluster name in both is refused, TLS Secret certificates go
// ahead of the file's on every https listener (whose default stays the file's), redirects to https need
// an https listener, and a translated entry the schema refuses is named by route host or cluster name.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { parseConfig, type SluiceConfig } from '../../src/config/index.js';
import { composeWithKubernetes } from '../../src/kubernetes/compose-config.js';
import type { RawCertificate, TranslatedConfig } from '../../src/kubernetes/translate.js';
import { makeCertificate } from '../helpers/certificates.js';
import { accepted, DEFAULT_CLUSTER_BALANCING, problemLines } from '../helpers/config-results.js';
import { endpoint, endpointSlice, ingress, path, rule, service, tlsSecret, translateObjects } from '../helpers/kubernetes-objects.js';

const HTTP_LISTENER = '{ name: web, address: "127.0.0.1:0" }';
const FILE_ROUTES = `
routes:
  - host: files.example.com
    paths: [{ path: /, pathType: Prefix, cluster: files }]
clusters:
  - name: files
    endpoints: [{ address: "127.0.0.1:9001" }]
`;

/** A validated configuration file: `listeners` as YAML flow items, then `rest`, read against `dir`. */
function fileConfig(dir: string, listeners: string[], rest = FILE_ROUTES): SluiceConfig {
  return accepted(parseConfig(`listeners: [${listeners.join(', ')}]\n${rest}`, dir));
}

function translated(parts: Partial<TranslatedConfig>): TranslatedConfig {
  return { routes: [], clusters: [], certificates: [], problems: [], ...parts };
}

const SHOP_PATHS = [{ path: '/', pathType: 'Prefix' as const, cluster: 'shop/web:80' }];
const SHOP = translated({
  routes: [{ host: 'shop.example.com', paths: SHOP_PATHS }],
  clusters: [{ name: 'shop/web:80', protocol: 'http1', endpoints: [{ address: '10.0.0.1:8080', zone: 'zone-a' }, { address: '[fd00::1]:8080' }] }],
  defaultCluster: 'shop/web:80',
});

/** What the schema fills in for a cluster given only name, protocol and endpoints (besides balancer and endpoint fields). */
const CLUSTER_DEFAULTS = {
  ...DEFAULT_CLUSTER_BALANCING,
  timeouts: { connect: 2_000, request: 15_000, idle: 60_000 },
  retries: { attempts: 1, on: ['connect-failure', 'refused-stream', 'reset'], retriableStatusCodes: [], backoff: { base: 25, max: 250 } },
  circuitBreakers: { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 },
};

function pem(dir: string, name: string, dnsNames: string[]): { cert: string; key: string } {
  const files = makeCertificate(dir, name, dnsNames);
  return { cert: readFileSync(files.cert, 'utf8'), key: readFileSync(files.key, 'utf8') };
}

t.test('translated routes and clusters come after the file\'s, with the defaults the schema gives file entries', async (t) => {
  const file = fileConfig(t.testdir(), [HTTP_LISTENER]);
  const config = accepted(composeWithKubernetes(file, SHOP));
  t.strictSame(config.routes, [
    file.routes[0],
    { host: 'shop.example.com', redirectToHttps: false, paths: SHOP_PATHS },
  ]);
  t.equal(config.routes[0], file.routes[0], 'the file\'s route as it was');
  t.strictSame(config.clusters, [
    file.clusters[0],
    {
      name: 'shop/web:80',
      protocol: 'http1',
      balancer: 'least_request',
      endpoints: [
        { address: '10.0.0.1:8080', host: '10.0.0.1', port: 8080, zone: 'zone-a', weight: 1 },
        { address: '[fd00::1]:8080', host: 'fd00::1', port: 8080, zone: '', weight: 1 },
      ],
      ...CLUSTER_DEFAULTS,
    },
  ]);
  t.strictSame({ ...config, routes: file.routes, clusters: file.clusters, defaultCluster: undefined }, { ...file, defaultCluster: undefined }, 'nothing else changes');
  t.equal(config.listeners, file.listeners, 'no certificates: the listeners as they were');
  t.strictSame(accepted(composeWithKubernetes(file, translated({}))), file, 'nothing translated: the file\'s configuration');
});

t.test('defaultCluster: the file\'s wins, else the translated one, else none', async (t) => {
  const dir = t.testdir();
  const withDefault = fileConfig(dir, [HTTP_LISTENER], `${FILE_ROUTES}defaultCluster: files\n`);
  const without = fileConfig(dir, [HTTP_LISTENER]);
  t.equal(accepted(composeWithKubernetes(withDefault, SHOP)).defaultCluster, 'files');
  t.equal(accepted(composeWithKubernetes(without, SHOP)).defaultCluster, 'shop/web:80');
  const { defaultCluster: _none, ...noDefault } = SHOP;
  t.notOk('defaultCluster' in accepted(composeWithKubernetes(without, noDefault)));
  t.equal(accepted(composeWithKubernetes(withDefault, noDefault)).defaultCluster, 'files');
});

t.test('a cluster named in the file and by an Ingress backend is refused, naming it', async (t) => {
  const file = fileConfig(t.testdir(), [HTTP_LISTENER], `
clusters:
  - name: files
    endpoints: [{ address: "127.0.0.1:9001" }]
  - name: shop/web:80
    endpoints: [{ address: "127.0.0.1:9002" }]
`);
  t.same(problemLines(composeWithKubernetes(file, SHOP)), [
    'cluster shop/web:80: defined both in the configuration file and by an Ingress backend; rename the file\'s cluster',
  ]);
});

t.test('TLS Secret certificates go ahead of the file\'s on every https listener; the default stays the file\'s', async (t) => {
  const dir = t.testdir();
  makeCertificate(dir, 'site', ['site.example.com']);
  makeCertificate(dir, 'other', ['other.example.com']);
  makeCertificate(dir, 'fallback', ['fallback.example.com']);
  const file = fileConfig(dir, [
    HTTP_LISTENER,
    '{ name: websecure, address: "127.0.0.1:0", protocol: https, tls: { certificates: [{ cert: site.crt, key: site.key }, { cert: other.crt, key: other.key }], minVersion: TLSv1.3 } }',
    '{ name: fallback, address: "127.0.0.1:0", protocol: https, tls: { certificates: [{ cert: other.crt, key: other.key }], defaultCertificate: { cert: fallback.crt, key: fallback.key } } }',
  ]);
  const shop = pem(dir, 'shop', ['shop.example.com', '*.shop.example.com']);
  const blog = pem(dir, 'blog', ['blog.example.com']);
  const fromSecrets: RawCertificate[] = [
    { secret: 'blog/blog-tls', ...blog, names: ['blog.example.com'] },
    { secret: 'shop/shop-tls', ...shop, names: ['shop.example.com', '*.shop.example.com'] },
  ];
  const config = accepted(composeWithKubernetes(file, translated({ ...SHOP, certificates: fromSecrets })));

  const [web, websecure, fallback] = config.listeners;
  const [fileWeb, fileWebsecure, fileFallback] = file.listeners;
  t.equal(web, fileWeb, 'an http listener is left alone');
  t.strictSame(websecure, {
    ...fileWebsecure,
    tls: { ...fileWebsecure!.tls!, certificates: [...fromSecrets, ...fileWebsecure!.tls!.certificates], defaultCertificate: fileWebsecure!.tls!.certificates[0] },
  });
  t.equal(websecure!.tls!.defaultCertificate, fileWebsecure!.tls!.certificates[0], 'the file\'s first certificate stays the default');
  t.equal(websecure!.tls!.minVersion, 'TLSv1.3');
  t.strictSame(fallback!.tls!.certificates, [...fromSecrets, ...fileFallback!.tls!.certificates]);
  t.equal(fallback!.tls!.defaultCertificate, fileFallback!.tls!.defaultCertificate, 'a configured default is kept');
  t.strictSame(file.listeners[1]!.tls!.certificates.map(({ names }) => names), [['site.example.com'], ['other.example.com']], 'the file\'s configuration is not modified');
});

t.test('redirectToHttps is kept only when the file has an https listener to redirect to', async (t) => {
  const dir = t.testdir();
  makeCertificate(dir, 'site', ['site.example.com']);
  const redirecting = translated({
    routes: [{ host: 'plain.example.com', paths: SHOP_PATHS }, { host: 'shop.example.com', redirectToHttps: true, paths: SHOP_PATHS }],
    clusters: SHOP.clusters,
  });
  const withHttps = fileConfig(dir, [HTTP_LISTENER, '{ name: websecure, address: "127.0.0.1:0", protocol: https, tls: { certificates: [{ cert: site.crt, key: site.key }] } }']);
  t.same(accepted(composeWithKubernetes(withHttps, redirecting)).routes.map((r) => [r.host, r.redirectToHttps]),
    [['files.example.com', false], ['plain.example.com', false], ['shop.example.com', true]]);
  const httpOnly = fileConfig(dir, [HTTP_LISTENER]);
  t.same(accepted(composeWithKubernetes(httpOnly, redirecting)).routes.map((r) => [r.host, r.redirectToHttps]),
    [['files.example.com', false], ['plain.example.com', false], ['shop.example.com', false]], 'served over plain HTTP, no problem');
});

t.test('the translation of real objects composes: a TLS Ingress on an https listener', async (t) => {
  const dir = t.testdir();
  makeCertificate(dir, 'site', ['site.example.com']);
  const shop = pem(dir, 'shop', ['shop.example.com']);
  const file = fileConfig(dir, [HTTP_LISTENER, '{ name: websecure, address: "127.0.0.1:0", protocol: https, tls: { certificates: [{ cert: site.crt, key: site.key }] } }']);
  const result = translateObjects({
    ingresses: [ingress('shop/web', { tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }], rules: [rule('shop.example.com', path('/', 'Prefix', 'web', 80))] })],
    services: [service('shop/web', [{ name: 'http', port: 80 }])],
    endpointSlices: [endpointSlice('shop/web-1', 'web', [{ name: 'http', port: 8080 }], [endpoint('10.0.0.1')])],
    secrets: [tlsSecret('shop/shop-tls', shop)],
  });
  const config = accepted(composeWithKubernetes(file, result));
  t.strictSame(config.routes.slice(1), [{ host: 'shop.example.com', redirectToHttps: true, paths: SHOP_PATHS }]);
  t.strictSame(config.clusters.slice(1).map(({ name, endpoints }) => [name, endpoints.map(({ address }) => address)]), [['shop/web:80', ['10.0.0.1:8080']]]);
  t.strictSame(config.listeners[1]!.tls!.certificates.map(({ names }) => names), [['shop.example.com'], ['site.example.com']]);
});

t.test('a translated entry the schema refuses fails the compose, named by route host or cluster name', async (t) => {
  const file = fileConfig(t.testdir(), [HTTP_LISTENER]);
  const cluster = { name: 'shop/web:80', protocol: 'http1' as const, endpoints: [] };
  t.same(problemLines(composeWithKubernetes(file, translated({ clusters: [cluster, { name: 'shop/api:80', protocol: 'http1', endpoints: [{ address: 'nope' }] }] }))), [
    'cluster shop/api:80 (clusters[1].endpoints[0].address): expected host:port like 10.0.0.7:9000, found "nope"',
  ]);
  t.same(problemLines(composeWithKubernetes(file, translated({
    routes: [{ host: 'shop.example.com:8080', paths: SHOP_PATHS }, { paths: [{ path: 'api', pathType: 'Prefix', cluster: 'shop/web:80' }] }],
    clusters: [cluster],
  }))), [
    'route for host shop.example.com:8080 (routes[0].host): a route host has no port, found "shop.example.com:8080"',
    'route for host (any) (routes[1].paths[0].path): a path must start with "/", found "api"',
  ]);
});
