// The Snapshot: the immutable, versioned, structured-clone-safe data the control plane sends to every
// worker. Plain data only (no functions, no class instances): workers compile it into a Runtime.

export type PathType = 'Exact' | 'Prefix' | 'ImplementationSpecific';
export type BalancerName = 'least_request' | 'round_robin' | 'random' | 'ring_hash' | 'maglev';
export type ListenerProtocol = 'http' | 'https';
export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';
export type AlpnProtocol = 'h2' | 'http/1.1';
/** Who speaks HTTP/2 to clients: Sluice's own engine (src/h2/server) or node:http2. */
export type Http2Codec = 'sluice' | 'node';
/** How Sluice talks to a cluster's endpoints: HTTP/1.1, HTTP/2 over TLS (ALPN), HTTP/2 cleartext (prior knowledge). */
export type ClusterProtocol = 'http1' | 'h2' | 'h2c';
/** Trace header formats Sluice writes: single `b3`, B3 multi-header (`x-b3-*`), W3C `traceparent`. */
export type TracePropagation = 'b3' | 'b3multi' | 'w3c';

export interface Snapshot {
  /** Increases by one for every distinct snapshot the control plane publishes. */
  readonly version: number;
  /** sha256 (hex) of the snapshot's content without `version`: an unchanged result is not re-sent. */
  readonly hash: string;
  readonly listeners: readonly ListenerSnapshot[];
  /** Ingress-style rules in configuration order (the order breaks ties). */
  readonly routes: readonly RouteSnapshot[];
  /** Cluster that serves requests no rule matches; without it they get 404 `no_route`. */
  readonly defaultCluster?: string;
  readonly clusters: readonly ClusterSnapshot[];
  /** How long a draining worker waits for in-flight requests before closing them. */
  readonly drainTimeoutMs: number;
  readonly tracing: TracingSnapshot;
  readonly metrics: MetricsSnapshot;
  readonly accessLog: AccessLogSnapshot;
  /** Where this proxy runs, for zone-aware routing. */
  readonly locality: LocalitySnapshot;
}

export interface LocalitySnapshot {
  /** The proxy's zone: --zone, else config `zone`, else SLUICE_ZONE; '' when unknown. */
  readonly zone: string;
  /** Proxies per zone (config `fleet`); empty when unknown. */
  readonly fleet: Readonly<Record<string, number>>;
}

export interface MetricsSnapshot {
  /** false: upstream series are per cluster, without the `endpoint` label. */
  readonly endpointLabels: boolean;
}

/** Every field an access log line can carry, in the default order. */
export const accessLogFields = [
  'time', 'requestId', 'traceId', 'clientAddress', 'method', 'host', 'path', 'protocol', 'status',
  'bytesIn', 'bytesOut', 'durationMs', 'upstream', 'upstreamMs', 'route', 'cluster', 'retries', 'errorCode',
] as const;
export type AccessLogField = (typeof accessLogFields)[number];

export interface AccessLogSnapshot {
  readonly enabled: boolean;
  /** `stdout` or an absolute file path. */
  readonly path: string;
  readonly fields: readonly AccessLogField[];
  /** Share of requests logged, 0 to 1. */
  readonly sampleRate: number;
}

/** Request ids and trace context propagation (B3, W3C), and spans when an OTel SDK is registered. */
export interface TracingSnapshot {
  /** false: trace and request-id headers pass through untouched, no spans. */
  readonly enabled: boolean;
  /** 0..1: share of new traces (and incoming ones without a decision) marked sampled. */
  readonly sampleRate: number;
  /** Formats written for the endpoint (every format Sluice reads is stripped either way). */
  readonly propagation: readonly TracePropagation[];
  readonly requestId: {
    /** Keep a valid incoming x-request-id. */
    readonly preserve: boolean;
    /** Generate a UUID v4 when there is none to keep. */
    readonly generate: boolean;
  };
}

export interface ListenerSnapshot {
  readonly name: string;
  /** IP literal the socket binds to (a configured `localhost` is translated to 127.0.0.1). */
  readonly host: string;
  /** Port as configured; 0 means "any free port" (the bound port is reported by the admin /config). */
  readonly port: number;
  readonly protocol: ListenerProtocol;
  /** Identity of the listening socket: same key across snapshots = same socket is kept. */
  readonly key: string;
  /** Keep-alive idle timeout for downstream connections. */
  readonly idleTimeoutMs: number;
  /** Time allowed for a client to send a complete request head (slowloris guard). */
  readonly headersTimeoutMs: number;
  /** Largest accepted request head (request line + headers); larger → 431. */
  readonly maxHeaderBytes: number;
  /** Present exactly when `protocol` is `https`. */
  readonly tls?: TlsSnapshot;
  /** HTTP/2 on this listener: offered by ALPN (https) or taken with prior knowledge (http, h2c). */
  readonly http2: Http2Snapshot;
}

export interface Http2Snapshot {
  /** false: HTTP/1.1 only (no h2 in ALPN, an h2c preface is refused like any malformed request). */
  readonly enabled: boolean;
  /** SETTINGS_MAX_CONCURRENT_STREAMS advertised to clients. */
  readonly maxConcurrentStreams: number;
  /** SETTINGS_MAX_HEADER_LIST_SIZE advertised and enforced (bytes). */
  readonly maxHeaderListSize: number;
  /** After this long a connection gets a GOAWAY (in-flight streams finish); undefined: no limit. */
  readonly maxConnectionAgeMs?: number;
  /** Streams a client may reset (or have refused) per second before its connection is closed (CVE-2023-44487). */
  readonly maxResetsPerSecond: number;
  /** Sluice's own HTTP/2 engine, or node:http2 (for new connections). */
  readonly codec: Http2Codec;
}

export interface TlsSnapshot {
  /** In configuration order; SNI picks the first whose names match exactly, else by wildcard. */
  readonly certificates: readonly CertificateSnapshot[];
  /** Served when the client sends no SNI or a name no certificate has (configured, else the first). */
  readonly defaultCertificate: CertificateSnapshot;
  readonly minVersion: TlsVersion;
  /** Offered in this order; `h2` only when the listener's http2 is enabled. */
  readonly alpn: readonly AlpnProtocol[];
}

/** Where a certificate came from: files (absolute paths, for messages and for watching them), or a Kubernetes TLS Secret (`namespace/name`). */
export type CertificateOrigin = { readonly certFile: string; readonly keyFile: string } | { readonly secret: string };

export type CertificateSnapshot = CertificateOrigin & {
  /** PEM text (certificate chain, private key). */
  readonly cert: string;
  readonly key: string;
  /** Lower-case DNS names the certificate is valid for (subjectAltName DNS entries, else the CN); `*.` wildcards kept. */
  readonly names: readonly string[];
};

export interface RouteSnapshot {
  /** Lower-case host: exact (`foo.example.com`) or one-label wildcard (`*.example.com`); absent = any host. */
  readonly host?: string;
  /** Requests for this rule arriving over plain HTTP get a 308 to the same URL on the first https listener. */
  readonly redirectToHttps?: boolean;
  readonly paths: readonly PathRuleSnapshot[];
}

export interface PathRuleSnapshot {
  readonly path: string;
  readonly pathType: PathType;
  readonly cluster: string;
  /** The route's retry policy merged over the cluster's; absent: the cluster's applies. */
  readonly retries?: RetryPolicySnapshot;
  /** The route's whole-request timeout; absent: the cluster's `timeouts.requestMs`. */
  readonly requestTimeoutMs?: number;
}

/** Which failures of a try may be retried (Envoy's `retry_on` names). */
export type RetryOn = 'connect-failure' | 'refused-stream' | 'reset' | 'gateway-error' | '5xx' | 'retriable-4xx';

export interface RetryPolicySnapshot {
  /** Retries after the first try. */
  readonly attempts: number;
  readonly on: readonly RetryOn[];
  /** Response statuses retried in addition to what `on` names. */
  readonly retriableStatusCodes: readonly number[];
  /** Deadline of each try until its response head; absent: none. */
  readonly perTryTimeoutMs?: number;
  readonly backoff: { readonly baseMs: number; readonly maxMs: number };
  /** Concurrent retries as a share of active requests; absent: the cluster's `maxRetries` applies. */
  readonly budget?: { readonly percent: number; readonly minConcurrency: number };
}

/** Cluster-wide limits (all workers together); over one → 503 `overflow`. */
export interface CircuitBreakersSnapshot {
  readonly maxConnections: number;
  readonly maxPendingRequests: number;
  readonly maxRequests: number;
  readonly maxRetries: number;
}

export interface ClusterSnapshot {
  readonly name: string;
  readonly protocol: ClusterProtocol;
  readonly balancer: BalancerName;
  readonly endpoints: readonly EndpointSnapshot[];
  readonly timeouts: ClusterTimeoutsSnapshot;
  /** The cluster's own EndpointTable slot: its circuit-breaker counters (`ClusterField`). */
  readonly countersSlot: number;
  /** Default retry policy of routes to this cluster. */
  readonly retries: RetryPolicySnapshot;
  readonly circuitBreakers: CircuitBreakersSnapshot;
  readonly balancing: BalancingSnapshot;
  /** Passive health: ejects endpoints that fail (absent: never ejected). */
  readonly outlierDetection?: OutlierDetectionSnapshot;
  /** Active health checks run by the main thread (absent: none). */
  readonly healthCheck?: HealthCheckSnapshot;
  /** How the endpoints of an `h2` cluster are verified (absent: the default CAs, each endpoint's host as the name). */
  readonly tls?: UpstreamTlsSnapshot;
}

/** Trust and naming for TLS connections to a cluster's endpoints (proxying and health checks alike). */
export interface UpstreamTlsSnapshot {
  /** Absolute path of the CA file, for messages and for watching it; absent: the default CAs. */
  readonly caFile?: string;
  /** PEM text of the CA certificates that replace the default ones (part of the content, so a new file changes the hash). */
  readonly ca?: string;
  /** Sent as SNI and checked against the endpoint's certificate instead of the endpoint's host. */
  readonly serverName?: string;
  /** Accept any certificate (self-signed, expired, another name): encryption without authentication. */
  readonly insecureSkipVerify: boolean;
}

/** Why an endpoint was ejected (Envoy's ejection types); also the `reason` metric label. */
export type OutlierReason = 'consecutive_5xx' | 'consecutive_gateway_failure' | 'success_rate' | 'failure_percentage';

/** Envoy's outlier detection knobs, with the same meanings and defaults. */
export interface OutlierDetectionSnapshot {
  /** Consecutive 5xx (gateway failures included) that eject at once. */
  readonly consecutive5xx: number;
  /** Consecutive 502/503/504, connect failures, resets and timeouts that eject at once. */
  readonly consecutiveGatewayFailure: number;
  /** How often the main thread evaluates success rates, returns ejected endpoints and decays counts. */
  readonly intervalMs: number;
  /** An ejection lasts `baseEjectionTime × ejection count`, at most `maxEjectionTime`. */
  readonly baseEjectionTimeMs: number;
  readonly maxEjectionTimeMs: number;
  /** No ejection may take the cluster's ejected share above this percentage… */
  readonly maxEjectionPercent: number;
  /** …unless this is set and nothing is ejected yet. */
  readonly alwaysEjectOneHost: boolean;
  readonly successRate: { readonly minimumHosts: number; readonly requestVolume: number; readonly stdevFactor: number };
  readonly failurePercentage: { readonly threshold: number; readonly minimumHosts: number; readonly requestVolume: number };
  /** Percent chance (0–100) that a detected outlier is actually ejected, per reason. */
  readonly enforcing: Readonly<Record<OutlierReason, number>>;
}

export type HealthCheckType = 'http' | 'tcp' | 'grpc';

export interface HealthCheckSnapshot {
  readonly type: HealthCheckType;
  /** http: the request path. */
  readonly path: string;
  /** http: the Host header; absent: the endpoint's address. */
  readonly host?: string;
  /** http: inclusive status ranges that pass. */
  readonly expectedStatuses: readonly (readonly [number, number])[];
  /** grpc: the service name asked about ("" = the server as a whole). */
  readonly service: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Each wait is the interval plus a random share of this. */
  readonly jitterMs: number;
  /** Passes in a row that bring an unhealthy endpoint back. */
  readonly healthyThreshold: number;
  /** Failures in a row that mark a healthy endpoint unhealthy. */
  readonly unhealthyThreshold: number;
  /** A new endpoint takes no traffic until its first check passes. */
  readonly requireFirstPass: boolean;
}

/** Knobs of the cluster's balancer (see docs/configuration.md for their meaning and defaults). */
export interface BalancingSnapshot {
  readonly choiceCount: number;
  readonly activeRequestBias: number;
  /** Percent of available endpoints below which the cluster balances over all of them. */
  readonly panicThresholdPercent: number;
  readonly zoneAware: { readonly enabled: boolean; readonly minClusterSize: number };
  readonly slowStart?: { readonly windowMs: number; readonly aggression: number; readonly minWeightPercent: number };
  readonly hashPolicy?: HashPolicySnapshot;
  readonly ringHash: { readonly minRingSize: number; readonly maxRingSize: number };
  readonly affinity?: { readonly cookie: AffinityCookieSnapshot };
}

/** What ring_hash and maglev hash: a request header, a cookie, or the client's IP address. */
export type HashPolicySnapshot = { readonly header: string } | { readonly cookie: string } | { readonly sourceIp: true };

export interface AffinityCookieSnapshot {
  readonly name: string;
  /** Max-Age of the cookie; absent: a session cookie. */
  readonly ttlMs?: number;
  readonly path: string;
}

export interface ClusterTimeoutsSnapshot {
  /** TCP connect to an endpoint. */
  readonly connectMs: number;
  /** Whole request, from dispatch until the response has been fully received. */
  readonly requestMs: number;
  /** How long an idle keep-alive upstream connection is kept in the pool. */
  readonly idleMs: number;
}

export interface EndpointSnapshot {
  /** Slot in the shared EndpointTable; stable for as long as the endpoint exists. */
  readonly slot: number;
  /** `host:port` exactly as configured (IPv6 in brackets): the endpoint's identity and label. */
  readonly address: string;
  readonly host: string;
  readonly port: number;
  readonly zone: string;
  readonly weight: number;
}
