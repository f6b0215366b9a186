// Per-cluster upstream TLS for h2 clusters against real node:http2 TLS endpoints: a certificate signed
// by a test CA works with `ca` and fails (502 upstream_connect_failed) without it or under another
// name; `serverName` is the SNI the endpoint sees; `insecureSkipVerify` takes a self-signed
// certificate; health checks verify the same way; replacing the CA file is picked up.
import t from 'tap';
import http from 'node:http';
import http2 from 'node:http2';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { adminJson, eventually } from '../helpers/admin.js';
import { makeCertificate, makeCertificateAuthority, type CertificateFiles } from '../helpers/certificates.js';
import { startSluice } from '../helpers/sluice-process.js';

interface TlsBackend { readonly address: string; readonly serverNames: (string | false | null)[] }

/** A node:http2 TLS server answering 200 with its name; it records the SNI of every connection. */
async function startTlsBackend(t: { teardown(fn: () => unknown): void }, name: string, certificate: CertificateFiles): Promise<TlsBackend> {
  const serverNames: (string | false | null)[] = [];
  const sessions = new Set<http2.ServerHttp2Session>();
  const server = http2.createSecureServer({ cert: readFileSync(certificate.cert), key: readFileSync(certificate.key), allowHTTP1: false });
  server.on('secureConnection', (socket: TLSSocket) => serverNames.push(socket.servername));
  server.on('session', (session) => { sessions.add(session); session.on('close', () => sessions.delete(session)); });
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200 });
    stream.end(name);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => { server.close(() => resolve()); for (const session of sessions) session.destroy(); }));
  return { address: `127.0.0.1:${(server.address() as AddressInfo).port}`, serverNames };
}

function get(address: string, pathname: string): Promise<{ status: number; error: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(`http://${address}${pathname}`, { agent: false, timeout: 20_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (text: string) => { body += text; });
      res.on('end', () => resolve({ status: res.statusCode!, error: res.headers['x-sluice-error'] as string | undefined, body }));
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
  });
}

t.test('h2 clusters: ca, serverName, insecureSkipVerify, health checks and a CA file swap', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-upstream-tls-'));
  const ca = makeCertificateAuthority(dir, 'private-ca');
  const otherCa = makeCertificateAuthority(dir, 'other-ca');
  const signed = await startTlsBackend(t, 'signed', makeCertificate(dir, 'api', ['api.internal'], { issuer: ca }));
  const selfSigned = await startTlsBackend(t, 'self-signed', makeCertificate(dir, 'self', ['self.internal']));
  // The CA file the `rotating` cluster trusts starts as the wrong CA.
  const rotatingCa = path.join(dir, 'rotating-ca.crt');
  copyFileSync(otherCa.cert, rotatingCa);

  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0", protocol: http }]
routes:
  - paths:
      - { path: /trusted, pathType: Prefix, cluster: trusted }
      - { path: /untrusted, pathType: Prefix, cluster: untrusted }
      - { path: /wrong-name, pathType: Prefix, cluster: wrongName }
      - { path: /insecure, pathType: Prefix, cluster: insecure }
      - { path: /self-signed, pathType: Prefix, cluster: selfSigned }
      - { path: /checked, pathType: Prefix, cluster: checked }
      - { path: /checked-untrusted, pathType: Prefix, cluster: checkedUntrusted }
      - { path: /rotating, pathType: Prefix, cluster: rotating }
clusters:
  - { name: trusted, protocol: h2, tls: { ca: "${ca.cert}", serverName: api.internal }, endpoints: [{ address: "${signed.address}" }] }
  - { name: untrusted, protocol: h2, endpoints: [{ address: "${signed.address}" }] }
  - { name: wrongName, protocol: h2, tls: { ca: "${ca.cert}", serverName: other.internal }, endpoints: [{ address: "${signed.address}" }] }
  - { name: insecure, protocol: h2, tls: { insecureSkipVerify: true }, endpoints: [{ address: "${selfSigned.address}" }] }
  - { name: selfSigned, protocol: h2, tls: { serverName: self.internal }, endpoints: [{ address: "${selfSigned.address}" }] }
  - name: checked
    protocol: h2
    tls: { ca: "${ca.cert}", serverName: api.internal }
    healthCheck: { path: /health, interval: 200ms, timeout: 5s, healthyThreshold: 1, unhealthyThreshold: 1 }
    endpoints: [{ address: "${signed.address}" }]
  - name: checkedUntrusted
    protocol: h2
    tls: { serverName: api.internal }
    healthCheck: { path: /health, interval: 200ms, timeout: 5s, healthyThreshold: 1, unhealthyThreshold: 1 }
    endpoints: [{ address: "${signed.address}" }]
  - { name: rotating, protocol: h2, tls: { ca: "${rotatingCa}", serverName: api.internal }, endpoints: [{ address: "${signed.address}" }] }
`);
  const web = sluice.listeners.web!;

  t.same(await get(web, '/trusted'), { status: 200, error: undefined, body: 'signed' }, 'the test CA verifies the endpoint');
  t.ok(signed.serverNames.includes('api.internal'), 'serverName is sent as SNI');
  const untrusted = await get(web, '/untrusted');
  t.same([untrusted.status, untrusted.error], [502, 'upstream_connect_failed'], 'without ca: the system CAs reject it');
  const wrongName = await get(web, '/wrong-name');
  t.same([wrongName.status, wrongName.error], [502, 'upstream_connect_failed'], 'serverName is the name verified');
  t.same(await get(web, '/insecure'), { status: 200, error: undefined, body: 'self-signed' }, 'insecureSkipVerify takes a self-signed certificate');
  const selfSignedRejected = await get(web, '/self-signed');
  t.same([selfSignedRejected.status, selfSignedRejected.error], [502, 'upstream_connect_failed'], 'the same certificate is rejected when verified');

  const healthOf = async (cluster: string) =>
    (await adminJson<{ cluster: string; health: string }[]>(sluice.admin, '/endpoints')).find((endpoint) => endpoint.cluster === cluster)!.health;
  await eventually(async () => (await healthOf('checked')) === 'healthy', 20_000, 'the health check with the CA to pass');
  t.pass('the health check verifies with the cluster CA');
  await eventually(async () => (await healthOf('checkedUntrusted')) === 'unhealthy', 20_000, 'the health check without the CA to fail');
  t.pass('a health check without the CA fails (the certificate does not verify)');

  const before = await get(web, '/rotating');
  t.same([before.status, before.error], [502, 'upstream_connect_failed'], 'the wrong CA in the file');
  copyFileSync(ca.cert, rotatingCa);
  await eventually(async () => (await get(web, '/rotating')).status === 200, 20_000, 'the replaced CA file to be picked up');
  t.pass('replacing the CA file is picked up without a restart');
  t.equal(await sluice.stop(), 0);
});
