// Small builders of the Kubernetes objects the translation reads, named `namespace/name` as in kubectl,
// with only the fields a test cares about; objects are plain data, as @kubernetes/client-node gives them.
import type {
  DiscoveryV1EndpointPort, V1Endpoint, V1EndpointSlice, V1HTTPIngressPath, V1Ingress, V1IngressClass, V1IngressRule, V1IngressSpec, V1Secret, V1Service, V1ServicePort, V1ServiceSpec,
} from '@kubernetes/client-node';
import { defaultTranslateOptions, translate, type KubernetesObjects, type TranslatedConfig, type TranslateOptions } from '../../src/kubernetes/translate.js';

function meta(key: string, extra: { created?: string; annotations?: Record<string, string>; labels?: Record<string, string> } = {}) {
  const [namespace, name] = key.split('/') as [string, string];
  return {
    namespace,
    name,
    ...(extra.created === undefined ? {} : { creationTimestamp: new Date(extra.created) }),
    ...(extra.annotations === undefined ? {} : { annotations: extra.annotations }),
    ...(extra.labels === undefined ? {} : { labels: extra.labels }),
  };
}

/** Our class `sluice` unless another controller is given. */
export function ingressClass(name: string, options: { controller?: string; isDefault?: boolean } = {}): V1IngressClass {
  return {
    metadata: { name, ...(options.isDefault === true ? { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } : {}) },
    spec: { controller: options.controller ?? defaultTranslateOptions.controllerName },
  };
}

export interface IngressOptions {
  /** RFC 3339; default 2024-01-01T00:00:00Z. */
  readonly created?: string;
  readonly annotations?: Record<string, string>;
}

/** `spec.ingressClassName` is `sluice` unless the spec says otherwise (`ingressClassName: undefined` for none). */
export function ingress(key: string, spec: V1IngressSpec, options: IngressOptions = {}): V1Ingress {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: meta(key, { created: options.created ?? '2024-01-01T00:00:00Z', ...(options.annotations === undefined ? {} : { annotations: options.annotations }) }),
    spec: { ingressClassName: 'sluice', ...spec },
  };
}

/** A rule: `host` (undefined for any host) with its paths, which may be malformed on purpose. */
export function rule(host: string | undefined, ...paths: object[]): V1IngressRule {
  return { ...(host === undefined ? {} : { host }), http: { paths: paths as V1HTTPIngressPath[] } };
}

/** A path to `service` at `port` (a number or a port name). */
export function path(pathText: string | undefined, pathType: string, service: string, port: number | string): V1HTTPIngressPath {
  return { ...(pathText === undefined ? {} : { path: pathText }), pathType, backend: backend(service, port) };
}

export function backend(service: string, port: number | string) {
  return { service: { name: service, port: typeof port === 'number' ? { number: port } : { name: port } } };
}

export function service(key: string, ports: V1ServicePort[], spec: V1ServiceSpec = {}): V1Service {
  return { metadata: meta(key), spec: { type: 'ClusterIP', ports, ...spec } };
}

/** An EndpointSlice of Service `serviceName` in the slice's namespace. */
export function endpointSlice(key: string, serviceName: string, ports: DiscoveryV1EndpointPort[], endpoints: V1Endpoint[], addressType = 'IPv4'): V1EndpointSlice {
  return { metadata: meta(key, { labels: { 'kubernetes.io/service-name': serviceName } }), addressType, ports, endpoints };
}

/** A ready endpoint unless conditions say otherwise. */
export function endpoint(address: string, options: { zone?: string; ready?: boolean; serving?: boolean; terminating?: boolean } = {}): V1Endpoint {
  const { zone, ...conditions } = options;
  return { addresses: [address], ...(Object.keys(conditions).length === 0 ? {} : { conditions }), ...(zone === undefined ? {} : { zone }) };
}

/** A kubernetes.io/tls Secret holding PEM text (base64-encoded here, as the API holds it). */
export function tlsSecret(key: string, pem: { cert?: string; key?: string }, type = 'kubernetes.io/tls'): V1Secret {
  const data: Record<string, string> = {};
  if (pem.cert !== undefined) data['tls.crt'] = Buffer.from(pem.cert).toString('base64');
  if (pem.key !== undefined) data['tls.key'] = Buffer.from(pem.key).toString('base64');
  return { metadata: meta(key), type, data };
}

/** Translates with our class `sluice` present, unless `ingressClasses` is given. */
export function translateObjects(objects: Partial<KubernetesObjects>, options: Partial<TranslateOptions> = {}): TranslatedConfig {
  return translate(
    { ingresses: [], ingressClasses: [ingressClass('sluice')], services: [], endpointSlices: [], secrets: [], ...objects },
    { ...defaultTranslateOptions, ...options },
  );
}
