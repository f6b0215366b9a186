// Picks the certificate for a TLS handshake from its SNI name: an exact name first, then a one-label
// wildcard (`*.example.com` covers `a.example.com`, not `b.a.example.com`), else the default. Built
// once per snapshot; a handshake costs one or two Map lookups.
import type { SecureContext } from 'node:tls';
import { requestHostName, wildcardParent } from '../routing/request-host.js';

export interface NamedContext {
  readonly names: readonly string[];
  readonly context: SecureContext;
}

export class SniSelector {
  readonly defaultContext: SecureContext;
  readonly #exact = new Map<string, SecureContext>();
  /** Keyed by the parent domain a `*.parent` name covers. */
  readonly #wildcard = new Map<string, SecureContext>();

  /** `certificates` in configuration order: the first certificate naming a host wins. */
  constructor(certificates: readonly NamedContext[], defaultContext: SecureContext) {
    this.defaultContext = defaultContext;
    for (const { names, context } of certificates) {
      for (const name of names) {
        const lower = name.toLowerCase();
        const wildcard = lower.startsWith('*.');
        const table = wildcard ? this.#wildcard : this.#exact;
        const key = wildcard ? lower.slice(2) : lower;
        if (!table.has(key)) table.set(key, context);
      }
    }
  }

  select(serverName: string | undefined): SecureContext {
    if (!serverName) return this.defaultContext;
    const name = requestHostName(serverName);
    const exact = this.#exact.get(name);
    if (exact !== undefined) return exact;
    const parent = wildcardParent(name);
    return (parent === undefined ? undefined : this.#wildcard.get(parent)) ?? this.defaultContext;
  }
}
