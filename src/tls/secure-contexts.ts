// Secure contexts for a worker, built from snapshot certificates and kept across snapshots while the
// same certificate, key and minimum version are configured, so a reload that does not touch TLS
// rebuilds no context.
import { createSecureContext, type SecureContext } from 'node:tls';
import type { CertificateSnapshot, TlsSnapshot, TlsVersion } from '../snapshot.js';
import { SniSelector } from './sni-selector.js';

export class SecureContextCache {
  #contexts = new Map<string, SecureContext>();
  #used = new Map<string, SecureContext>();

  /** The SNI selector of one https listener of the snapshot being compiled. */
  selectorFor(tls: TlsSnapshot): SniSelector {
    const certificates = tls.certificates.map((certificate) => ({
      names: certificate.names,
      context: this.#context(certificate, tls.minVersion),
    }));
    return new SniSelector(certificates, this.#context(tls.defaultCertificate, tls.minVersion));
  }

  /** After a snapshot compiled: contexts it did not use are dropped. */
  prune(): void {
    this.#contexts = this.#used;
    this.#used = new Map();
  }

  #context(certificate: CertificateSnapshot, minVersion: TlsVersion): SecureContext {
    const key = `${minVersion}\u0000${certificate.cert}\u0000${certificate.key}`;
    const context = this.#used.get(key) ?? this.#contexts.get(key)
      ?? createSecureContext({ cert: certificate.cert, key: certificate.key, minVersion });
    this.#used.set(key, context);
    return context;
  }
}
