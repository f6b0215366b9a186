// TLS termination end to end: SNI picks among three certificates (one a wildcard), unknown or absent
// SNI gets the default, HTTPS requests reach the endpoint with X-Forwarded-Proto https, plain HTTP is
// redirected where asked, and certificate files swapped on disk are picked up without a failed
// request, while a bad pair is refused and the old certificate keeps serving.
import t from 'tap';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { request } from 'undici';
import { adminJson, eventually } from '../helpers/admin.js';
import { startBackend } from '../helpers/backend.js';
import { makeCertificate, type CertificateFiles } from '../helpers/certificates.js';
import { splitAddress } from '../helpers/raw-http.js';
import { startSluice } from '../helpers/sluice-process.js';

const fingerprint = (files: CertificateFiles) => new X509Certificate(readFileSync(files.cert)).fingerprint256;

/** The fingerprint of the certificate Sluice presents for `servername` (undefined: no SNI). */
function presented(address: string, servername: string | undefined): Promise<string> {
  const [host, port] = splitAddress(address);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host, port, servername, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.destroy();
    });
    socket.on('error', reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error('handshake timed out')));
  });
}

/** An HTTPS GET through Sluice, trusting `ca`, with SNI and Host `servername`. */
function httpsGet(address: string, servername: string, ca: string, pathname = '/'): Promise<{ status: number; body: string }> {
  const [host, port] = splitAddress(address);
  return new Promise((resolve, reject) => {
    const req = https.request({ host, port, servername, ca, path: pathname, headers: { host: servername }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
    req.end();
  });
}

t.test('https listeners: SNI, default certificate, forwarding, redirect, certificate reload', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-tls-'));
  const shop = makeCertificate(dir, 'shop', ['shop.example.com']);
  const wild = makeCertificate(dir, 'wild', ['*.example.com']);
  const other = makeCertificate(dir, 'other', ['api.other.test']);
  const fallback = makeCertificate(dir, 'fallback', ['fallback.test']);
  const backend = await startBackend(t, 'secure', (req, res) => {
    req.resume();
    res.end(JSON.stringify({ proto: req.headers['x-forwarded-proto'], port: req.headers['x-forwarded-port'], host: req.headers.host }));
  });
  const sluice = await startSluice(t, `
listeners:
  - { name: web, address: "127.0.0.1:0", protocol: http }
  - name: websecure
    address: "127.0.0.1:0"
    protocol: https
    tls:
      certificates:
        - { cert: "${shop.cert}", key: "${shop.key}" }
        - { cert: "${wild.cert}", key: "${wild.key}" }
        - { cert: "${other.cert}", key: "${other.key}" }
      defaultCertificate: { cert: "${fallback.cert}", key: "${fallback.key}" }
routes:
  - host: shop.example.com
    redirectToHttps: true
    paths: [{ path: /, pathType: Prefix, cluster: app }]
  - paths: [{ path: /, pathType: Prefix, cluster: app }]
clusters: [{ name: app, endpoints: [{ address: "${backend.address}" }] }]
`);
  const secure = sluice.listeners.websecure!;
  const securePort = secure.split(':')[1];

  const expectations: [servername: string | undefined, files: CertificateFiles, why: string][] = [
    ['shop.example.com', shop, 'exact name'],
    ['SHOP.Example.com', shop, 'names are case-insensitive'],
    ['blog.example.com', wild, 'one-label wildcard'],
    ['a.b.example.com', fallback, 'a wildcard covers exactly one label'],
    ['api.other.test', other, 'third certificate'],
    ['unknown.test', fallback, 'unknown SNI → default'],
    [undefined, fallback, 'no SNI → default'],
  ];
  for (const [servername, files, why] of expectations) {
    t.equal(await presented(secure, servername), fingerprint(files), `${servername ?? '(no SNI)'}: ${why}`);
  }

  const ok = await httpsGet(secure, 'shop.example.com', readFileSync(shop.cert, 'utf8'), '/cart');
  t.equal(ok.status, 200, 'a verified HTTPS request is proxied');
  t.same(JSON.parse(ok.body), { proto: 'https', port: securePort, host: 'shop.example.com' });

  const redirect = await request(sluice.url('/cart?id=7', 'web'), { headers: { host: 'shop.example.com:8080' } });
  await redirect.body.dump();
  t.equal(redirect.statusCode, 308, 'plain HTTP on a redirectToHttps route → 308');
  t.equal(redirect.headers.location, `https://shop.example.com:${securePort}/cart?id=7`);
  const plain = await request(sluice.url('/', 'web'), { headers: { host: 'other.test' } });
  t.equal(plain.statusCode, 200, 'routes without redirectToHttps are served over HTTP');
  await plain.body.dump();

  // Swap the shop certificate on disk (as cert-manager would) under continuous HTTPS load.
  const renewed = makeCertificate(dir, 'renewed', ['shop.example.com']);
  const versionBefore = (await adminJson<{ version: number }>(sluice.admin, '/config')).version;
  let loading = true;
  const failures: string[] = [];
  let served = 0;
  const load = (async () => {
    const ca = `${readFileSync(shop.cert, 'utf8')}\n${readFileSync(renewed.cert, 'utf8')}`;
    while (loading) {
      try {
        const response = await httpsGet(secure, 'shop.example.com', ca);
        if (response.status === 200) served++;
        else failures.push(`status ${response.status}`);
      } catch (error) {
        failures.push(String(error));
      }
    }
  })();
  copyFileSync(renewed.key, shop.key);
  copyFileSync(renewed.cert, shop.cert);
  await eventually(async () => (await presented(secure, 'shop.example.com')) === fingerprint(renewed), 20_000, 'the renewed certificate');
  loading = false;
  await load;
  t.same(failures, [], 'no request failed while the certificate changed');
  t.ok(served > 0, `${served} HTTPS requests during the swap`);
  const versionAfter = (await adminJson<{ version: number }>(sluice.admin, '/config')).version;
  t.ok(versionAfter > versionBefore, 'the swap was a new snapshot version');

  // A key that does not match its certificate is refused; the renewed certificate keeps serving.
  copyFileSync(other.key, shop.key);
  await eventually(async () => (await adminJson<{ lastReloadError: unknown }>(sluice.admin, '/config')).lastReloadError !== null,
    20_000, 'the bad pair to be reported');
  const configText = JSON.stringify(await adminJson(sluice.admin, '/config'));
  t.notOk(configText.includes('PRIVATE KEY'), '/config never shows key material');
  const config = JSON.parse(configText) as { lastReloadError: { message: string }; version: number };
  t.match(config.lastReloadError.message, /listeners\[1\]\.tls\.certificates\[0\]/, 'the error names the field');
  t.equal(config.version, versionAfter, 'no new version was published');
  t.equal(await presented(secure, 'shop.example.com'), fingerprint(renewed), 'the last good certificate still serves');
  t.equal(await sluice.stop(), 0);
});
