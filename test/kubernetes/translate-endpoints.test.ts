// The Kubernetes translation's clusters: endpoints from EndpointSlices (named ports, ready and
// terminating endpoints, zones, IPv6, duplicates, what is skipped) and from ExternalName Services.
import type { V1EndpointSlice, V1Service, V1ServicePort } from '@kubernetes/client-node';
import t from 'tap';
import { endpoint, endpointSlice, ingress, path, rule, service, translateObjects } from '../helpers/kubernetes-objects.js';
import type { TranslatedConfig } from '../../src/kubernetes/translate.js';

/** Translates one Ingress routing `/` to `target` at `port`, with the given Services and slices. */
function routeTo(target: string, port: number | string, services: V1Service[], endpointSlices: V1EndpointSlice[]): TranslatedConfig {
  return translateObjects({ ingresses: [ingress('shop/web', { rules: [rule(undefined, path('/', 'Prefix', target, port))] })], services, endpointSlices });
}

t.test('a multi-port Service: the slice port with the Service port\'s name gives the endpoint port', async (t) => {
  const api = service('shop/api', [{ name: 'http', port: 80, targetPort: 'web' }, { name: 'metrics', port: 9090 }]);
  const slices = [endpointSlice('shop/api-1', 'api', [{ name: 'metrics', port: 9102 }, { name: 'http', port: 8080 }], [endpoint('10.0.0.5'), endpoint('10.0.0.6')])];
  const byName = routeTo('api', 'http', [api], slices);
  t.strictSame(byName.clusters, [{ name: 'shop/api:http', protocol: 'http1', endpoints: [{ address: '10.0.0.5:8080' }, { address: '10.0.0.6:8080' }] }]);
  t.strictSame(byName.problems, []);
  const byNumber = routeTo('api', 9090, [api], slices);
  t.strictSame(byNumber.clusters, [{ name: 'shop/api:9090', protocol: 'http1', endpoints: [{ address: '10.0.0.5:9102' }, { address: '10.0.0.6:9102' }] }]);
});

t.test('an unnamed single port matches an unnamed slice port, absent or empty', async (t) => {
  const web = service('shop/web', [{ port: 80 }]);
  const slices = [
    endpointSlice('shop/web-1', 'web', [{ port: 8080 }], [endpoint('10.0.0.5')]),
    endpointSlice('shop/web-2', 'web', [{ name: '', port: 8080 }], [endpoint('10.0.0.6')]),
    // A slice whose only port is named belongs to another port of the Service (during a change): it adds nothing.
    endpointSlice('shop/web-3', 'web', [{ name: 'http', port: 8080 }], [endpoint('10.0.0.7')]),
  ];
  t.strictSame(routeTo('web', 80, [web], slices).clusters, [{ name: 'shop/web:80', protocol: 'http1', endpoints: [{ address: '10.0.0.5:8080' }, { address: '10.0.0.6:8080' }] }]);
});

t.test('ready endpoints serve (no conditions counts as ready); serving-and-terminating ones only when none is ready', async (t) => {
  const web = service('shop/web', [{ port: 80 }]);
  const terminating = [
    endpoint('10.0.0.3', { ready: false, serving: true, terminating: true }),
    endpoint('10.0.0.4', { ready: false, serving: false, terminating: true }),
    endpoint('10.0.0.5', { ready: false }),
  ];
  const withReady = [endpointSlice('shop/web-1', 'web', [{ port: 8080 }], [...terminating, endpoint('10.0.0.1'), endpoint('10.0.0.2', { ready: true, serving: true, terminating: false })])];
  t.strictSame(routeTo('web', 80, [web], withReady).clusters[0]!.endpoints, [{ address: '10.0.0.1:8080' }, { address: '10.0.0.2:8080' }]);
  // Readiness counts across all the slices of the Service.
  const readyElsewhere = [endpointSlice('shop/web-1', 'web', [{ port: 8080 }], terminating), endpointSlice('shop/web-2', 'web', [{ port: 8080 }], [endpoint('10.0.0.9')])];
  t.strictSame(routeTo('web', 80, [web], readyElsewhere).clusters[0]!.endpoints, [{ address: '10.0.0.9:8080' }]);
  const noneReady = [endpointSlice('shop/web-1', 'web', [{ port: 8080 }], terminating)];
  t.strictSame(routeTo('web', 80, [web], noneReady).clusters[0]!.endpoints, [{ address: '10.0.0.3:8080' }]);
  const nothingServes = [endpointSlice('shop/web-1', 'web', [{ port: 8080 }], terminating.slice(1))];
  t.strictSame(routeTo('web', 80, [web], nothingServes).clusters, [{ name: 'shop/web:80', protocol: 'http1', endpoints: [] }], 'still emitted: requests get 503 from the proxy');
});

t.test('zones, IPv6 in canonical form, duplicates across slices once, sorted; other Services\' slices ignored', async (t) => {
  const web = service('shop/web', [{ port: 80 }]);
  const slices = [
    endpointSlice('shop/web-v6', 'web', [{ port: 8080 }], [endpoint('fd00:0:0:0:0:0:0:5', { zone: 'zone-b' }), endpoint('fd00::4')], 'IPv6'),
    endpointSlice('shop/web-b', 'web', [{ port: 8080 }], [endpoint('10.0.0.9', { zone: 'zone-b' }), endpoint('10.0.0.10', { zone: 'zone-a' })]),
    // The same address again, as while an endpoint moves between slices.
    endpointSlice('shop/web-a', 'web', [{ port: 8080 }], [endpoint('10.0.0.9', { zone: 'zone-b' }), { addresses: ['10.0.0.11', '10.0.0.12'], zone: 'zone-a' }]),
    endpointSlice('shop/other-1', 'other', [{ port: 8080 }], [endpoint('10.9.9.9')]),
    endpointSlice('staging/web-1', 'web', [{ port: 8080 }], [endpoint('10.8.8.8')]),
  ];
  t.strictSame(routeTo('web', 80, [web], slices), {
    routes: [{ paths: [{ path: '/', pathType: 'Prefix', cluster: 'shop/web:80' }] }],
    clusters: [{
      name: 'shop/web:80',
      protocol: 'http1',
      endpoints: [
        { address: '10.0.0.10:8080', zone: 'zone-a' },
        { address: '10.0.0.11:8080', zone: 'zone-a' },
        { address: '10.0.0.12:8080', zone: 'zone-a' },
        { address: '10.0.0.9:8080', zone: 'zone-b' },
        { address: '[fd00::4]:8080' },
        { address: '[fd00::5]:8080', zone: 'zone-b' },
      ],
    }],
    certificates: [],
    problems: [],
  });
});

t.test('what a slice holds that cannot be used is reported and skipped, the rest serves', async (t) => {
  const web = service('shop/web', [{ port: 80 }]);
  const slices = [
    endpointSlice('shop/web-dns', 'web', [{ port: 8080 }], [endpoint('web.example.com')], 'FQDN'),
    endpointSlice('shop/web-odd', 'web', [{ port: 8080 }], [endpoint('10.0.0.1')], 'IPX'),
    endpointSlice('shop/web-noport', 'web', [{}], [endpoint('10.0.0.2')]),
    endpointSlice('shop/web-mixed', 'web', [{ port: 8080 }], [endpoint('fd00::1'), endpoint('10.0.0.3'), { addresses: ['10.0.0.4', 'nonsense'] }]),
    endpointSlice('shop/web-v6', 'web', [{ port: 8080 }], [endpoint('fe80::1%eth0')], 'IPv6'),
  ];
  const translated = routeTo('web', 80, [web], slices);
  t.strictSame(translated.clusters[0]!.endpoints, [{ address: '10.0.0.3:8080' }, { address: '10.0.0.4:8080' }]);
  t.strictSame(translated.problems, [
    { object: 'EndpointSlice shop/web-dns', field: 'addressType', message: 'FQDN endpoints are not supported, only IPv4 and IPv6; this slice is skipped' },
    { object: 'EndpointSlice shop/web-mixed', field: 'endpoints[0].addresses[0]', message: 'expected an IPv4 address, found "fd00::1"; this address is skipped' },
    { object: 'EndpointSlice shop/web-mixed', field: 'endpoints[2].addresses[1]', message: 'expected an IPv4 address, found "nonsense"; this address is skipped' },
    { object: 'EndpointSlice shop/web-noport', field: 'ports[0].port', message: 'expected a port number from 1 to 65535, found nothing; this slice is skipped' },
    { object: 'EndpointSlice shop/web-odd', field: 'addressType', message: 'expected IPv4 or IPv6, found "IPX"; this slice is skipped' },
    { object: 'EndpointSlice shop/web-v6', field: 'endpoints[0].addresses[0]', message: 'IPv6 zone ids (%eth0) are not supported, found "[fe80::1%eth0]:8080"; this address is skipped' },
  ]);
});

t.test('a slice read for two clusters reports its problem once', async (t) => {
  const web = service('shop/web', [{ name: 'http', port: 80 }]);
  const slices = [endpointSlice('shop/web-1', 'web', [{ name: 'http', port: 8080 }], [{ addresses: ['nonsense'] }])];
  const twoWays = ingress('shop/web', { rules: [rule(undefined, path('/a', 'Prefix', 'web', 80), path('/b', 'Prefix', 'web', 'http'))] });
  const translated = translateObjects({ ingresses: [twoWays], services: [web], endpointSlices: slices });
  t.strictSame(translated.clusters.map(({ name }) => name), ['shop/web:80', 'shop/web:http']);
  t.strictSame(translated.problems, [{ object: 'EndpointSlice shop/web-1', field: 'endpoints[0].addresses[0]', message: 'expected an IPv4 address, found "nonsense"; this address is skipped' }]);
});

t.test('an ExternalName Service: one endpoint, its name on the Service port', async (t) => {
  const external = (externalName: unknown, ports: V1ServicePort[] = [{ name: 'https', port: 443 }, { port: 8080 }]) =>
    service('shop/db', ports, { type: 'ExternalName', externalName: externalName as string });
  // Slices of an ExternalName Service (there are none normally) do not count.
  const slices = [endpointSlice('shop/db-1', 'db', [{ name: 'https', port: 443 }], [endpoint('10.0.0.1')])];
  t.strictSame(routeTo('db', 'https', [external('DB.Example.com.')], slices).clusters, [{ name: 'shop/db:https', protocol: 'http1', endpoints: [{ address: 'db.example.com:443' }] }]);
  t.strictSame(routeTo('db', 8080, [external('10.1.2.3')], []).clusters, [{ name: 'shop/db:8080', protocol: 'http1', endpoints: [{ address: '10.1.2.3:8080' }] }]);
  t.strictSame(routeTo('db', 8080, [external('fd00::0:7')], []).clusters, [{ name: 'shop/db:8080', protocol: 'http1', endpoints: [{ address: '[fd00::7]:8080' }] }]);
  // With no ports listed, the Ingress's number is the port (as in ingress-nginx); a name cannot be.
  t.strictSame(routeTo('db', 5432, [external('db.example.com', [])], []).clusters, [{ name: 'shop/db:5432', protocol: 'http1', endpoints: [{ address: 'db.example.com:5432' }] }]);
  t.strictSame(routeTo('db', 'pg', [external('db.example.com', [])], []).problems, [
    { object: 'Ingress shop/web', field: 'spec.rules[0].http.paths[0].backend.service.port.name', message: 'Service shop/db has no port "pg" (it has none); left out (ingress-nginx would answer 503)' },
  ]);
  const invalid = routeTo('db', 8080, [external('not a name')], []);
  t.strictSame(invalid.clusters, [{ name: 'shop/db:8080', protocol: 'http1', endpoints: [] }]);
  t.strictSame(invalid.problems, [{ object: 'Service shop/db', field: 'spec.externalName', message: 'expected a DNS name like db.example.com, found "not a name"; the cluster has no endpoints' }]);
  t.strictSame(routeTo('db', 8080, [external(undefined)], []).problems, [{ object: 'Service shop/db', field: 'spec.externalName', message: 'expected a DNS name like db.example.com, found nothing; the cluster has no endpoints' }]);
});
