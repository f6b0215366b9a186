// The certificate of a TLS Secret an Ingress names: type kubernetes.io/tls, base64 PEM in data["tls.crt"]
// and data["tls.key"], checked as configured certificate files are (checkPemPair). Each Secret is read
// once per translation; the caller reports what is wrong against the Ingress field naming it.
import type { V1Secret } from '@kubernetes/client-node';
import { checkPemPair } from '../config/certificate-pair.js';
import { describeValue } from '../config/describe-value.js';
import { indexByKey, textOf } from './object-fields.js';
import type { RawCertificate } from './raw-config.js';

export type SecretResult = { readonly ok: true; readonly certificate: RawCertificate } | { readonly ok: false; readonly problems: readonly string[] };

const TLS_TYPE = 'kubernetes.io/tls';

/** Reads `namespace/name`; the same answer every time it is asked. */
export function secretReader(secrets: readonly V1Secret[]): (key: string) => SecretResult {
  const byKey = indexByKey(secrets);
  const results = new Map<string, SecretResult>();
  return (key) => {
    let result = results.get(key);
    if (result === undefined) results.set(key, (result = readSecret(key, byKey.get(key))));
    return result;
  };
}

function readSecret(secretKey: string, secret: V1Secret | undefined): SecretResult {
  const name = `Secret ${secretKey}`;
  if (secret === undefined) return { ok: false, problems: [`no ${name}`] };
  if (secret.type !== TLS_TYPE) {
    const found = textOf(secret.type) === undefined ? 'no type' : `type ${describeValue(secret.type)}`;
    return { ok: false, problems: [`${name} has ${found}, expected "${TLS_TYPE}"`] };
  }
  const cert = decoded(secret, 'tls.crt');
  const key = decoded(secret, 'tls.key');
  if (cert === undefined || key === undefined) {
    const missing = [cert === undefined ? 'tls.crt' : undefined, key === undefined ? 'tls.key' : undefined].filter((entry) => entry !== undefined);
    return { ok: false, problems: missing.map((entry) => `${name} has no data["${entry}"]`) };
  }
  const checked = checkPemPair(cert, key, { cert: 'data["tls.crt"]', key: 'data["tls.key"]' });
  if (!checked.ok) return { ok: false, problems: checked.problems.map(({ message }) => `${name}: ${message}`) };
  return { ok: true, certificate: { secret: secretKey, cert, key, names: checked.names } };
}

function decoded(secret: V1Secret, entry: string): string | undefined {
  const base64 = textOf(secret.data?.[entry]);
  return base64 === undefined ? undefined : Buffer.from(base64, 'base64').toString('utf8');
}
