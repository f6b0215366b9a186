// Certificates made at test time with the system openssl: `name.crt` and `name.key` (PEM, P-256,
// unencrypted, valid for a day) written into a directory the test owns; self-signed, or signed by a
// test certificate authority made the same way.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export interface CertificateFiles {
  /** Absolute or dir-relative paths, as `dir` was given. */
  readonly cert: string;
  readonly key: string;
}

export interface CertificateOptions {
  /** Subject CN; defaults to the first DNS name. With no DNS names and no CN the certificate names nothing. */
  readonly commonName?: string;
  /** Signed by this certificate authority (see makeCertificateAuthority) instead of self-signed. */
  readonly issuer?: CertificateFiles;
}

/** Writes `dir/name.crt` and `dir/name.key`; every entry of `dnsNames` becomes a subjectAltName DNS entry. */
export function makeCertificate(dir: string, name: string, dnsNames: string[], options: CertificateOptions = {}): CertificateFiles {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  const commonName = options.commonName ?? dnsNames[0];
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1'];
  args.push('-subj', commonName === undefined ? `/O=Sluice test ${name}` : `/CN=${commonName}`);
  if (dnsNames.length > 0) args.push('-addext', `subjectAltName=${dnsNames.map((dnsName) => `DNS:${dnsName}`).join(',')}`);
  if (options.issuer !== undefined) args.push('-CA', options.issuer.cert, '-CAkey', options.issuer.key, '-addext', 'basicConstraints=critical,CA:FALSE');
  execFileSync('openssl', args, { stdio: 'pipe', timeout: 10_000 });
  return { cert, key };
}

/** Writes `dir/name.crt` and `dir/name.key`: a certificate authority for `makeCertificate`'s `issuer`. */
export function makeCertificateAuthority(dir: string, name: string): CertificateFiles {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
    '-subj', `/CN=Sluice test CA ${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ], { stdio: 'pipe', timeout: 10_000 });
  return { cert, key };
}
