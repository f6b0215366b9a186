// Resolves an Ingress backend to the Service port it names, in the Ingress's namespace: the cluster
// name (`namespace/service:port`, the port as the Ingress gives it), the Service and its port, and the
// protocol spoken to it. What cannot be resolved is reported and left out (ingress-nginx would answer
// 503 there). Reads Services only; endpoints are endpoints.ts's job.
import type { V1Service, V1ServicePort } from '@kubernetes/client-node';
import { describeValue } from '../config/describe-value.js';
import { listOf, textOf } from './object-fields.js';
import { isPortName, isPortNumber, isServiceName } from './object-names.js';
import type { KubernetesClusterProtocol, ObjectProblem } from './raw-config.js';

export interface BackendTarget {
  readonly cluster: string;
  readonly service: V1Service;
  /** The port's name ('' when unnamed): EndpointSlice ports are matched by it. */
  readonly portName: string;
  /** The Service port's number; for an ExternalName Service that lists no such port, the Ingress's. */
  readonly portNumber: number;
  readonly protocol: KubernetesClusterProtocol;
}

/** Where a backend is named, and what applies to every backend of that Ingress. */
export interface BackendContext {
  readonly object: string;
  readonly namespace: string;
  readonly protocolOverride: KubernetesClusterProtocol | undefined;
  readonly services: ReadonlyMap<string, V1Service>;
  readonly problems: ObjectProblem[];
}

const LEFT_OUT = 'left out (ingress-nginx would answer 503)';

export function resolveBackend(backend: unknown, field: string, context: BackendContext): BackendTarget | undefined {
  const { object, problems } = context;
  const report = (at: string, message: string): undefined => {
    problems.push({ object, field: at, message });
    return undefined;
  };
  const given = backend as { resource?: unknown; service?: { name?: unknown; port?: { number?: unknown; name?: unknown } } } | null | undefined;
  if (given?.resource !== undefined && given.resource !== null) return report(`${field}.resource`, 'resource backends are not supported, only service backends; left out');
  const service = given?.service;
  if (service === undefined || service === null) return report(`${field}.service`, 'required: the Service name and port');
  if (!isServiceName(service.name)) {
    return report(`${field}.service.name`, service.name === undefined ? 'required: the Service name' : `expected a Service name (a DNS-1035 label) like web, found ${describeValue(service.name)}`);
  }
  const port = requestedPort(service.port, `${field}.service.port`, report);
  if (port === undefined) return undefined;

  const key = `${context.namespace}/${service.name}`;
  const found = context.services.get(key);
  if (found === undefined) return report(`${field}.service.name`, `no Service ${key}; ${LEFT_OUT}`);
  const ports = listOf(found.spec?.ports);
  const servicePort = ports.find((candidate) => (typeof port.value === 'number' ? candidate?.port === port.value : candidate?.name === port.value));
  const cluster = `${key}:${port.value}`;

  if (servicePort === undefined) {
    // An ExternalName Service needs no ports: the Ingress's number is the port on the external name.
    if (found.spec?.type === 'ExternalName' && typeof port.value === 'number') {
      return { cluster, service: found, portName: '', portNumber: port.value, protocol: context.protocolOverride ?? 'http1' };
    }
    return report(port.field, `Service ${key} has no port ${describeValue(port.value)} (${describePorts(ports)}); ${LEFT_OUT}`);
  }
  const transport = textOf(servicePort.protocol) ?? 'TCP';
  if (transport !== 'TCP') return report(port.field, `Service ${key} port ${describeValue(port.value)} is ${transport}, and Sluice proxies HTTP over TCP; left out`);
  if (!isPortNumber(servicePort.port)) return report(port.field, `Service ${key} port ${describeValue(port.value)} has no valid port number (found ${describeValue(servicePort.port)}); left out`);
  return { cluster, service: found, portName: textOf(servicePort.name) ?? '', portNumber: servicePort.port, protocol: context.protocolOverride ?? appProtocolOf(servicePort) };
}

/** `kubernetes.io/h2c` is HTTP/2 with prior knowledge; anything else (http, kubernetes.io/ws, none, or a name Sluice does not know) is HTTP/1.1. */
function appProtocolOf(port: V1ServicePort): KubernetesClusterProtocol {
  return port.appProtocol === 'kubernetes.io/h2c' ? 'h2c' : 'http1';
}

/** `port.number` or `port.name`, exactly one of them, well-formed. */
function requestedPort(
  port: { number?: unknown; name?: unknown } | null | undefined,
  field: string,
  report: (at: string, message: string) => undefined,
): { value: number | string; field: string } | undefined {
  const number = port?.number ?? undefined;
  const name = port?.name ?? undefined;
  if (number !== undefined && name !== undefined) return report(field, 'expected number or name, found both');
  if (number !== undefined) {
    return isPortNumber(number) ? { value: number, field: `${field}.number` } : report(`${field}.number`, `expected a port number from 1 to 65535, found ${describeValue(number)}`);
  }
  if (name !== undefined) {
    return isPortName(name) ? { value: name, field: `${field}.name` } : report(`${field}.name`, `expected a port name (IANA_SVC_NAME) like http, found ${describeValue(name)}`);
  }
  return report(field, 'required: the Service port number or name');
}

/** `it has 80 "http", 443 "https"`, or `it has none`. */
function describePorts(ports: readonly V1ServicePort[]): string {
  const shown = ports.map((port) => (textOf(port?.name) === undefined ? String(port?.port) : `${String(port.port)} "${port.name}"`));
  return shown.length === 0 ? 'it has none' : `it has ${shown.join(', ')}`;
}
