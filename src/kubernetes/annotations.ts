// Sluice's own annotations on an Ingress, read and checked: sluice.dev/backend-protocol (the protocol
// spoken to every backend of the Ingress) and sluice.dev/ssl-redirect ("false" keeps plain HTTP on its
// TLS hosts). An invalid value is reported and ignored.
import type { V1Ingress } from '@kubernetes/client-node';
import { describeValue } from '../config/describe-value.js';
import { annotationOf } from './object-fields.js';
import type { KubernetesClusterProtocol, ObjectProblem } from './raw-config.js';

const BACKEND_PROTOCOL = 'sluice.dev/backend-protocol';
const SSL_REDIRECT = 'sluice.dev/ssl-redirect';

function field(annotation: string): string {
  return `metadata.annotations["${annotation}"]`;
}

/** The protocol the annotation asks for, overriding the Service port's appProtocol; undefined when absent or invalid. */
export function backendProtocolOverride(ingress: V1Ingress, object: string, problems: ObjectProblem[]): KubernetesClusterProtocol | undefined {
  const value = annotationOf(ingress.metadata, BACKEND_PROTOCOL);
  if (value === undefined || value === 'http1' || value === 'h2c') return value;
  const message = value === 'h2'
    ? 'h2 (HTTP/2 over TLS) to backends is not supported from Kubernetes yet; use h2c or http1. The annotation is ignored'
    : `expected "h2c" or "http1", found ${describeValue(value)}; the annotation is ignored`;
  problems.push({ object, field: field(BACKEND_PROTOCOL), message });
  return undefined;
}

/** Whether the Ingress's routes on TLS hosts redirect plain HTTP to https: yes unless the annotation says "false". */
export function redirectsToHttps(ingress: V1Ingress, object: string, problems: ObjectProblem[]): boolean {
  const value = annotationOf(ingress.metadata, SSL_REDIRECT);
  if (value === undefined || value === 'true') return true;
  if (value === 'false') return false;
  problems.push({ object, field: field(SSL_REDIRECT), message: `expected "true" or "false", found ${describeValue(value)}; redirecting, the default` });
  return true;
}
