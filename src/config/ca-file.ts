// Reads a CA bundle named in the configuration (`clusters[].tls.ca`) and checks it: readable, and PEM
// certificates only, each of which parses. Knows nothing of zod.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export type CaFileResult = { readonly ok: true; readonly file: string; readonly pem: string } | { readonly ok: false; readonly message: string };

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/** `path` as configured: relative to the configuration file's directory (`baseDir`), or absolute. */
export function loadCaFile(path: string, baseDir: string): CaFileResult {
  const file = resolve(baseDir, path);
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    return { ok: false, message: `cannot read ${file} (${code ?? message})` };
  }
  const certificates = pem.match(PEM_CERTIFICATE) ?? [];
  if (certificates.length === 0) return { ok: false, message: `${file} holds no PEM certificate (expected one or more "-----BEGIN CERTIFICATE-----" blocks)` };
  for (const [index, certificate] of certificates.entries()) {
    try {
      new X509Certificate(certificate);
    } catch {
      return { ok: false, message: `${file}: certificate ${index + 1} of ${certificates.length} does not parse` };
    }
  }
  return { ok: true, file, pem };
}
