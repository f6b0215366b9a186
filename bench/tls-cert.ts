// Writes the h2 suite's self-signed certificate (ECDSA P-256, CN and SAN 127.0.0.1) into the bench's
// temp directory with /usr/bin/openssl; the runner removes it with the directory.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { commandOnPath } from './processes.js';
import type { CertificatePaths } from './target.js';

const OPENSSL_TIMEOUT_MS = 10_000;

export function opensslUnavailable(): string | undefined {
  return commandOnPath('openssl') === undefined ? 'openssl is not on PATH: it needs `apt-get install openssl`' : undefined;
}

export async function writeSelfSignedCertificate(workDir: string): Promise<CertificatePaths> {
  const openssl = commandOnPath('openssl');
  if (openssl === undefined) throw new Error('openssl not installed');
  const paths: CertificatePaths = { certPath: join(workDir, 'cert.pem'), keyPath: join(workDir, 'key.pem') };
  await promisify(execFile)(openssl, [
    'req', '-x509', '-nodes', '-days', '1',
    '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    '-keyout', paths.keyPath, '-out', paths.certPath,
  ], { timeout: OPENSSL_TIMEOUT_MS });
  return paths;
}
