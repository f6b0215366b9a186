// `clusters[].tls` for h2 clusters: the CA file read relative to the configuration's directory, the
// Snapshot fields it becomes, and every problem reported with its field path.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { buildSnapshot, validateConfig, type ConfigResult } from '../../src/config/index.js';
import { makeCertificate, makeCertificateAuthority } from '../helpers/certificates.js';
import { accepted, problemLines } from '../helpers/config-results.js';

const LISTENERS = [{ name: 'web', address: '127.0.0.1:0' }];

function withCluster(cluster: Record<string, unknown>, baseDir?: string): ConfigResult {
  return validateConfig({ listeners: LISTENERS, clusters: [{ name: 'api', endpoints: [{ address: '10.0.0.7:443' }], ...cluster }] }, baseDir);
}

const snapshotOf = (result: ConfigResult) => buildSnapshot(accepted(result), 1, () => 0).clusters[0]!;

t.test('no tls block: nothing in the snapshot (default CAs, the endpoint host as the name)', async (t) => {
  t.notOk('tls' in snapshotOf(withCluster({ protocol: 'h2' })));
});

t.test('every field, the CA path relative to the configuration directory', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-upstream-tls-config-'));
  const ca = makeCertificateAuthority(dir, 'ca');
  const tls = snapshotOf(withCluster({ protocol: 'h2', tls: { ca: 'ca.crt', serverName: 'api.internal', insecureSkipVerify: true } }, dir)).tls;
  t.same(tls, { caFile: ca.cert, ca: readFileSync(ca.cert, 'utf8'), serverName: 'api.internal', insecureSkipVerify: true });
  t.same(snapshotOf(withCluster({ protocol: 'h2', tls: {} })).tls, { insecureSkipVerify: false }, 'insecureSkipVerify defaults to false');
  t.same(snapshotOf(withCluster({ protocol: 'h2', tls: { ca: ca.cert } }, '/nonexistent')).tls?.caFile, ca.cert, 'an absolute path is kept');
  // A bundle of several CAs is fine.
  const other = makeCertificateAuthority(dir, 'other');
  writeFileSync(path.join(dir, 'bundle.crt'), readFileSync(ca.cert, 'utf8') + readFileSync(other.cert, 'utf8'));
  t.ok(snapshotOf(withCluster({ protocol: 'h2', tls: { ca: 'bundle.crt' } }, dir)).tls?.ca?.includes('BEGIN CERTIFICATE'));
});

t.test('problems name the field', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-upstream-tls-config-'));
  makeCertificateAuthority(dir, 'ca');
  const leaf = makeCertificate(dir, 'leaf', ['leaf.internal']);
  writeFileSync(path.join(dir, 'garbage.crt'), '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n');
  const missing = path.join(dir, 'missing.crt');
  t.same(problemLines(withCluster({ protocol: 'h2', tls: { ca: 'missing.crt' } }, dir)), [`clusters[0].tls.ca: cannot read ${missing} (ENOENT)`]);
  t.same(problemLines(withCluster({ protocol: 'h2', tls: { ca: leaf.key } }, dir)),
    [`clusters[0].tls.ca: ${leaf.key} holds no PEM certificate (expected one or more "-----BEGIN CERTIFICATE-----" blocks)`], 'a key is not a CA');
  t.same(problemLines(withCluster({ protocol: 'h2', tls: { ca: 'garbage.crt' } }, dir)),
    [`clusters[0].tls.ca: ${path.join(dir, 'garbage.crt')}: certificate 1 of 1 does not parse`]);
  t.same(problemLines(withCluster({ protocol: 'h2', tls: { serverName: '10.0.0.7' } })),
    ['clusters[0].tls.serverName: an IP address cannot be sent as SNI: give the DNS name the certificate holds, found "10.0.0.7"']);
  t.same(problemLines(withCluster({ protocol: 'h2', tls: { serverName: 'api_internal' } })),
    ['clusters[0].tls.serverName: expected a DNS name like api.internal.example, found "api_internal"']);
  t.same(problemLines(withCluster({ protocol: 'h2', tls: { insecureSkipVerify: 'yes' } })).length, 1);
  t.match(problemLines(withCluster({ protocol: 'h2', tls: { cert: 'x.crt' } }))[0], /^clusters\[0\]\.tls/, 'unknown keys are refused');
  t.same(problemLines(withCluster({ tls: {} })),
    ['clusters[0].tls: allowed only on an h2 cluster (HTTP/2 over TLS), and this one is http1 (set protocol: h2, or remove tls)'], 'not on http1 (the default)');
  t.same(problemLines(withCluster({ protocol: 'h2c', tls: { insecureSkipVerify: true } })),
    ['clusters[0].tls: allowed only on an h2 cluster (HTTP/2 over TLS), and this one is h2c (set protocol: h2, or remove tls)'], 'not on h2c');
});
