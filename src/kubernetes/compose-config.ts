// Joins what the Kubernetes translation produced to the configuration file's: the translated routes and
// clusters are validated by the same schema as the file's (so they get the same defaults), appended
// after the file's, and the TLS Secrets' certificates are offered by SNI on every https listener
// ahead of the file's certificates, which keep the default.
import { validateConfig, type CertificateConfig, type ConfigProblem, type ConfigResult, type ListenerConfig, type SluiceConfig } from '../config/index.js';
import type { TranslatedConfig } from './translate.js';

/** The schema needs a listener; this one only carries the translated parts through validation. */
const CARRIER_LISTENER = { name: 'kubernetes', address: '127.0.0.1:0' };

export function composeWithKubernetes(file: SluiceConfig, translated: TranslatedConfig): ConfigResult {
  // Redirects to https are checked against the file's listeners, not the carrier's: without an https
  // listener there is nowhere to redirect to, so a TLS Ingress is then served over plain HTTP.
  const redirects = file.listeners.some(({ protocol }) => protocol === 'https');
  const checked = validateConfig({
    listeners: [CARRIER_LISTENER],
    routes: translated.routes.map(({ redirectToHttps: _redirect, ...route }) => route),
    clusters: translated.clusters,
    ...(translated.defaultCluster === undefined ? {} : { defaultCluster: translated.defaultCluster }),
  });
  // The translation checks what it emits, so this only fails on a translation bug: name the entry.
  if (!checked.ok) return { ok: false, problems: checked.problems.map((problem) => translatedProblem(problem, translated)) };

  const fileClusters = new Set(file.clusters.map(({ name }) => name));
  const clashes = checked.config.clusters.filter(({ name }) => fileClusters.has(name));
  if (clashes.length > 0) {
    return { ok: false, problems: clashes.map(({ name }) => ({ path: `cluster ${name}`, message: 'defined both in the configuration file and by an Ingress backend; rename the file\'s cluster' })) };
  }
  // The translation checked each pair (checkPemPair) and read its names.
  const certificates: readonly CertificateConfig[] = translated.certificates;

  return {
    ok: true,
    config: {
      ...file,
      listeners: certificates.length === 0 ? file.listeners : file.listeners.map((listener) => withCertificates(listener, certificates)),
      routes: [...file.routes, ...checked.config.routes.map((route, index) => (redirects && translated.routes[index]!.redirectToHttps === true ? { ...route, redirectToHttps: true } : route))],
      clusters: [...file.clusters, ...checked.config.clusters],
      ...(file.defaultCluster === undefined && checked.config.defaultCluster !== undefined ? { defaultCluster: checked.config.defaultCluster } : {}),
    },
  };
}

/** Secrets first, so SNI prefers an Ingress's own certificate; the listener's default stays the file's. */
function withCertificates(listener: ListenerConfig, certificates: readonly CertificateConfig[]): ListenerConfig {
  const tls = listener.tls;
  if (tls === undefined) return listener;
  return { ...listener, tls: { ...tls, defaultCertificate: tls.defaultCertificate ?? tls.certificates[0]!, certificates: [...certificates, ...tls.certificates] } };
}

/** `routes[2].host` → the route for that host, `clusters[1]…` → that cluster by name. */
function translatedProblem({ path, message }: ConfigProblem, translated: TranslatedConfig): ConfigProblem {
  const [, list, index] = /^(routes|clusters)\[(\d+)\]/.exec(path) ?? [];
  if (list === 'routes') return { path: `route for host ${translated.routes[Number(index)]?.host ?? '(any)'} (${path})`, message };
  if (list === 'clusters') return { path: `cluster ${translated.clusters[Number(index)]?.name ?? '?'} (${path})`, message };
  return { path, message };
}
