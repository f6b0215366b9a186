// The Kubernetes translation's TLS: certificates from the kubernetes.io/tls Secrets Ingresses name
// (checked as configured certificate files are), and the redirect to https on TLS hosts.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { makeCertificate } from '../helpers/certificates.js';
import { ingress, path, rule, service, tlsSecret, translateObjects } from '../helpers/kubernetes-objects.js';

const web = service('shop/web', [{ port: 80 }]);

function pem(dir: string, name: string, dnsNames: string[]): { cert: string; key: string } {
  const files = makeCertificate(dir, name, dnsNames);
  return { cert: readFileSync(files.cert, 'utf8'), key: readFileSync(files.key, 'utf8') };
}

t.test('a TLS Secret gives a certificate; the TLS hosts\' routes redirect to https, the others do not', async (t) => {
  const shop = pem(t.testdir(), 'shop', ['shop.example.com', '*.shop.example.com']);
  const withTls = ingress('shop/web', {
    tls: [{ hosts: ['shop.example.com', '*.shop.example.com'], secretName: 'shop-tls' }],
    rules: [rule('shop.example.com', path('/', 'Prefix', 'web', 80)), rule('*.shop.example.com', path('/', 'Prefix', 'web', 80)), rule('plain.example.com', path('/', 'Prefix', 'web', 80)), rule(undefined, path('/', 'Prefix', 'web', 80))],
  });
  const translated = translateObjects({ ingresses: [withTls], services: [web], secrets: [tlsSecret('shop/shop-tls', shop)] });
  const paths = [{ path: '/', pathType: 'Prefix', cluster: 'shop/web:80' }];
  t.strictSame(translated, {
    routes: [
      { paths },
      { host: '*.shop.example.com', redirectToHttps: true, paths },
      { host: 'plain.example.com', paths },
      { host: 'shop.example.com', redirectToHttps: true, paths },
    ],
    clusters: [{ name: 'shop/web:80', protocol: 'http1', endpoints: [] }],
    certificates: [{ secret: 'shop/shop-tls', cert: shop.cert, key: shop.key, names: ['shop.example.com', '*.shop.example.com'] }],
    problems: [],
  });
});

t.test('sluice.dev/ssl-redirect: "false" keeps plain HTTP; anything but true or false is reported', async (t) => {
  const shop = pem(t.testdir(), 'shop', ['shop.example.com']);
  const redirect = (annotations: Record<string, string>) => {
    const spec = { tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }], rules: [rule('shop.example.com', path('/', 'Prefix', 'web', 80))] };
    const translated = translateObjects({ ingresses: [ingress('shop/web', spec, { annotations })], services: [web], secrets: [tlsSecret('shop/shop-tls', shop)] });
    return { redirectToHttps: translated.routes[0]!.redirectToHttps, problems: translated.problems, certificates: translated.certificates.length };
  };
  t.strictSame(redirect({}), { redirectToHttps: true, problems: [], certificates: 1 });
  t.strictSame(redirect({ 'sluice.dev/ssl-redirect': 'true' }), { redirectToHttps: true, problems: [], certificates: 1 });
  t.strictSame(redirect({ 'sluice.dev/ssl-redirect': 'false' }), { redirectToHttps: undefined, problems: [], certificates: 1 }, 'the certificate still serves https');
  t.strictSame(redirect({ 'sluice.dev/ssl-redirect': 'no' }), {
    redirectToHttps: true,
    problems: [{ object: 'Ingress shop/web', field: 'metadata.annotations["sluice.dev/ssl-redirect"]', message: 'expected "true" or "false", found "no"; redirecting, the default' }],
    certificates: 1,
  });
});

t.test('a host with TLS redirects in every Ingress routing it (as in ingress-nginx), unless that Ingress opts out', async (t) => {
  const shop = pem(t.testdir(), 'shop', ['shop.example.com']);
  const tlsOwner = ingress('shop/tls', { tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }], rules: [rule('shop.example.com', path('/', 'Prefix', 'web', 80))] });
  const other = ingress('shop/other', { rules: [rule('shop.example.com', path('/other', 'Prefix', 'web', 80))] });
  const optOut = ingress('shop/opt-out', { rules: [rule('shop.example.com', path('/plain', 'Prefix', 'web', 80))] }, { annotations: { 'sluice.dev/ssl-redirect': 'false' } });
  const translated = translateObjects({ ingresses: [tlsOwner, other, optOut], services: [web], secrets: [tlsSecret('shop/shop-tls', shop)] });
  t.strictSame(translated.routes.map((route) => [route.paths[0]!.path, route.redirectToHttps]), [['/', true], ['/other', true], ['/plain', undefined]]);
});

t.test('a TLS entry without secretName: its hosts redirect, the listener\'s certificates serve them', async (t) => {
  const translated = translateObjects({ ingresses: [ingress('shop/web', { tls: [{ hosts: ['shop.example.com'] }], rules: [rule('shop.example.com', path('/', 'Prefix', 'web', 80))] })], services: [web] });
  t.equal(translated.routes[0]!.redirectToHttps, true);
  t.strictSame(translated.certificates, []);
  t.strictSame(translated.problems, []);
});

t.test('certificates are listed once per Secret, sorted, whichever Ingresses name them', async (t) => {
  const dir = t.testdir();
  const a = pem(dir, 'a', ['a.example.com']);
  const b = pem(dir, 'b', ['b.example.com']);
  const ingresses = [
    ingress('shop/one', { tls: [{ hosts: ['b.example.com'], secretName: 'b-tls' }, { hosts: ['a.example.com'], secretName: 'a-tls' }] }),
    ingress('shop/two', { tls: [{ hosts: ['a.example.com'], secretName: 'a-tls' }] }),
    // Another namespace's Secret of the same name is another certificate.
    ingress('other/three', { tls: [{ hosts: ['a.example.com'], secretName: 'a-tls' }] }),
  ];
  const secrets = [tlsSecret('shop/b-tls', b), tlsSecret('shop/a-tls', a), tlsSecret('other/a-tls', b)];
  const translated = translateObjects({ ingresses, secrets });
  t.strictSame(translated.certificates, [
    { secret: 'other/a-tls', ...b, names: ['b.example.com'] }, { secret: 'shop/a-tls', ...a, names: ['a.example.com'] }, { secret: 'shop/b-tls', ...b, names: ['b.example.com'] },
  ]);
  t.strictSame(translated.problems, []);
});

t.test('a Secret that cannot serve is reported against spec.tls[i].secretName; the other TLS entries still serve', async (t) => {
  const dir = t.testdir();
  const a = pem(dir, 'a', ['a.example.com']);
  const b = pem(dir, 'b', ['b.example.com']);
  const anonymous = pem(dir, 'anonymous', []);
  const secrets = [
    tlsSecret('shop/good', a),
    tlsSecret('shop/opaque', a, 'Opaque'),
    { metadata: { namespace: 'shop', name: 'untyped' }, data: {} },
    tlsSecret('shop/no-key', { cert: a.cert }),
    tlsSecret('shop/empty', {}),
    tlsSecret('shop/garbage', { cert: 'not a certificate', key: 'not a key' }),
    tlsSecret('shop/mismatched', { cert: a.cert, key: b.key }),
    tlsSecret('shop/swapped', { cert: a.key, key: a.cert }),
    tlsSecret('shop/anonymous', anonymous),
  ];
  const names = ['good', 'gone', 'opaque', 'untyped', 'no-key', 'empty', 'garbage', 'mismatched', 'swapped', 'anonymous'];
  const translated = translateObjects({ ingresses: [ingress('shop/web', { tls: names.map((secretName) => ({ hosts: ['a.example.com'], secretName })) })], secrets });
  t.strictSame(translated.certificates, [{ secret: 'shop/good', ...a, names: ['a.example.com'] }]);
  const at = (index: number, message: string) => ({ object: 'Ingress shop/web', field: `spec.tls[${index}].secretName`, message });
  t.strictSame(translated.problems, [
    at(1, 'no Secret shop/gone'),
    at(2, 'Secret shop/opaque has type "Opaque", expected "kubernetes.io/tls"'),
    at(3, 'Secret shop/untyped has no type, expected "kubernetes.io/tls"'),
    at(4, 'Secret shop/no-key has no data["tls.key"]'),
    at(5, 'Secret shop/empty has no data["tls.crt"]'),
    at(5, 'Secret shop/empty has no data["tls.key"]'),
    at(6, 'Secret shop/garbage: data["tls.crt"] is not a PEM certificate'),
    at(6, 'Secret shop/garbage: data["tls.key"] is not a PEM private key'),
    at(7, 'Secret shop/mismatched: certificate and key do not match'),
    at(8, 'Secret shop/swapped: data["tls.crt"] is not a PEM certificate'),
    at(8, 'Secret shop/swapped: data["tls.key"] is not a PEM private key'),
    at(9, 'Secret shop/anonymous: the certificate has no DNS names (no subjectAltName DNS entry and no CN)'),
  ]);
});
