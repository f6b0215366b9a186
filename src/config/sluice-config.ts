// The validated configuration's types: what `validateConfig` returns once every default is applied
// and every duration is converted to milliseconds. Field names follow the YAML file.
import type { AccessLogField, AlpnProtocol, BalancerName, CertificateOrigin, ClusterProtocol, HealthCheckType, Http2Codec, ListenerProtocol, PathType, RetryOn, TlsVersion, TracePropagation } from '../snapshot.js';

/** Whole milliseconds, converted from a duration string such as `2s`. */
export type Milliseconds = number;

export interface SluiceConfig {
  readonly listeners: readonly ListenerConfig[];
  readonly routes: readonly RouteConfig[];
  readonly defaultCluster?: string;
  readonly clusters: readonly ClusterConfig[];
  readonly drainTimeout: Milliseconds;
  /** The proxy's own zone (below --zone, above SLUICE_ZONE). */
  readonly zone?: string;
  /** Proxies per zone, for zone-aware routing. */
  readonly fleet?: Readonly<Record<string, number>>;
  readonly tracing: TracingConfig;
  readonly metrics: MetricsConfig;
  readonly accessLog: AccessLogConfig;
  readonly admin: AdminConfig;
  /** Present: routes, clusters and certificates also come from the Kubernetes API. */
  readonly kubernetes?: KubernetesConfig;
}

export interface KubernetesConfig {
  /** Absolute path; absent: in-cluster credentials, else $KUBECONFIG or ~/.kube/config. */
  readonly kubeconfig?: string;
  readonly context?: string;
  /** Watch this namespace only; absent: every namespace. */
  readonly namespace?: string;
  /** The IngressClass `spec.controller` Sluice answers for. */
  readonly controllerName: string;
  readonly watchIngressWithoutClass: boolean;
}

/** Request ids and trace propagation; the same fields as the snapshot's. */
export interface TracingConfig {
  readonly enabled: boolean;
  readonly sampleRate: number;
  readonly propagation: readonly TracePropagation[];
  readonly requestId: { readonly preserve: boolean; readonly generate: boolean };
}

export interface MetricsConfig {
  /** false: upstream series carry the cluster only, no `endpoint` label (large clusters). */
  readonly endpointLabels: boolean;
}

export interface AccessLogConfig {
  readonly enabled: boolean;
  /** `stdout`, or an absolute file path (a configured relative path is resolved against the file's directory). */
  readonly path: string;
  /** In this order in every line. */
  readonly fields: readonly AccessLogField[];
  /** Share of requests logged, 0 to 1. */
  readonly sampleRate: number;
}

export interface AdminConfig {
  /** Bearer token the admin endpoint requires (the command line and the environment take precedence). */
  readonly token?: string;
}

export interface ListenerConfig {
  readonly name: string;
  /** As configured, e.g. `localhost:8080` or `[::1]:0`. */
  readonly address: string;
  /** IP literal to bind: `localhost` becomes 127.0.0.1, IPv6 is canonical and without brackets. */
  readonly host: string;
  /** 0 asks the kernel for any free port. */
  readonly port: number;
  readonly protocol: ListenerProtocol;
  readonly timeouts: { readonly idle: Milliseconds; readonly headers: Milliseconds };
  readonly maxHeaderBytes: number;
  /** Present exactly when `protocol` is `https`. */
  readonly tls?: TlsConfig;
  readonly http2: Http2Config;
}

/** HTTP/2 on a listener: h2 by ALPN on https, h2c with prior knowledge on http. */
export interface Http2Config {
  readonly enabled: boolean;
  readonly maxConcurrentStreams: number;
  /** Bytes. */
  readonly maxHeaderListSize: number;
  /** Absent: connections are never told to go away for their age. */
  readonly maxConnectionAge?: Milliseconds;
  readonly maxResetsPerSecond: number;
  readonly codec: Http2Codec;
}

export interface TlsConfig {
  /** In configuration order, at least one. */
  readonly certificates: readonly CertificateConfig[];
  /** As configured; when absent the first certificate is the default. */
  readonly defaultCertificate?: CertificateConfig;
  readonly minVersion: TlsVersion;
  /** As configured; when absent, `[h2, http/1.1]`, or `[http/1.1]` on a listener whose http2 is disabled. */
  readonly alpn: readonly AlpnProtocol[];
}

/** A certificate/key pair read from disk (or a TLS Secret) and checked: PEM, matching, with DNS names. */
export type CertificateConfig = CertificateOrigin & {
  /** PEM text of the certificate chain and of the private key. */
  readonly cert: string;
  readonly key: string;
  /** Lower-case subjectAltName DNS entries, else the subject CN; `*.` wildcards kept. */
  readonly names: readonly string[];
};

export interface RouteConfig {
  /** As configured (matching is case-insensitive); absent = any host. */
  readonly host?: string;
  /** Plain-HTTP requests for this rule get a 308 to https. */
  readonly redirectToHttps: boolean;
  readonly paths: readonly PathRuleConfig[];
  /** Overrides of the cluster's retry policy, field by field; absent: the cluster's applies. */
  readonly retries?: RouteRetriesConfig;
  readonly timeouts?: { readonly request?: Milliseconds };
}

export interface RetryBudgetConfig {
  readonly percent: number;
  readonly minConcurrency: number;
}

export interface RetriesConfig {
  readonly attempts: number;
  readonly on: readonly RetryOn[];
  readonly retriableStatusCodes: readonly number[];
  readonly perTryTimeout?: Milliseconds;
  readonly backoff: { readonly base: Milliseconds; readonly max: Milliseconds };
  readonly budget?: RetryBudgetConfig;
}

/** As `RetriesConfig`, every field optional: what a route leaves out comes from its cluster. */
export type RouteRetriesConfig = Partial<Omit<RetriesConfig, 'backoff'>> & { readonly backoff?: Partial<RetriesConfig['backoff']> };

export interface CircuitBreakersConfig {
  readonly maxConnections: number;
  readonly maxPendingRequests: number;
  readonly maxRequests: number;
  readonly maxRetries: number;
}

export interface PathRuleConfig {
  readonly path: string;
  readonly pathType: PathType;
  readonly cluster: string;
}

export interface ClusterConfig {
  readonly name: string;
  readonly protocol: ClusterProtocol;
  readonly balancer: BalancerName;
  readonly endpoints: readonly EndpointConfig[];
  readonly timeouts: { readonly connect: Milliseconds; readonly request: Milliseconds; readonly idle: Milliseconds };
  readonly retries: RetriesConfig;
  readonly circuitBreakers: CircuitBreakersConfig;
  readonly choiceCount: number;
  readonly activeRequestBias: number;
  /** Percent. */
  readonly panicThreshold: number;
  readonly zoneAware: { readonly enabled: boolean; readonly minClusterSize: number };
  readonly slowStart?: { readonly window: Milliseconds; readonly aggression: number; readonly minWeightPercent: number };
  /** Exactly one key is set (checked by the schema). */
  readonly hashPolicy?: { readonly header?: string; readonly cookie?: string; readonly sourceIp?: true };
  readonly ringHash: { readonly minRingSize: number; readonly maxRingSize: number };
  readonly affinity?: { readonly cookie: { readonly name: string; readonly ttl?: Milliseconds; readonly path: string } };
  readonly outlierDetection?: OutlierDetectionConfig;
  readonly healthCheck?: HealthCheckConfig;
  readonly tls?: UpstreamTlsConfig;
}

/** `clusters[].tls` (h2 clusters): the CA file read and checked, its path made absolute. */
export interface UpstreamTlsConfig {
  readonly ca?: { readonly file: string; readonly pem: string };
  readonly serverName?: string;
  readonly insecureSkipVerify: boolean;
}

/** Envoy's outlier detection knobs (see OutlierDetectionSnapshot for their meaning). */
export interface OutlierDetectionConfig {
  readonly consecutive5xx: number;
  readonly consecutiveGatewayFailure: number;
  readonly interval: Milliseconds;
  readonly baseEjectionTime: Milliseconds;
  /** As configured, else the longer of 300s and `baseEjectionTime`. */
  readonly maxEjectionTime: Milliseconds;
  readonly maxEjectionPercent: number;
  readonly alwaysEjectOneHost: boolean;
  readonly successRate: { readonly minimumHosts: number; readonly requestVolume: number; readonly stdevFactor: number };
  readonly failurePercentage: { readonly threshold: number; readonly minimumHosts: number; readonly requestVolume: number };
  /** Percent (0–100) of detections that are enforced, per detector. */
  readonly enforcing: {
    readonly consecutive5xx: number;
    readonly consecutiveGatewayFailure: number;
    readonly successRate: number;
    readonly failurePercentage: number;
  };
}

export interface HealthCheckConfig {
  readonly type: HealthCheckType;
  readonly path: string;
  readonly host?: string;
  /** Inclusive status ranges (a single status is a range of one). */
  readonly expectedStatuses: readonly (readonly [number, number])[];
  readonly service: string;
  readonly interval: Milliseconds;
  readonly timeout: Milliseconds;
  readonly jitter: Milliseconds;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
  readonly requireFirstPass: boolean;
}

export interface EndpointConfig {
  /** As configured: the endpoint's identity (its EndpointTable slot key) and label. */
  readonly address: string;
  /** IP literal (IPv6 canonical, without brackets) or lower-case DNS name. */
  readonly host: string;
  readonly port: number;
  readonly zone: string;
  readonly weight: number;
}

export interface ConfigProblem {
  /** Field path such as `clusters[1].endpoints[0].address`; "" for the file as a whole. */
  readonly path: string;
  readonly message: string;
}

export type ConfigResult = { ok: true; config: SluiceConfig } | { ok: false; problems: ConfigProblem[] };
