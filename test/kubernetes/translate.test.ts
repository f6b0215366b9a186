// The Kubernetes translation's routes: which Ingresses are ours, hosts and paths, backends and their
// Service ports, conflicts between Ingresses, the default backend and the backend protocol; exact output.
import t from 'tap';
import { backend, endpoint, endpointSlice, ingress, ingressClass, path, rule, service, translateObjects } from '../helpers/kubernetes-objects.js';

const web = service('shop/web', [{ port: 80 }]);
const webSlice = endpointSlice('shop/web-1', 'web', [{ port: 8080 }], [endpoint('10.0.0.5')]);
const webCluster = { name: 'shop/web:80', protocol: 'http1', endpoints: [{ address: '10.0.0.5:8080' }] };

t.test('one Ingress: routes by host and path, a cluster per Service port, nothing to report', async (t) => {
  const api = service('shop/api', [{ name: 'http', port: 8000 }, { name: 'metrics', port: 9090 }]);
  const apiSlice = endpointSlice('shop/api-1', 'api', [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9102 }], [endpoint('10.0.1.7', { zone: 'zone-a' })]);
  const shop = ingress('shop/web', { rules: [rule('shop.example.com', path('/', 'Prefix', 'web', 80), path('/api', 'Exact', 'api', 'http'))] });
  t.strictSame(translateObjects({ ingresses: [shop], services: [web, api], endpointSlices: [webSlice, apiSlice] }), {
    routes: [{ host: 'shop.example.com', paths: [{ path: '/', pathType: 'Prefix', cluster: 'shop/web:80' }, { path: '/api', pathType: 'Exact', cluster: 'shop/api:http' }] }],
    clusters: [{ name: 'shop/api:http', protocol: 'http1', endpoints: [{ address: '10.0.1.7:8080', zone: 'zone-a' }] }, webCluster],
    certificates: [],
    problems: [],
  });
});

t.test('class selection: ingressClassName, the deprecated annotation, a default class, --watch-ingress-without-class', async (t) => {
  const classes = [ingressClass('sluice'), ingressClass('nginx', { controller: 'k8s.io/ingress-nginx' })];
  const byName = (host: string, className: string | undefined, annotation?: string) => ingress(`shop/${host}`, {
    ingressClassName: className, rules: [rule(`${host}.example.com`, path('/', 'Prefix', 'web', 80))],
  }, annotation === undefined ? {} : { annotations: { 'kubernetes.io/ingress.class': annotation } });
  const ingresses = [
    byName('named', 'sluice'),
    byName('annotated', undefined, 'sluice'),
    byName('classless', undefined),
    byName('nginx', 'nginx'),
    byName('nginx-annotated', undefined, 'nginx'),
    byName('unknown-class', 'gone'),
    // The field wins over the annotation.
    byName('field-first', 'nginx', 'sluice'),
    // Ignored Ingresses are not checked: this host would be a problem if it were ours.
    ingress('shop/bad', { ingressClassName: 'nginx', rules: [rule('Bad_Host', path('/', 'Prefix', 'web', 80))] }),
  ];
  const hosts = (options: Parameters<typeof translateObjects>[1], ingressClasses = classes) => {
    const translated = translateObjects({ ingresses, ingressClasses, services: [web] }, options);
    t.strictSame(translated.problems, []);
    return translated.routes.map((route) => route.host);
  };
  t.strictSame(hosts({}), ['annotated.example.com', 'named.example.com']);
  t.strictSame(hosts({ watchIngressWithoutClass: true }), ['annotated.example.com', 'classless.example.com', 'named.example.com']);
  t.strictSame(hosts({}, [ingressClass('sluice', { isDefault: true }), classes[1]!]), ['annotated.example.com', 'classless.example.com', 'named.example.com']);
  // Another controller's default class does not make classless Ingresses ours.
  t.strictSame(hosts({}, [ingressClass('sluice'), ingressClass('nginx', { controller: 'k8s.io/ingress-nginx', isDefault: true })]), ['annotated.example.com', 'named.example.com']);
  // The class named `sluice` belongs to whoever its controller names.
  t.strictSame(hosts({ controllerName: 'example.com/other' }), []);
  t.strictSame(hosts({}, []), []);
});

t.test('hosts: exact, wildcard, none; an invalid host skips its rule only', async (t) => {
  const rules = [
    rule('shop.example.com', path('/', 'Prefix', 'web', 80)),
    rule('*.example.com', path('/', 'Prefix', 'web', 80)),
    rule(undefined, path('/any', 'Prefix', 'web', 80)),
    rule('Shop_1', path('/', 'Prefix', 'web', 80)),
    rule('Shop.example.com', path('/', 'Prefix', 'web', 80)),
    rule('10.0.0.1', path('/', 'Prefix', 'web', 80)),
    rule('shop.example.com:8080', path('/', 'Prefix', 'web', 80)),
    rule('a.*.example.com', path('/', 'Prefix', 'web', 80)),
    { host: 42 as unknown as string, http: { paths: [path('/', 'Prefix', 'web', 80)] } },
    // No http: nothing to route, nothing to report.
    { host: 'empty.example.com' },
  ];
  const translated = translateObjects({ ingresses: [ingress('shop/web', { rules })], services: [web], endpointSlices: [webSlice] });
  const to = (p: string) => ({ path: p, pathType: 'Prefix', cluster: 'shop/web:80' });
  t.strictSame(translated.routes, [{ paths: [to('/any')] }, { host: '*.example.com', paths: [to('/')] }, { host: 'shop.example.com', paths: [to('/')] }]);
  t.strictSame(translated.problems, [
    { object: 'Ingress shop/web', field: 'spec.rules[3].host', message: 'expected a DNS name like foo.example.com or *.example.com, found "Shop_1"' },
    { object: 'Ingress shop/web', field: 'spec.rules[4].host', message: 'a host must be lower case, as Kubernetes requires, found "Shop.example.com"' },
    { object: 'Ingress shop/web', field: 'spec.rules[5].host', message: 'an IP address cannot be a route host (as in Kubernetes), found "10.0.0.1"' },
    { object: 'Ingress shop/web', field: 'spec.rules[6].host', message: 'a route host has no port, found "shop.example.com:8080"' },
    { object: 'Ingress shop/web', field: 'spec.rules[7].host', message: 'a wildcard is allowed only as the whole first label ("*.example.com"), found "a.*.example.com"' },
    { object: 'Ingress shop/web', field: 'spec.rules[8].host', message: 'expected a DNS name like foo.example.com or *.example.com, found 42' },
  ]);
  t.strictSame(translated.clusters, [webCluster]);
});

t.test('paths: the three types, a missing path means / except for Exact, invalid ones are reported', async (t) => {
  const paths = [
    path('/exact', 'Exact', 'web', 80),
    path(undefined, 'Prefix', 'web', 80),
    path(undefined, 'ImplementationSpecific', 'web', 80),
    path('/impl', 'ImplementationSpecific', 'web', 80),
    path(undefined, 'Exact', 'web', 80),
    path('api', 'Prefix', 'web', 80),
    path('/a b', 'Prefix', 'web', 80),
    { path: '/untyped', backend: backend('web', 80) },
    path('/regex', 'Regex', 'web', 80),
  ];
  const translated = translateObjects({ ingresses: [ingress('shop/web', { rules: [rule('shop.example.com', ...paths)] })], services: [web] });
  t.strictSame(translated.routes, [{
    host: 'shop.example.com',
    paths: [
      { path: '/', pathType: 'Prefix', cluster: 'shop/web:80' },
      { path: '/exact', pathType: 'Exact', cluster: 'shop/web:80' },
      { path: '/impl', pathType: 'ImplementationSpecific', cluster: 'shop/web:80' },
    ],
  }]);
  const at = (index: number, field: string, message: string) => ({ object: 'Ingress shop/web', field: `spec.rules[0].http.paths[${index}]${field}`, message });
  t.strictSame(translated.problems, [
    // The missing ImplementationSpecific path is `/` too, the same rule as the Prefix `/` before it.
    at(2, '', 'host "shop.example.com", ImplementationSpecific path "/" is already routed by spec.rules[0].http.paths[1] of this Ingress (the first rule wins); this path is left out'),
    at(4, '.path', 'an Exact path needs a path starting with "/", found nothing'),
    at(5, '.path', 'a path must start with "/", found "api"'),
    at(6, '.path', 'a path cannot contain spaces or control characters, found "/a b"'),
    at(7, '.pathType', 'required by networking.k8s.io/v1: Exact, Prefix or ImplementationSpecific'),
    at(8, '.pathType', 'expected Exact, Prefix or ImplementationSpecific, found "Regex"'),
  ]);
});

t.test('backends: the port by number or by name; what cannot be resolved is left out, saying so', async (t) => {
  const api = service('shop/api', [{ name: 'http', port: 8000 }, { name: 'metrics', port: 9090 }, { name: 'dns', port: 53, protocol: 'UDP' }]);
  const paths = [
    path('/by-number', 'Prefix', 'api', 8000),
    path('/by-name', 'Prefix', 'api', 'metrics'),
    path('/no-service', 'Prefix', 'gone', 80),
    path('/no-port', 'Prefix', 'api', 8080),
    path('/no-port-name', 'Prefix', 'api', 'grpc'),
    path('/udp', 'Prefix', 'api', 'dns'),
    { path: '/resource', pathType: 'Prefix', backend: { resource: { apiGroup: 'k8s.example.com', kind: 'StorageBucket', name: 'assets' } } },
    { path: '/nothing', pathType: 'Prefix', backend: {} },
    { path: '/both', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 8000, name: 'http' } } } },
    { path: '/no-port-at-all', pathType: 'Prefix', backend: { service: { name: 'api' } } },
    path('/port-zero', 'Prefix', 'api', 0),
    path('/bad-port-name', 'Prefix', 'api', 'HTTP'),
    path('/bad-service-name', 'Prefix', 'Api_1', 80),
    { path: '/no-backend', pathType: 'Prefix' },
  ];
  // A Service of the same name in another namespace does not count.
  const elsewhere = service('other/gone', [{ port: 80 }]);
  const translated = translateObjects({ ingresses: [ingress('shop/web', { rules: [rule(undefined, ...paths)] })], services: [api, elsewhere] });
  t.strictSame(translated.routes, [{ paths: [{ path: '/by-name', pathType: 'Prefix', cluster: 'shop/api:metrics' }, { path: '/by-number', pathType: 'Prefix', cluster: 'shop/api:8000' }] }]);
  t.strictSame(translated.clusters, [{ name: 'shop/api:8000', protocol: 'http1', endpoints: [] }, { name: 'shop/api:metrics', protocol: 'http1', endpoints: [] }]);
  const at = (index: number, field: string, message: string) => ({ object: 'Ingress shop/web', field: `spec.rules[0].http.paths[${index}].backend${field}`, message });
  const ports = 'it has 8000 "http", 9090 "metrics", 53 "dns"';
  t.strictSame(translated.problems, [
    at(10, '.service.port.number', 'expected a port number from 1 to 65535, found 0'),
    at(11, '.service.port.name', 'expected a port name (IANA_SVC_NAME) like http, found "HTTP"'),
    at(12, '.service.name', 'expected a Service name (a DNS-1035 label) like web, found "Api_1"'),
    at(13, '.service', 'required: the Service name and port'),
    at(2, '.service.name', 'no Service shop/gone; left out (ingress-nginx would answer 503)'),
    at(3, '.service.port.number', `Service shop/api has no port 8080 (${ports}); left out (ingress-nginx would answer 503)`),
    at(4, '.service.port.name', `Service shop/api has no port "grpc" (${ports}); left out (ingress-nginx would answer 503)`),
    at(5, '.service.port.name', 'Service shop/api port "dns" is UDP, and Sluice proxies HTTP over TCP; left out'),
    at(6, '.resource', 'resource backends are not supported, only service backends; left out'),
    at(7, '.service', 'required: the Service name and port'),
    at(8, '.service.port', 'expected number or name, found both'),
    at(9, '.service.port', 'required: the Service port number or name'),
  ]);
});

t.test('one host from several Ingresses: separate route entries; the same rule twice goes to the oldest Ingress', async (t) => {
  const old = ingress('shop/old', { rules: [rule('shop.example.com', path('/api', 'Prefix', 'web', 80), path('/old', 'Exact', 'web', 80))] }, { created: '2024-01-01T00:00:00Z' });
  const young = ingress('shop/young', {
    rules: [rule('shop.example.com',
      path('/api/', 'Prefix', 'web', 80), // the same rule as Prefix /api: the trailing slash is ignored
      path('/api', 'ImplementationSpecific', 'web', 80), // and ImplementationSpecific is Prefix
      path('/api', 'Exact', 'web', 80), // a different rule
      path('/young', 'Prefix', 'web', 80))],
  }, { created: '2024-03-01T00:00:00Z' });
  // Created in the same second as `old`: namespace/name decides, and `a-first` comes first.
  const tie = ingress('shop/a-first', { rules: [rule('shop.example.com', path('/old', 'Exact', 'web', 80))] }, { created: '2024-01-01T00:00:00Z' });
  const translated = translateObjects({ ingresses: [young, old, tie], services: [web], endpointSlices: [webSlice] });
  const to = (p: string, pathType: string) => ({ path: p, pathType, cluster: 'shop/web:80' });
  t.strictSame(translated.routes, [
    { host: 'shop.example.com', paths: [to('/api', 'Exact'), to('/young', 'Prefix')] },
    { host: 'shop.example.com', paths: [to('/api', 'Prefix')] },
    { host: 'shop.example.com', paths: [to('/old', 'Exact')] },
  ]);
  t.strictSame(translated.problems, [
    { object: 'Ingress shop/old', field: 'spec.rules[0].http.paths[1]', message: 'host "shop.example.com", Exact path "/old" is already routed by Ingress shop/a-first at spec.rules[0].http.paths[0] (the oldest Ingress wins); this path is left out' },
    { object: 'Ingress shop/young', field: 'spec.rules[0].http.paths[0]', message: 'host "shop.example.com", Prefix path "/api/" is already routed by Ingress shop/old at spec.rules[0].http.paths[0] (the oldest Ingress wins); this path is left out' },
    { object: 'Ingress shop/young', field: 'spec.rules[0].http.paths[1]', message: 'host "shop.example.com", ImplementationSpecific path "/api" is already routed by Ingress shop/old at spec.rules[0].http.paths[0] (the oldest Ingress wins); this path is left out' },
  ]);
});

t.test('a claim whose backend cannot be resolved does not take the rule from a younger Ingress', async (t) => {
  const broken = ingress('shop/broken', { rules: [rule('shop.example.com', path('/', 'Prefix', 'gone', 80))] }, { created: '2024-01-01T00:00:00Z' });
  const working = ingress('shop/working', { rules: [rule('shop.example.com', path('/', 'Prefix', 'web', 80))] }, { created: '2024-02-01T00:00:00Z' });
  const translated = translateObjects({ ingresses: [broken, working], services: [web] });
  t.strictSame(translated.routes, [{ host: 'shop.example.com', paths: [{ path: '/', pathType: 'Prefix', cluster: 'shop/web:80' }] }]);
  t.strictSame(translated.problems, [{ object: 'Ingress shop/broken', field: 'spec.rules[0].http.paths[0].backend.service.name', message: 'no Service shop/gone; left out (ingress-nginx would answer 503)' }]);
});

t.test('the default backend: the oldest Ingress with one provides it; the others are told which won', async (t) => {
  const catchAll = service('shop/catch-all', [{ name: 'http', port: 80 }]);
  const first = ingress('shop/first', { defaultBackend: backend('catch-all', 'http') }, { created: '2024-01-01T00:00:00Z' });
  const second = ingress('other/second', { defaultBackend: backend('web', 80) }, { created: '2024-02-01T00:00:00Z' });
  const invalid = ingress('shop/invalid', { defaultBackend: backend('gone', 80) }, { created: '2023-01-01T00:00:00Z' });
  const translated = translateObjects({ ingresses: [second, invalid, first], services: [catchAll, service('other/web', [{ port: 80 }])] });
  t.strictSame(translated.routes, []);
  t.equal(translated.defaultCluster, 'shop/catch-all:http');
  t.strictSame(translated.clusters, [{ name: 'shop/catch-all:http', protocol: 'http1', endpoints: [] }]);
  t.strictSame(translated.problems, [
    { object: 'Ingress other/second', field: 'spec.defaultBackend', message: 'Ingress shop/first already provides the default backend (the oldest Ingress wins); this one is not used' },
    { object: 'Ingress shop/invalid', field: 'spec.defaultBackend.service.name', message: 'no Service shop/gone; left out (ingress-nginx would answer 503)' },
  ]);
  t.notOk('defaultCluster' in translateObjects({ ingresses: [ingress('shop/web', { rules: [rule(undefined, path('/', 'Prefix', 'web', 80))] })], services: [web] }));
});

t.test('the backend protocol: appProtocol kubernetes.io/h2c, overridden by sluice.dev/backend-protocol', async (t) => {
  const grpc = service('shop/grpc', [{ name: 'grpc', port: 50051, appProtocol: 'kubernetes.io/h2c' }, { name: 'ws', port: 8080, appProtocol: 'kubernetes.io/ws' }, { name: 'web', port: 80, appProtocol: 'http' }]);
  const plain = ingress('shop/plain', { rules: [rule('a.example.com', path('/grpc', 'Prefix', 'grpc', 'grpc'), path('/ws', 'Prefix', 'grpc', 'ws'), path('/web', 'Prefix', 'grpc', 'web'))] });
  const protocols = (annotations: Record<string, string> | undefined) => {
    const translated = translateObjects({ ingresses: [ingress('shop/plain', plain.spec!, annotations === undefined ? {} : { annotations })], services: [grpc] });
    return { protocols: translated.clusters.map(({ name, protocol }) => `${name} ${protocol}`), problems: translated.problems };
  };
  t.strictSame(protocols(undefined), { protocols: ['shop/grpc:grpc h2c', 'shop/grpc:web http1', 'shop/grpc:ws http1'], problems: [] });
  t.strictSame(protocols({ 'sluice.dev/backend-protocol': 'h2c' }), { protocols: ['shop/grpc:grpc h2c', 'shop/grpc:web h2c', 'shop/grpc:ws h2c'], problems: [] });
  t.strictSame(protocols({ 'sluice.dev/backend-protocol': 'http1' }), { protocols: ['shop/grpc:grpc http1', 'shop/grpc:web http1', 'shop/grpc:ws http1'], problems: [] });
  const ignored = (message: string) => ({
    protocols: ['shop/grpc:grpc h2c', 'shop/grpc:web http1', 'shop/grpc:ws http1'],
    problems: [{ object: 'Ingress shop/plain', field: 'metadata.annotations["sluice.dev/backend-protocol"]', message }],
  });
  t.strictSame(protocols({ 'sluice.dev/backend-protocol': 'h2' }), ignored('h2 (HTTP/2 over TLS) to backends is not supported from Kubernetes yet; use h2c or http1. The annotation is ignored'));
  t.strictSame(protocols({ 'sluice.dev/backend-protocol': 'grpc' }), ignored('expected "h2c" or "http1", found "grpc"; the annotation is ignored'));
});

t.test('two Ingresses asking one cluster for different protocols: the older one sets it', async (t) => {
  const old = ingress('shop/old', { rules: [rule('a.example.com', path('/', 'Prefix', 'web', 80))] }, { created: '2024-01-01T00:00:00Z', annotations: { 'sluice.dev/backend-protocol': 'h2c' } });
  const young = ingress('shop/young', { rules: [rule('b.example.com', path('/', 'Prefix', 'web', 80))] }, { created: '2024-02-01T00:00:00Z' });
  const translated = translateObjects({ ingresses: [young, old], services: [web] });
  t.strictSame(translated.clusters, [{ name: 'shop/web:80', protocol: 'h2c', endpoints: [] }]);
  t.strictSame(translated.routes.map((route) => route.host), ['a.example.com', 'b.example.com']);
  t.strictSame(translated.problems, [{ object: 'Ingress shop/young', field: 'spec.rules[0].http.paths[0].backend', message: 'cluster shop/web:80 speaks h2c, as the older Ingress shop/old has it; http1 is not used here' }]);
});

t.test('an Ingress without a name or with an unusable namespace is skipped and reported', async (t) => {
  const spec = { ingressClassName: 'sluice', rules: [rule(undefined, path('/', 'Prefix', 'web', 80))] };
  const translated = translateObjects({
    ingresses: [{ metadata: { namespace: 'shop' }, spec }, { metadata: { name: 'web', namespace: 'Shop' }, spec }, { spec }],
    services: [web, service('Shop/web', [{ port: 80 }])],
  });
  t.strictSame(translated.routes, []);
  t.strictSame(translated.problems, [
    { object: 'Ingress /', field: 'metadata.name', message: 'required; the Ingress is skipped' },
    { object: 'Ingress Shop/web', field: 'metadata.namespace', message: 'expected a namespace name (a DNS-1123 label), found "Shop"; the Ingress is skipped' },
    { object: 'Ingress shop/', field: 'metadata.name', message: 'required; the Ingress is skipped' },
  ]);
});
