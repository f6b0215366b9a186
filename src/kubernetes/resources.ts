// The five kinds Sluice watches, each as the REST path its watch opens and the list call its
// informer starts from (and falls back to after a 410 Gone). One table, so adding a kind is one entry.
import {
  CoreV1Api, DiscoveryV1Api, NetworkingV1Api, type KubeConfig, type KubernetesListObject, type KubernetesObject,
} from '@kubernetes/client-node';
import type { KubernetesObjects } from './translate.js';

export type ResourceName = keyof KubernetesObjects;

export interface WatchedResource {
  readonly name: ResourceName;
  /** The API's plural resource name, as metrics label it. */
  readonly plural: string;
  /** The watch path: all namespaces, or the one given (IngressClasses are cluster-scoped). */
  readonly path: string;
  /** Lists and watches only these (a field selector the API server applies). */
  readonly fieldSelector?: string;
  readonly list: () => Promise<KubernetesListObject<KubernetesObject>>;
}

/** Only TLS Secrets: a cluster's other Secrets (tokens, Helm releases) are many, large, and none of Sluice's business. */
const TLS_SECRETS = 'type=kubernetes.io/tls';

/** In the order their lists are awaited; every one must be listed before the first translation. */
export function watchedResources(kubeConfig: KubeConfig, namespace: string | undefined): WatchedResource[] {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const networking = kubeConfig.makeApiClient(NetworkingV1Api);
  const discovery = kubeConfig.makeApiClient(DiscoveryV1Api);
  const scoped = (group: string, plural: string) =>
    namespace === undefined ? `${group}/${plural}` : `${group}/namespaces/${encodeURIComponent(namespace)}/${plural}`;
  return [
    {
      name: 'ingressClasses',
      plural: 'ingressclasses',
      path: '/apis/networking.k8s.io/v1/ingressclasses',
      list: () => networking.listIngressClass(),
    },
    {
      name: 'ingresses',
      plural: 'ingresses',
      path: scoped('/apis/networking.k8s.io/v1', 'ingresses'),
      list: () => (namespace === undefined ? networking.listIngressForAllNamespaces() : networking.listNamespacedIngress({ namespace })),
    },
    {
      name: 'services',
      plural: 'services',
      path: scoped('/api/v1', 'services'),
      list: () => (namespace === undefined ? core.listServiceForAllNamespaces() : core.listNamespacedService({ namespace })),
    },
    {
      name: 'endpointSlices',
      plural: 'endpointslices',
      path: scoped('/apis/discovery.k8s.io/v1', 'endpointslices'),
      list: () => (namespace === undefined ? discovery.listEndpointSliceForAllNamespaces() : discovery.listNamespacedEndpointSlice({ namespace })),
    },
    {
      name: 'secrets',
      plural: 'secrets',
      path: scoped('/api/v1', 'secrets'),
      fieldSelector: TLS_SECRETS,
      list: () => (namespace === undefined
        ? core.listSecretForAllNamespaces({ fieldSelector: TLS_SECRETS })
        : core.listNamespacedSecret({ namespace, fieldSelector: TLS_SECRETS })),
    },
  ];
}
