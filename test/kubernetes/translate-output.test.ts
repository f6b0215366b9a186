// The Kubernetes translation as a whole, over one cluster's worth of objects: the same output for the
// objects in any order, output the configuration schema accepts when merged into a base configuration,
// and no exception, with valid output still, when any one field of any object is missing or malformed.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { validateConfig } from '../../src/config/index.js';
import type { KubernetesObjects, TranslatedConfig } from '../../src/kubernetes/translate.js';
import { makeCertificate } from '../helpers/certificates.js';
import { accepted, problemLines } from '../helpers/config-results.js';
import { backend, endpoint, endpointSlice, ingress, ingressClass, path, rule, service, tlsSecret, translateObjects } from '../helpers/kubernetes-objects.js';

/** Objects exercising every part of the translation, problems included; certificates are written into `dir`. */
function clusterObjects(dir: string): KubernetesObjects {
  const shopPem = makeCertificate(dir, 'shop', ['shop.example.com']);
  const shop = { cert: readFileSync(shopPem.cert, 'utf8'), key: readFileSync(shopPem.key, 'utf8') };
  return {
    ingressClasses: [ingressClass('sluice', { isDefault: true }), ingressClass('nginx', { controller: 'k8s.io/ingress-nginx' })],
    ingresses: [
      ingress('shop/web', {
        tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }, { hosts: ['broken.example.com'], secretName: 'gone' }],
        rules: [
          rule('shop.example.com', path('/', 'Prefix', 'web', 80), path('/api', 'Prefix', 'api', 'http'), path('/login', 'Exact', 'web', 80)),
          rule('*.shop.example.com', path(undefined, 'ImplementationSpecific', 'web', 80)),
          rule('Bad_Host', path('/', 'Prefix', 'web', 80)),
        ],
      }, { created: '2024-01-01T00:00:00Z' }),
      ingress('shop/grpc', { rules: [rule('grpc.example.com', path('/', 'Prefix', 'grpc', 'grpc'))] }, { created: '2024-01-01T00:00:00Z' }),
      // The same second as shop/web: namespace/name decides, so shop/api wins `/api`.
      ingress('shop/api', { rules: [rule('shop.example.com', path('/api/', 'Prefix', 'api', 8000), path('/gone', 'Prefix', 'gone', 80))] }, { created: '2024-01-01T00:00:00Z', annotations: { 'sluice.dev/backend-protocol': 'http1' } }),
      ingress('shop/catch-all', { ingressClassName: undefined, defaultBackend: backend('web', 80) }, { created: '2024-02-01T00:00:00Z' }),
      ingress('other/catch-all', { defaultBackend: backend('web', 'http') }, { created: '2024-03-01T00:00:00Z' }),
      ingress('other/db', { rules: [rule(undefined, path('/db', 'Prefix', 'db', 5432))] }, { created: '2024-03-01T00:00:00Z' }),
      ingress('other/nginx', { ingressClassName: 'nginx', rules: [rule('shop.example.com', path('/', 'Prefix', 'web', 80))] }),
    ],
    services: [
      service('shop/web', [{ port: 80 }]),
      service('shop/api', [{ name: 'http', port: 8000 }, { name: 'metrics', port: 9090 }]),
      service('shop/grpc', [{ name: 'grpc', port: 50051, appProtocol: 'kubernetes.io/h2c' }]),
      service('other/web', [{ name: 'http', port: 80 }]),
      service('other/db', [], { type: 'ExternalName', externalName: 'db.example.com' }),
    ],
    endpointSlices: [
      endpointSlice('shop/web-a', 'web', [{ port: 8080 }], [endpoint('10.0.0.5', { zone: 'zone-a' }), endpoint('10.0.0.6', { zone: 'zone-b', ready: false })]),
      endpointSlice('shop/web-b', 'web', [{ port: 8080 }], [endpoint('10.0.0.5', { zone: 'zone-a' }), endpoint('10.0.0.7', { zone: 'zone-b' })]),
      endpointSlice('shop/api-v6', 'api', [{ name: 'metrics', port: 9102 }, { name: 'http', port: 8080 }], [endpoint('fd00::1'), endpoint('fd00::2', { ready: false, serving: true, terminating: true })], 'IPv6'),
      endpointSlice('shop/grpc-a', 'grpc', [{ name: 'grpc', port: 50051 }], [endpoint('10.0.2.1', { ready: false, serving: true, terminating: true })]),
      endpointSlice('other/web-a', 'web', [{ name: 'http', port: 8080 }], [endpoint('web.other.svc', {})], 'FQDN'),
    ],
    secrets: [tlsSecret('shop/shop-tls', shop), tlsSecret('other/unused', { cert: 'x', key: 'y' })],
  };
}

/** A deterministic shuffle (a linear congruential generator seeded per call). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const result = [...items];
  let state = seed;
  for (let i = result.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = state % (i + 1);
    [result[i], result[j]] = [result[j]!, result[i]!];
  }
  return result;
}

t.test('the whole cluster translates to this, exactly', async (t) => {
  const objects = clusterObjects(t.testdir());
  const shopTls = objects.secrets[0]!;
  const translated = translateObjects(objects);
  t.strictSame(translated, {
    routes: [
      { paths: [{ path: '/db', pathType: 'Prefix', cluster: 'other/db:5432' }] },
      { host: '*.shop.example.com', paths: [{ path: '/', pathType: 'ImplementationSpecific', cluster: 'shop/web:80' }] },
      { host: 'grpc.example.com', paths: [{ path: '/', pathType: 'Prefix', cluster: 'shop/grpc:grpc' }] },
      { host: 'shop.example.com', redirectToHttps: true, paths: [{ path: '/', pathType: 'Prefix', cluster: 'shop/web:80' }, { path: '/login', pathType: 'Exact', cluster: 'shop/web:80' }] },
      { host: 'shop.example.com', redirectToHttps: true, paths: [{ path: '/api/', pathType: 'Prefix', cluster: 'shop/api:8000' }] },
    ],
    clusters: [
      { name: 'other/db:5432', protocol: 'http1', endpoints: [{ address: 'db.example.com:5432' }] },
      { name: 'shop/api:8000', protocol: 'http1', endpoints: [{ address: '[fd00::1]:8080' }] },
      { name: 'shop/grpc:grpc', protocol: 'h2c', endpoints: [{ address: '10.0.2.1:50051' }] },
      { name: 'shop/web:80', protocol: 'http1', endpoints: [{ address: '10.0.0.5:8080', zone: 'zone-a' }, { address: '10.0.0.7:8080', zone: 'zone-b' }] },
    ],
    defaultCluster: 'shop/web:80',
    certificates: [{ secret: 'shop/shop-tls', cert: Buffer.from(shopTls.data!['tls.crt']!, 'base64').toString(), key: Buffer.from(shopTls.data!['tls.key']!, 'base64').toString(), names: ['shop.example.com'] }],
    problems: [
      { object: 'Ingress other/catch-all', field: 'spec.defaultBackend', message: 'Ingress shop/catch-all already provides the default backend (the oldest Ingress wins); this one is not used' },
      { object: 'Ingress shop/api', field: 'spec.rules[0].http.paths[1].backend.service.name', message: 'no Service shop/gone; left out (ingress-nginx would answer 503)' },
      { object: 'Ingress shop/web', field: 'spec.rules[0].http.paths[1]', message: 'host "shop.example.com", Prefix path "/api" is already routed by Ingress shop/api at spec.rules[0].http.paths[0] (the oldest Ingress wins); this path is left out' },
      { object: 'Ingress shop/web', field: 'spec.rules[2].host', message: 'expected a DNS name like foo.example.com or *.example.com, found "Bad_Host"' },
      { object: 'Ingress shop/web', field: 'spec.tls[1].secretName', message: 'no Secret shop/gone' },
    ],
  });
});

t.test('the same objects in any order give the same output, to the byte', async (t) => {
  const objects = clusterObjects(t.testdir());
  const expected = JSON.stringify(translateObjects(objects));
  for (let seed = 1; seed <= 25; seed++) {
    const reordered: KubernetesObjects = {
      ingresses: shuffled(objects.ingresses, seed),
      ingressClasses: shuffled(objects.ingressClasses, seed + 100),
      services: shuffled(objects.services, seed + 200),
      endpointSlices: shuffled(objects.endpointSlices, seed + 300).map((slice, index) => ({ ...slice, endpoints: shuffled(slice.endpoints, seed + index) })),
      secrets: shuffled(objects.secrets, seed + 400),
    };
    t.equal(JSON.stringify(translateObjects(reordered)), expected, `seed ${seed}`);
  }
});

/** The translation merged into a base configuration with an http and an https listener. */
function merged(translated: TranslatedConfig, dir: string) {
  return validateConfig({
    listeners: [
      { name: 'web', address: '127.0.0.1:0' },
      { name: 'websecure', address: '127.0.0.1:0', protocol: 'https', tls: { certificates: [{ cert: 'listener.crt', key: 'listener.key' }] } },
    ],
    routes: [...translated.routes],
    clusters: [...translated.clusters],
    defaultCluster: translated.defaultCluster,
  }, dir);
}

t.test('merged into a valid base configuration, the output passes validateConfig', async (t) => {
  const dir = t.testdir();
  makeCertificate(dir, 'listener', ['listener.example.com']);
  const config = accepted(merged(translateObjects(clusterObjects(dir)), dir));
  t.strictSame(config.routes.map((route) => [route.host, route.redirectToHttps, route.paths.length]), [
    [undefined, false, 1], ['*.shop.example.com', false, 1], ['grpc.example.com', false, 1], ['shop.example.com', true, 2], ['shop.example.com', true, 1],
  ]);
  t.strictSame(config.clusters.map(({ name, protocol, endpoints }) => [name, protocol, endpoints.map(({ host, port, zone }) => `${host} ${port} ${zone}`)]), [
    ['other/db:5432', 'http1', ['db.example.com 5432 ']],
    ['shop/api:8000', 'http1', ['fd00::1 8080 ']],
    ['shop/grpc:grpc', 'h2c', ['10.0.2.1 50051 ']],
    ['shop/web:80', 'http1', ['10.0.0.5 8080 zone-a', '10.0.0.7 8080 zone-b']],
  ]);
  t.equal(config.defaultCluster, 'shop/web:80');
  // The check is real: a cluster the translation left out would be an unknown reference.
  const withoutClusters = { ...translateObjects(clusterObjects(dir)), clusters: [] };
  t.match(problemLines(merged(withoutClusters, dir))[0], /^routes\[0\]\.paths\[0\]\.cluster: unknown cluster "other\/db:5432"/);
});

/** Every path to a value in `value`: keys of objects, indexes of lists; Dates are leaves. */
function fieldPaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object' || value instanceof Date) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const at = [...prefix, Array.isArray(value) ? Number(key) : key];
    return [at, ...fieldPaths(child, at)];
  });
}

function withValue(objects: KubernetesObjects, at: (string | number)[], replacement: unknown): KubernetesObjects {
  const copy = structuredClone(objects) as unknown as Record<string | number, unknown>;
  let parent = copy;
  for (const key of at.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  parent[at.at(-1)!] = replacement;
  return copy as unknown as KubernetesObjects;
}

t.test('any one field missing or malformed: no exception, and the output still passes validateConfig', async (t) => {
  const dir = t.testdir();
  makeCertificate(dir, 'listener', ['listener.example.com']);
  const objects = clusterObjects(dir);
  const replacements: unknown[] = [undefined, null, -1, 1.5, 70_000, '', 'Bad_Name', [], [null], {}];
  let translations = 0;
  let failures = 0;
  // Most changes give an output seen before: each distinct one is validated once.
  const validated = new Set<string>();
  for (const at of fieldPaths(objects)) {
    for (const replacement of replacements) {
      const change = `${at.join('.')} = ${JSON.stringify(replacement) ?? 'undefined'}`;
      let translated: TranslatedConfig;
      try {
        translated = translateObjects(withValue(objects, at, replacement));
      } catch (error) {
        failures++;
        t.fail(`${change} threw ${(error as Error).stack}`);
        continue;
      }
      translations++;
      const output = JSON.stringify([translated.routes, translated.clusters, translated.defaultCluster]);
      if (validated.has(output)) continue;
      validated.add(output);
      const result = merged(translated, dir);
      if (!result.ok) {
        failures++;
        t.fail(`${change}: ${problemLines(result).join('; ')}`);
      }
    }
  }
  t.equal(failures, 0);
  t.ok(translations > 2_500 && validated.size > 30, `${translations} translations, ${validated.size} distinct outputs validated`);
});
