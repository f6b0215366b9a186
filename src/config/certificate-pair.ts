// Reads one certificate/key pair named in the configuration and checks it: both files readable, a PEM
// certificate and a PEM private key that belong together, and DNS names for SNI. Knows nothing of zod.
// The PEM checks (`checkPemPair`) also serve the Kubernetes translation, for TLS Secrets.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import type { CertificateConfig } from './sluice-config.js';

export interface CertificatePaths {
  /** As configured: relative to the configuration file's directory, or absolute. */
  readonly cert: string;
  readonly key: string;
}

/** A problem with the pair: `field` names the file at fault; without it, the pair as a whole. */
export interface PairProblem {
  readonly field?: 'cert' | 'key';
  readonly message: string;
}

export type CertificatePairResult = { readonly ok: true; readonly value: CertificateConfig } | { readonly ok: false; readonly problems: PairProblem[] };

/** What the messages call the certificate and the key: their file names, or where a Secret keeps them. */
export interface PemSources {
  readonly cert: string;
  readonly key: string;
}

export type PemPairResult = { readonly ok: true; readonly names: string[] } | { readonly ok: false; readonly problems: PairProblem[] };

export function loadCertificatePair(paths: CertificatePaths, baseDir: string): CertificatePairResult {
  const certFile = resolve(baseDir, paths.cert);
  const keyFile = resolve(baseDir, paths.key);
  const problems: PairProblem[] = [];
  const cert = readText(certFile, 'cert', problems);
  const key = readText(keyFile, 'key', problems);
  if (cert === undefined || key === undefined) return { ok: false, problems };
  const checked = checkPemPair(cert, key, { cert: certFile, key: keyFile });
  if (!checked.ok) return checked;
  return { ok: true, value: { certFile, keyFile, cert, key, names: checked.names } };
}

/** A PEM certificate naming DNS names and an unencrypted PEM private key, belonging together; the certificate's names. */
export function checkPemPair(cert: string, key: string, sources: PemSources): PemPairResult {
  const problems: PairProblem[] = [];
  const names = certificateNames(cert, sources.cert, problems);
  const keyParses = isPrivateKey(key, sources.key, problems);
  // Only a parsed pair can be compared; otherwise the problems above already say what is wrong.
  if (names !== undefined && keyParses) checkPairMatches(cert, key, problems);
  return names !== undefined && problems.length === 0 ? { ok: true, names } : { ok: false, problems };
}

/**
 * Lower-case DNS names from the subjectAltName `DNS:` entries, else the subject CN; `*.` wildcards kept.
 * Undefined when the text is no certificate; a problem is recorded then and when it names nothing.
 */
function certificateNames(pem: string, source: string, problems: PairProblem[]): string[] | undefined {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch {
    problems.push({ field: 'cert', message: `${source} is not a PEM certificate` });
    return undefined;
  }
  // Node writes the entries as `DNS:a.example, DNS:*.b.example, IP Address:10.0.0.1`.
  const fromAltNames = (certificate.subjectAltName ?? '').split(', ').flatMap((entry) => (entry.startsWith('DNS:') ? [entry.slice(4).toLowerCase()] : []));
  const names = fromAltNames.length > 0 ? fromAltNames : certificate.subject.split('\n').flatMap((entry) => (entry.startsWith('CN=') ? [entry.slice(3).toLowerCase()] : []));
  if (names.length === 0) problems.push({ field: 'cert', message: 'the certificate has no DNS names (no subjectAltName DNS entry and no CN)' });
  return [...new Set(names)];
}

function isPrivateKey(pem: string, source: string, problems: PairProblem[]): boolean {
  try {
    createPrivateKey(pem);
    return true;
  } catch {
    // An encrypted key parses no better than garbage, but deserves its own explanation.
    const why = pem.includes('ENCRYPTED') ? 'is an encrypted private key; Sluice needs it without a passphrase' : 'is not a PEM private key';
    problems.push({ field: 'key', message: `${source} ${why}` });
    return false;
  }
}

function checkPairMatches(cert: string, key: string, problems: PairProblem[]): void {
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    problems.push({ message: code === 'ERR_OSSL_X509_KEY_VALUES_MISMATCH' ? 'certificate and key do not match' : `the certificate and key cannot be used together: ${message}` });
  }
}

function readText(file: string, field: 'cert' | 'key', problems: PairProblem[]): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    problems.push({ field, message: `cannot read ${file} (${code ?? message})` });
    return undefined;
  }
}
