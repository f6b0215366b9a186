// TLS on https listeners and redirectToHttps on routes: certificate files resolved against the
// configuration's directory and read, names taken from the certificate, and every problem with its path.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { loadConfigFile, parseConfig, validateConfig, type ConfigResult } from '../../src/config/index.js';
import { makeCertificate } from '../helpers/certificates.js';
import { accepted, problemLines } from '../helpers/config-results.js';


/** One https listener with the given tls block (and optional routes), validated against `baseDir`. */
function https(tls: unknown, baseDir: string, extra: Record<string, unknown> = {}): ConfigResult {
  return validateConfig({ listeners: [{ name: 'websecure', address: '127.0.0.1:0', protocol: 'https', tls }], ...extra }, baseDir);
}

t.test('an https listener gets its certificates read, with absolute paths, PEM text and names', async (t) => {
  const dir = t.testdir();
  const shop = makeCertificate(dir, 'shop', ['Shop.Example.com', '*.B.example']);
  const config = accepted(https({ certificates: [{ cert: 'shop.crt', key: 'shop.key' }] }, dir));
  t.same(config.listeners[0], {
    name: 'websecure',
    address: '127.0.0.1:0',
    host: '127.0.0.1',
    port: 0,
    protocol: 'https',
    timeouts: { idle: 60_000, headers: 10_000 },
    maxHeaderBytes: 16_384,
    tls: {
      certificates: [{ certFile: shop.cert, keyFile: shop.key, cert: readFileSync(shop.cert, 'utf8'), key: readFileSync(shop.key, 'utf8'), names: ['shop.example.com', '*.b.example'] }],
      minVersion: 'TLSv1.2',
      alpn: ['h2', 'http/1.1'],
    },
    http2: { enabled: true, maxConcurrentStreams: 100, maxHeaderListSize: 16_384, maxResetsPerSecond: 200, codec: 'sluice' },
  });
  t.notOk('defaultCertificate' in config.listeners[0]!.tls!, 'no default configured, none invented here');
  t.match(config.listeners[0]!.tls!.certificates[0]!.cert, /^-----BEGIN CERTIFICATE-----\n/);
});

t.test('names come from the CN when there is no subjectAltName DNS entry', async (t) => {
  const dir = t.testdir();
  makeCertificate(dir, 'legacy', [], { commonName: 'Legacy.Example.org' });
  const config = accepted(https({ certificates: [{ cert: 'legacy.crt', key: 'legacy.key' }] }, dir));
  t.same(config.listeners[0]!.tls!.certificates[0]!.names, ['legacy.example.org']);
});

t.test('minVersion is TLSv1.2 or TLSv1.3', async (t) => {
  const dir = t.testdir();
  makeCertificate(dir, 'a', ['a.example']);
  const certificates = [{ cert: 'a.crt', key: 'a.key' }];
  t.equal(accepted(https({ certificates }, dir)).listeners[0]!.tls!.minVersion, 'TLSv1.2');
  t.equal(accepted(https({ certificates, minVersion: 'TLSv1.2' }, dir)).listeners[0]!.tls!.minVersion, 'TLSv1.2');
  t.equal(accepted(https({ certificates, minVersion: 'TLSv1.3' }, dir)).listeners[0]!.tls!.minVersion, 'TLSv1.3');
  t.same(problemLines(https({ certificates, minVersion: 'TLSv1.1' }, dir)), ['listeners[0].tls.minVersion: expected one of "TLSv1.2", "TLSv1.3", found "TLSv1.1"']);
});

t.test('a configured default certificate is read and checked like the others', async (t) => {
  const dir = t.testdir();
  const a = makeCertificate(dir, 'a', ['a.example']);
  const fallback = makeCertificate(dir, 'fallback', ['fallback.example']);
  const config = accepted(https({ certificates: [{ cert: 'a.crt', key: 'a.key' }], defaultCertificate: { cert: 'fallback.crt', key: 'fallback.key' } }, dir));
  t.match(config.listeners[0]!.tls!.certificates, [{ certFile: a.cert }]);
  t.equal(config.listeners[0]!.tls!.certificates.length, 1);
  t.match(config.listeners[0]!.tls!.defaultCertificate, { certFile: fallback.cert });
  t.same(config.listeners[0]!.tls!.defaultCertificate!.names, ['fallback.example']);
  t.same(problemLines(https({ certificates: [{ cert: 'a.crt', key: 'a.key' }], defaultCertificate: { cert: 'fallback.crt', key: 'gone.key' } }, dir)), [
    `listeners[0].tls.defaultCertificate.key: cannot read ${join(dir, 'gone.key')} (ENOENT)`,
  ]);
});

t.test('relative paths are resolved against the configuration file directory; absolute paths are kept', async (t) => {
  const dir = t.testdir();
  mkdirSync(join(dir, 'conf', 'certs'), { recursive: true });
  const relative = makeCertificate(join(dir, 'conf', 'certs'), 'shop', ['shop.example.com']);
  const absolute = makeCertificate(dir, 'other', ['other.example.com']);
  const yaml = `
listeners:
  - name: websecure
    address: 127.0.0.1:0
    protocol: https
    tls:
      certificates:
        - { cert: certs/shop.crt, key: certs/shop.key }
        - { cert: ${absolute.cert}, key: ${absolute.key} }
`;
  const file = join(dir, 'conf', 'sluice.yaml');
  writeFileSync(file, yaml);
  const fromFile = accepted(await loadConfigFile(file));
  t.match(fromFile.listeners[0]!.tls!.certificates, [{ certFile: relative.cert, keyFile: relative.key }, { certFile: absolute.cert, keyFile: absolute.key }]);
  t.equal(fromFile.listeners[0]!.tls!.certificates.length, 2);
  t.same(parseConfig(yaml, join(dir, 'conf')), { ok: true, config: fromFile }, 'parseConfig takes the same base directory');
  t.same(problemLines(parseConfig(yaml, dir)), [
    `listeners[0].tls.certificates[0].cert: cannot read ${join(dir, 'certs', 'shop.crt')} (ENOENT)`,
    `listeners[0].tls.certificates[0].key: cannot read ${join(dir, 'certs', 'shop.key')} (ENOENT)`,
  ]);
});

t.test('unreadable, malformed, mismatched and nameless certificates are problems with their paths', async (t) => {
  const dir = t.testdir();
  const a = makeCertificate(dir, 'a', ['a.example']);
  const b = makeCertificate(dir, 'b', ['b.example']);
  makeCertificate(dir, 'anonymous', []);
  writeFileSync(join(dir, 'garbage.pem'), 'not a PEM file\n');
  execFileSync('openssl', ['pkey', '-in', a.key, '-aes256', '-passout', 'pass:secret', '-out', join(dir, 'encrypted.key')], { stdio: 'pipe', timeout: 10_000 });
  const cases: Array<[string, unknown, string[]]> = [
    ['missing cert', { cert: 'missing.crt', key: 'a.key' }, [`listeners[0].tls.certificates[0].cert: cannot read ${join(dir, 'missing.crt')} (ENOENT)`]],
    ['directory as key', { cert: 'a.crt', key: '.' }, [`listeners[0].tls.certificates[0].key: cannot read ${dir} (EISDIR)`]],
    ['mismatched pair', { cert: 'a.crt', key: 'b.key' }, ['listeners[0].tls.certificates[0]: certificate and key do not match']],
    ['garbage certificate', { cert: 'garbage.pem', key: 'a.key' }, [`listeners[0].tls.certificates[0].cert: ${join(dir, 'garbage.pem')} is not a PEM certificate`]],
    ['garbage key', { cert: 'a.crt', key: 'garbage.pem' }, [`listeners[0].tls.certificates[0].key: ${join(dir, 'garbage.pem')} is not a PEM private key`]],
    ['certificate given as key', { cert: 'a.crt', key: 'a.crt' }, [`listeners[0].tls.certificates[0].key: ${a.cert} is not a PEM private key`]],
    ['key given as certificate', { cert: 'a.key', key: 'a.key' }, [`listeners[0].tls.certificates[0].cert: ${a.key} is not a PEM certificate`]],
    ['encrypted key', { cert: 'a.crt', key: 'encrypted.key' }, [`listeners[0].tls.certificates[0].key: ${join(dir, 'encrypted.key')} is an encrypted private key; Sluice needs it without a passphrase`]],
    ['no names', { cert: 'anonymous.crt', key: 'anonymous.key' }, ['listeners[0].tls.certificates[0].cert: the certificate has no DNS names (no subjectAltName DNS entry and no CN)']],
    ['empty path', { cert: '', key: 'a.key' }, ['listeners[0].tls.certificates[0].cert: must not be empty']],
    ['missing key field', { cert: 'a.crt' }, ['listeners[0].tls.certificates[0].key: required field is missing']],
  ];
  for (const [name, pair, lines] of cases) t.same(problemLines(https({ certificates: [pair] }, dir)), lines, name);
  t.same(
    problemLines(https({ certificates: [{ cert: 'b.crt', key: 'b.key' }, { cert: 'missing.crt', key: 'missing.key' }] }, dir)),
    [`listeners[0].tls.certificates[1].cert: cannot read ${join(dir, 'missing.crt')} (ENOENT)`, `listeners[0].tls.certificates[1].key: cannot read ${join(dir, 'missing.key')} (ENOENT)`],
    'the index of the faulty entry is named',
  );
  t.ok(https({ certificates: [{ cert: b.cert, key: b.key }] }, '/nonexistent').ok, 'absolute paths ignore the base directory');
});

t.test('tls belongs exactly to https listeners', async (t) => {
  const dir = t.testdir();
  makeCertificate(dir, 'a', ['a.example']);
  const tls = { certificates: [{ cert: 'a.crt', key: 'a.key' }] };
  const lines = (listeners: unknown[]): string[] => problemLines(validateConfig({ listeners }, dir));
  t.same(lines([{ name: 'web', address: '127.0.0.1:0' }, { name: 'websecure', address: '127.0.0.1:0', protocol: 'https' }]), [
    'listeners[1].tls: required for an https listener: a tls mapping with at least one certificate',
  ]);
  t.same(lines([{ name: 'web', address: '127.0.0.1:0', tls }]), ['listeners[0].tls: allowed only on an https listener, and this one is http (set protocol: https, or remove tls)']);
  t.same(lines([{ name: 'web', address: '127.0.0.1:0', protocol: 'http', tls }]), ['listeners[0].tls: allowed only on an https listener, and this one is http (set protocol: https, or remove tls)']);
  t.same(lines([{ name: 'websecure', address: '127.0.0.1:0', protocol: 'https', tls: { certificates: [] } }]), [
    'listeners[0].tls.certificates: an https listener needs at least one certificate, found an empty list',
  ]);
  t.same(lines([{ name: 'websecure', address: '127.0.0.1:0', protocol: 'https', tls: { certificates: [{ cert: 'a.crt', key: 'a.key' }], ciphers: 'HIGH' } }]), [
    'listeners[0].tls.ciphers: unknown field "ciphers"; expected one of: certificates, defaultCertificate, minVersion, alpn',
  ]);
  t.same(lines([{ name: 'websecure', address: '127.0.0.1:0', protocol: 'https', tls: { certificates: [{ cert: 'a.crt', kye: 'a.key' }] } }]), [
    'listeners[0].tls.certificates[0].key: required field is missing',
    'listeners[0].tls.certificates[0].kye: unknown field "kye"; did you mean "key"?',
  ]);
  t.same(lines([{ name: 'web', address: '127.0.0.1:0', protocol: 'tcp' }]), ['listeners[0].protocol: expected "http" or "https" (tcp and tls-passthrough are planned), found "tcp"']);
});

t.test('redirectToHttps defaults to false and needs an https listener', async (t) => {
  const dir = t.testdir();
  makeCertificate(dir, 'a', ['a.example']);
  const paths = [{ path: '/', pathType: 'Prefix', cluster: 'web' }];
  const clusters = [{ name: 'web', endpoints: [] }];
  const web = { name: 'web', address: '127.0.0.1:0' };
  const websecure = { name: 'websecure', address: '127.0.0.1:0', protocol: 'https', tls: { certificates: [{ cert: 'a.crt', key: 'a.key' }] } };
  const routes = [{ host: 'a.example', paths }, { host: 'shop.example', redirectToHttps: true, paths }];

  const config = accepted(validateConfig({ listeners: [web, websecure], routes, clusters }, dir));
  t.same(config.routes.map(({ redirectToHttps }) => redirectToHttps), [false, true]);
  t.same(problemLines(validateConfig({ listeners: [web], routes, clusters }, dir)), [
    'routes[1].redirectToHttps: needs an https listener to redirect to, and no listener has protocol: https',
  ]);
  t.ok(validateConfig({ listeners: [web], routes: [{ paths, redirectToHttps: false }], clusters }, dir).ok, 'false needs nothing');
  t.same(problemLines(validateConfig({ listeners: [web, websecure], routes: [{ paths, redirectToHttps: 'yes' }], clusters }, dir)), [
    'routes[0].redirectToHttps: expected true or false, found "yes"',
  ]);
});
