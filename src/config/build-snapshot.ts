// Translates a validated SluiceConfig into the Snapshot workers compile. Pure and deterministic:
// configuration order is kept, keys are written in one fixed order, so equal content hashes equally.
import { createHash } from 'node:crypto';
import { EndpointState } from '../balancing/endpoint-table.js';
import type {
  BalancingSnapshot, CertificateSnapshot, ClusterSnapshot, HashPolicySnapshot, HealthCheckSnapshot, Http2Snapshot, ListenerSnapshot,
  LocalitySnapshot, OutlierDetectionSnapshot, PathRuleSnapshot, RetryPolicySnapshot, RouteSnapshot, Snapshot, TlsSnapshot, TracingSnapshot,
  UpstreamTlsSnapshot,
} from '../snapshot.js';
import type {
  CertificateConfig, ClusterConfig, HealthCheckConfig, Http2Config, ListenerConfig, OutlierDetectionConfig, RetriesConfig, RouteConfig,
  RouteRetriesConfig, SluiceConfig, TlsConfig, TracingConfig, UpstreamTlsConfig,
} from './sluice-config.js';

/**
 * Gives the EndpointTable slot of an endpoint, named by its cluster and configured address; a new
 * endpoint's slot starts with `initialState` (UNCHECKED when it must pass a health check first). The
 * empty address names the cluster's own slot (its circuit-breaker counters).
 */
export type SlotFor = (cluster: string, address: string, initialState: number) => number;

/** Where the proxy's zone may come from besides the configuration file. */
export interface ZoneSources {
  /** `--zone`: beats the configuration. */
  readonly flag?: string;
  /** `SLUICE_ZONE`: used when neither the flag nor the configuration names a zone. */
  readonly env?: string;
}

export function buildSnapshot(config: SluiceConfig, version: number, slotFor: SlotFor, zoneSources: ZoneSources = {}): Snapshot {
  const content = {
    listeners: config.listeners.map(listenerSnapshot),
    routes: config.routes.map((route) => routeSnapshot(route, config.clusters)),
    ...(config.defaultCluster === undefined ? {} : { defaultCluster: config.defaultCluster }),
    clusters: config.clusters.map((cluster) => clusterSnapshot(cluster, slotFor)),
    drainTimeoutMs: config.drainTimeout,
    tracing: tracingSnapshot(config.tracing),
    metrics: { endpointLabels: config.metrics.endpointLabels },
    accessLog: { ...config.accessLog, fields: [...config.accessLog.fields] },
    locality: localitySnapshot(config, zoneSources),
  };
  const hash = createHash('sha256').update(JSON.stringify(content)).digest('hex');
  return { version, hash, ...content };
}

function listenerSnapshot(listener: ListenerConfig): ListenerSnapshot {
  const { name, host, port } = listener;
  return {
    name,
    host,
    port,
    protocol: listener.protocol,
    // Every port-0 listener gets its own socket, so its name keeps the key apart.
    key: port === 0 ? `${host}:0/${name}` : `${host}:${port}`,
    idleTimeoutMs: listener.timeouts.idle,
    headersTimeoutMs: listener.timeouts.headers,
    maxHeaderBytes: listener.maxHeaderBytes,
    ...(listener.tls === undefined ? {} : { tls: tlsSnapshot(listener.tls) }),
    http2: http2Snapshot(listener.http2),
  };
}

function http2Snapshot(http2: Http2Config): Http2Snapshot {
  return {
    enabled: http2.enabled,
    maxConcurrentStreams: http2.maxConcurrentStreams,
    maxHeaderListSize: http2.maxHeaderListSize,
    ...(http2.maxConnectionAge === undefined ? {} : { maxConnectionAgeMs: http2.maxConnectionAge }),
    maxResetsPerSecond: http2.maxResetsPerSecond,
    codec: http2.codec,
  };
}

/** The PEM text is part of the content, so replacing a certificate file changes the hash. */
function tlsSnapshot(tls: TlsConfig): TlsSnapshot {
  const certificates = tls.certificates.map(certificateSnapshot);
  const defaultCertificate = tls.defaultCertificate === undefined ? certificates[0]! : certificateSnapshot(tls.defaultCertificate);
  return { certificates, defaultCertificate, minVersion: tls.minVersion, alpn: [...tls.alpn] };
}

function certificateSnapshot({ names, ...rest }: CertificateConfig): CertificateSnapshot {
  return { ...rest, names: [...names] };
}

function routeSnapshot(route: RouteConfig, clusters: readonly ClusterConfig[]): RouteSnapshot {
  const paths = route.paths.map(({ path, pathType, cluster }): PathRuleSnapshot => {
    const retries = route.retries === undefined ? undefined : clusters.find(({ name }) => name === cluster)?.retries;
    const requestTimeoutMs = route.timeouts?.request;
    return {
      path,
      pathType,
      cluster,
      ...(retries === undefined ? {} : { retries: retryPolicySnapshot(retries, route.retries) }),
      ...(requestTimeoutMs === undefined ? {} : { requestTimeoutMs }),
    };
  });
  // Keys appear only when set, so configurations without them keep their earlier hash.
  return {
    ...(route.host === undefined ? {} : { host: route.host.toLowerCase() }),
    ...(route.redirectToHttps ? { redirectToHttps: true } : {}),
    paths,
  };
}

function clusterSnapshot(cluster: ClusterConfig, slotFor: SlotFor): ClusterSnapshot {
  const initialState = cluster.healthCheck?.requireFirstPass === true ? EndpointState.UNCHECKED : 0;
  return {
    name: cluster.name,
    protocol: cluster.protocol,
    balancer: cluster.balancer,
    endpoints: cluster.endpoints.map(({ address, host, port, zone, weight }) => ({
      slot: slotFor(cluster.name, address, initialState),
      address,
      host,
      port,
      zone,
      weight,
    })),
    timeouts: { connectMs: cluster.timeouts.connect, requestMs: cluster.timeouts.request, idleMs: cluster.timeouts.idle },
    countersSlot: slotFor(cluster.name, '', 0),
    retries: retryPolicySnapshot(cluster.retries),
    circuitBreakers: { ...cluster.circuitBreakers },
    balancing: balancingSnapshot(cluster),
    // Keys appear only when configured, so configurations without them keep their earlier hash.
    ...(cluster.outlierDetection === undefined ? {} : { outlierDetection: outlierSnapshot(cluster.outlierDetection) }),
    ...(cluster.healthCheck === undefined ? {} : { healthCheck: healthCheckSnapshot(cluster.healthCheck) }),
    ...(cluster.tls === undefined ? {} : { tls: upstreamTlsSnapshot(cluster.tls) }),
  };
}

/** The CA's PEM text is part of the content, so replacing the file changes the hash (and the pools). */
function upstreamTlsSnapshot({ ca, serverName, insecureSkipVerify }: UpstreamTlsConfig): UpstreamTlsSnapshot {
  return {
    ...(ca === undefined ? {} : { caFile: ca.file, ca: ca.pem }),
    ...(serverName === undefined ? {} : { serverName }),
    insecureSkipVerify,
  };
}

function outlierSnapshot(config: OutlierDetectionConfig): OutlierDetectionSnapshot {
  const { enforcing } = config;
  return {
    consecutive5xx: config.consecutive5xx,
    consecutiveGatewayFailure: config.consecutiveGatewayFailure,
    intervalMs: config.interval,
    baseEjectionTimeMs: config.baseEjectionTime,
    maxEjectionTimeMs: config.maxEjectionTime,
    maxEjectionPercent: config.maxEjectionPercent,
    alwaysEjectOneHost: config.alwaysEjectOneHost,
    successRate: { ...config.successRate },
    failurePercentage: { ...config.failurePercentage },
    enforcing: {
      consecutive_5xx: enforcing.consecutive5xx,
      consecutive_gateway_failure: enforcing.consecutiveGatewayFailure,
      success_rate: enforcing.successRate,
      failure_percentage: enforcing.failurePercentage,
    },
  };
}

function healthCheckSnapshot(config: HealthCheckConfig): HealthCheckSnapshot {
  const { interval, timeout, jitter, expectedStatuses, ...rest } = config;
  return {
    ...rest,
    expectedStatuses: expectedStatuses.map(([from, to]) => [from, to] as const),
    intervalMs: interval,
    timeoutMs: timeout,
    jitterMs: jitter,
  };
}

/** The cluster's policy with a route's overrides laid over it, field by field. */
function retryPolicySnapshot(cluster: RetriesConfig, route: RouteRetriesConfig = {}): RetryPolicySnapshot {
  const perTryTimeoutMs = route.perTryTimeout ?? cluster.perTryTimeout;
  const budget = route.budget ?? cluster.budget;
  return {
    attempts: route.attempts ?? cluster.attempts,
    on: [...(route.on ?? cluster.on)],
    retriableStatusCodes: [...(route.retriableStatusCodes ?? cluster.retriableStatusCodes)],
    ...(perTryTimeoutMs === undefined ? {} : { perTryTimeoutMs }),
    backoff: { baseMs: route.backoff?.base ?? cluster.backoff.base, maxMs: route.backoff?.max ?? cluster.backoff.max },
    ...(budget === undefined ? {} : { budget: { ...budget } }),
  };
}

function tracingSnapshot(tracing: TracingConfig): TracingSnapshot {
  return {
    enabled: tracing.enabled,
    sampleRate: tracing.sampleRate,
    propagation: [...tracing.propagation],
    requestId: { preserve: tracing.requestId.preserve, generate: tracing.requestId.generate },
  };
}

/** The zone: --zone, else the configuration's `zone`, else SLUICE_ZONE (empty values count as unset). */
export function localitySnapshot(config: SluiceConfig, sources: ZoneSources): LocalitySnapshot {
  const zone = [sources.flag, config.zone, sources.env].find((value) => value !== undefined && value !== '') ?? '';
  const fleet = Object.fromEntries(Object.entries(config.fleet ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { zone, fleet };
}

function balancingSnapshot(cluster: ClusterConfig): BalancingSnapshot {
  const { slowStart, hashPolicy, affinity } = cluster;
  return {
    choiceCount: cluster.choiceCount,
    activeRequestBias: cluster.activeRequestBias,
    panicThresholdPercent: cluster.panicThreshold,
    zoneAware: { enabled: cluster.zoneAware.enabled, minClusterSize: cluster.zoneAware.minClusterSize },
    ...(slowStart === undefined ? {} : { slowStart: { windowMs: slowStart.window, aggression: slowStart.aggression, minWeightPercent: slowStart.minWeightPercent } }),
    ...(hashPolicy === undefined ? {} : { hashPolicy: hashPolicySnapshot(hashPolicy) }),
    ringHash: { minRingSize: cluster.ringHash.minRingSize, maxRingSize: cluster.ringHash.maxRingSize },
    ...(affinity === undefined ? {} : {
      affinity: { cookie: { name: affinity.cookie.name, ...(affinity.cookie.ttl === undefined ? {} : { ttlMs: affinity.cookie.ttl }), path: affinity.cookie.path } },
    }),
  };
}

function hashPolicySnapshot(policy: NonNullable<ClusterConfig['hashPolicy']>): HashPolicySnapshot {
  if (policy.header !== undefined) return { header: policy.header };
  if (policy.cookie !== undefined) return { cookie: policy.cookie };
  return { sourceIp: true };
}
