// The pure translation of Kubernetes objects (Ingress, IngressClass, Service, EndpointSlice, Secret)
// into Sluice's configuration: routes, clusters, the default cluster and TLS certificates, plus every
// problem found, naming the object and field. No I/O, no clock, no randomness: the same objects, in any
// order, give the same output, sorted. Never throws; an invalid part is left out and the rest translates.
import type { V1EndpointSlice, V1Ingress, V1IngressClass, V1Secret, V1Service } from '@kubernetes/client-node';
import { describeValue } from '../config/describe-value.js';
import { backendProtocolOverride, redirectsToHttps } from './annotations.js';
import { resolveBackend, type BackendContext } from './backends.js';
import { clusterSet, type ClusterSet } from './clusters.js';
import { indexSlices } from './endpoints.js';
import { ingressSelector } from './ingress-class.js';
import { pathClaims } from './ingress-rules.js';
import { compareAge, compareText, describeObject, indexByKey, listOf, textOf } from './object-fields.js';
import { isNamespaceName } from './object-names.js';
import { pathOwnership, type OwnedPath } from './path-ownership.js';
import type { ObjectProblem, RawCertificate, RawCluster, RawPathRule, RawRoute } from './raw-config.js';
import { secretReader, type SecretResult } from './tls-secrets.js';

export type { KubernetesClusterProtocol, ObjectProblem, RawCertificate, RawCluster, RawEndpoint, RawPathRule, RawRoute } from './raw-config.js';

export interface KubernetesObjects {
  readonly ingresses: readonly V1Ingress[];
  readonly ingressClasses: readonly V1IngressClass[];
  readonly services: readonly V1Service[];
  readonly endpointSlices: readonly V1EndpointSlice[];
  readonly secrets: readonly V1Secret[];
}

export interface TranslateOptions {
  /** IngressClass spec.controller Sluice answers for, default 'sluice.dev/ingress-controller'. */
  readonly controllerName: string;
  /** Also take Ingresses with no class at all (ingress-nginx --watch-ingress-without-class). */
  readonly watchIngressWithoutClass: boolean;
}

export const defaultTranslateOptions: TranslateOptions = { controllerName: 'sluice.dev/ingress-controller', watchIngressWithoutClass: false };

export interface TranslatedConfig {
  /** Entries exactly as configSchema's `routes` accepts them; by host, then first path. */
  readonly routes: RawRoute[];
  /** Entries exactly as configSchema's `clusters` accepts them; by name. */
  readonly clusters: RawCluster[];
  readonly defaultCluster?: string;
  /** PEM pairs from the TLS Secrets that Ingresses name, for SNI on https listeners; by secret. */
  readonly certificates: RawCertificate[];
  /** By object, field, message. */
  readonly problems: ObjectProblem[];
}

/** What one translation shares across its Ingresses, which it visits oldest first. */
interface TranslationState {
  readonly services: ReadonlyMap<string, V1Service>;
  readonly clusters: ClusterSet;
  readonly owns: (claim: OwnedPath) => boolean;
  readonly readSecret: (key: string) => SecretResult;
  readonly problems: ObjectProblem[];
  readonly routes: { readonly host: string | undefined; readonly paths: RawPathRule[]; readonly redirects: boolean }[];
  readonly tlsHosts: Set<string>;
  readonly certificates: Map<string, RawCertificate>;
  defaultBackend: { readonly cluster: string; readonly object: string } | undefined;
}

export function translate(objects: KubernetesObjects, options: TranslateOptions): TranslatedConfig {
  const problems: ObjectProblem[] = [];
  const state: TranslationState = {
    services: indexByKey(listOf(objects.services)),
    clusters: clusterSet(indexSlices(listOf(objects.endpointSlices)), problems),
    owns: pathOwnership(problems),
    readSecret: secretReader(listOf(objects.secrets)),
    problems,
    routes: [],
    tlsHosts: new Set(),
    certificates: new Map(),
    defaultBackend: undefined,
  };
  const isOurs = ingressSelector(listOf(objects.ingressClasses), options);
  const ingresses = listOf(objects.ingresses).filter((ingress) => isOurs(ingress) && hasKey(ingress, problems));
  for (const ingress of [...ingresses].sort((a, b) => compareAge(a.metadata, b.metadata))) translateIngress(ingress, state);

  const routes = state.routes.map(({ host, paths, redirects }): RawRoute => ({
    ...(host === undefined ? {} : { host }),
    ...(redirects && host !== undefined && state.tlsHosts.has(host) ? { redirectToHttps: true } : {}),
    paths: paths.sort(comparePathRules),
  }));
  return {
    routes: routes.sort((a, b) => compareText(a.host ?? '', b.host ?? '') || comparePathRules(a.paths[0]!, b.paths[0]!)),
    clusters: state.clusters.list(),
    ...(state.defaultBackend === undefined ? {} : { defaultCluster: state.defaultBackend.cluster }),
    certificates: [...state.certificates.values()].sort((a, b) => compareText(a.secret, b.secret)),
    problems: sortedProblems(problems),
  };
}

/** An Ingress needs a name and a namespace fit for cluster names; one without is reported and skipped. */
function hasKey(ingress: V1Ingress, problems: ObjectProblem[]): boolean {
  const object = describeObject('Ingress', ingress?.metadata);
  if (textOf(ingress?.metadata?.name) === undefined) {
    problems.push({ object, field: 'metadata.name', message: 'required; the Ingress is skipped' });
    return false;
  }
  const namespace: unknown = ingress.metadata?.namespace;
  if (!isNamespaceName(namespace)) {
    problems.push({ object, field: 'metadata.namespace', message: `expected a namespace name (a DNS-1123 label), found ${describeValue(namespace)}; the Ingress is skipped` });
    return false;
  }
  return true;
}

function translateIngress(ingress: V1Ingress, state: TranslationState): void {
  const { problems, clusters } = state;
  const object = describeObject('Ingress', ingress.metadata);
  const namespace = ingress.metadata!.namespace!;
  const backends: BackendContext = { object, namespace, protocolOverride: backendProtocolOverride(ingress, object, problems), services: state.services, problems };

  const routes = new Map<string | undefined, RawPathRule[]>();
  for (const claim of pathClaims(ingress, object, problems)) {
    const backendField = `${claim.field}.backend`;
    const target = resolveBackend(claim.backend, backendField, backends);
    if (target === undefined || !state.owns({ ...claim, object })) continue;
    clusters.use(target, object, backendField);
    let paths = routes.get(claim.host);
    if (paths === undefined) routes.set(claim.host, (paths = []));
    paths.push({ path: claim.path, pathType: claim.pathType, cluster: target.cluster });
  }
  const redirects = redirectsToHttps(ingress, object, problems);
  for (const [host, paths] of routes) state.routes.push({ host, paths, redirects });

  const defaultBackend: unknown = ingress.spec?.defaultBackend;
  if (defaultBackend !== undefined && defaultBackend !== null) {
    const target = resolveBackend(defaultBackend, 'spec.defaultBackend', backends);
    const winner = state.defaultBackend;
    if (target !== undefined && winner !== undefined) {
      problems.push({ object, field: 'spec.defaultBackend', message: `${winner.object} already provides the default backend (the oldest Ingress wins); this one is not used` });
    } else if (target !== undefined) {
      clusters.use(target, object, 'spec.defaultBackend');
      state.defaultBackend = { cluster: target.cluster, object };
    }
  }

  listOf(ingress.spec?.tls).forEach((tls, index) => {
    for (const host of listOf(tls?.hosts)) if (typeof host === 'string') state.tlsHosts.add(host);
    // No secretName: the https listener's own certificates serve these hosts.
    const secretName = textOf(tls?.secretName);
    if (secretName === undefined) return;
    const result = state.readSecret(`${namespace}/${secretName}`);
    if (result.ok) state.certificates.set(result.certificate.secret, result.certificate);
    else for (const message of result.problems) problems.push({ object, field: `spec.tls[${index}].secretName`, message });
  });
}

function comparePathRules(a: RawPathRule, b: RawPathRule): number {
  return compareText(a.path, b.path) || compareText(a.pathType, b.pathType);
}

/** Sorted, and each problem once (a slice read for two clusters reports the same thing twice). */
function sortedProblems(problems: readonly ObjectProblem[]): ObjectProblem[] {
  const sorted = [...problems].sort((a, b) => compareText(a.object, b.object) || compareText(a.field, b.field) || compareText(a.message, b.message));
  return sorted.filter((problem, index) => {
    const previous = sorted[index - 1];
    return previous === undefined || previous.object !== problem.object || previous.field !== problem.field || previous.message !== problem.message;
  });
}
