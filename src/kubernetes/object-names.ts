// The Kubernetes name rules the translation relies on: they keep cluster names
// (`namespace/service:port`) within what the configuration schema accepts.

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const IANA_SVC_NAME = /^[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/;

/** A namespace: a DNS-1123 label. */
export function isNamespaceName(value: unknown): value is string {
  return typeof value === 'string' && DNS_LABEL.test(value);
}

/** A Service name: a DNS-1035 label (starts with a letter). */
export function isServiceName(value: unknown): value is string {
  return typeof value === 'string' && DNS_1035_LABEL.test(value);
}

/** A port name (IANA_SVC_NAME): at most 15 lower-case letters, digits and inner dashes, at least one letter, no "--". */
export function isPortName(value: unknown): value is string {
  return typeof value === 'string' && IANA_SVC_NAME.test(value) && /[a-z]/.test(value) && !value.includes('--');
}

export function isPortNumber(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 65_535;
}
