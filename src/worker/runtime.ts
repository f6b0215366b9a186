// The Runtime: a snapshot compiled for the data plane (router with resolved targets, a balancer per
// cluster, pools per endpoint, metric handles). Built once per snapshot and swapped in one assignment;
// a request keeps the runtime it started with.
import { affinitySetCookie, affinityToken } from '../balancing/affinity-cookie.js';
import { createBalancer, type Balancer, type BalancerEndpoint } from '../balancing/balancer.js';
import { balancerOptions } from '../balancing/balancer-options.js';
import { RequestKeys } from '../balancing/request-keys.js';
import type { EndpointTable } from '../balancing/endpoint-table.js';
import type { Random } from '../balancing/random.js';
import { countingRecorder, ejectingRecorder, type ConsecutiveErrorReport, type OutcomeRecorder } from '../outlier/outcome-recorder.js';
import { CircuitBreakers } from '../resilience/circuit-breakers.js';
import { compileRetryPolicy, type RetryPolicy } from '../resilience/retry-policy.js';
import type { AccessLog, AccessLogOutputs } from '../observability/access-log/access-log.js';
import type { RouteStats } from '../observability/route-stats.js';
import type { ClusterStats, UpstreamStats, UpstreamStatsOf } from '../observability/upstream-stats.js';
import type { TlsHandshakeCounters, WorkerMetrics } from '../observability/worker-metrics.js';
import type { PoolSet } from '../proxy/pool-set.js';
import type { UpstreamPool } from '../proxy/upstream-pool.js';
import { compileRouter, type Router } from '../routing/router.js';
import type { UpstreamH2Pool } from '../h2/upstream-h2-pool.js';
import type { PoolsOf } from '../proxy/pool-set.js';
import type {
  AlpnProtocol, CertificateSnapshot, ClusterProtocol, ClusterSnapshot, Http2Snapshot, LocalitySnapshot, Snapshot, TlsVersion,
} from '../snapshot.js';
import type { SecureContextCache } from '../tls/secure-contexts.js';
import type { SniSelector } from '../tls/sni-selector.js';
import { compileTracing, type TracingDeps, type TracingRuntime } from '../tracing/tracing-runtime.js';

export interface ListenerRuntime {
  readonly key: string;
  readonly name: string;
  /** The listener's id for the worker's life (`WorkerMetrics.listenerId`): picks its stats in `RouteTarget.stats`. */
  readonly index: number;
  /** Stats of requests on this listener that no route matched. */
  readonly unrouted: RouteStats;
  /** The scheme clients used, as sent in X-Forwarded-Proto. */
  readonly proto: 'http' | 'https';
  /** For https listeners: the SNI table and the default certificate. */
  readonly tls?: ListenerTls;
  readonly http2: Http2Snapshot;
  /** A plain-HTTP listener that also takes h2c with prior knowledge. */
  readonly h2c: boolean;
  readonly idleTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly maxHeaderBytes: number;
  /** The bound port as sent in X-Forwarded-Port. */
  readonly portText: string;
}

export interface ListenerTls {
  readonly sni: SniSelector;
  readonly certificate: CertificateSnapshot;
  readonly minVersion: TlsVersion;
  readonly alpn: readonly AlpnProtocol[];
  readonly handshakes: TlsHandshakeCounters;
}

interface EndpointAddress extends BalancerEndpoint {
  readonly address: string;
  readonly host: string;
  readonly port: number;
  readonly stats: UpstreamStats;
  /** With cookie affinity: this endpoint's token and the Set-Cookie value that pins a client to it. */
  readonly affinityToken?: number;
  readonly setCookie?: string;
}

/** An endpoint of an http1 cluster: Sluice's own HTTP/1.1 pool (for HTTP/1.1 and HTTP/2 clients). */
export interface Http1Endpoint extends EndpointAddress {
  readonly pool: UpstreamPool;
  readonly h2: undefined;
}

/** An endpoint of an h2 or h2c cluster: HTTP/2 sessions. */
export interface H2Endpoint extends EndpointAddress {
  readonly pool: undefined;
  readonly h2: UpstreamH2Pool;
}

/** One pool per endpoint, for the protocol its cluster speaks: `h2 === undefined` tells which. */
export type UpstreamEndpoint = Http1Endpoint | H2Endpoint;

export interface ClusterRuntime {
  readonly name: string;
  readonly protocol: ClusterProtocol;
  readonly balancer: Balancer<UpstreamEndpoint>;
  readonly breakers: CircuitBreakers;
  /** Counts retries sent to this cluster. */
  readonly retries: { inc(): void };
  /** What the balancer reads from each request (hash key, affinity cookie). */
  readonly requestKeys: RequestKeys;
  /** Where exchanges report each endpoint's outcome (outlier detection reads it). */
  readonly outcomes: OutcomeRecorder;
  readonly stats: ClusterStats;
}

export interface RouteTarget {
  readonly cluster: ClusterRuntime;
  /** The path rule matched (the span's http.route); undefined for the default backend. */
  readonly route: string | undefined;
  /** By listener id (`ListenerRuntime.index`), covering every listener the worker has run. */
  readonly stats: readonly RouteStats[];
  /** Plain-HTTP requests get a 308 to https instead of being proxied. */
  readonly redirectToHttps: boolean;
  /** The route's policy, or its cluster's, compiled once per snapshot. */
  readonly retryPolicy: RetryPolicy;
  /** Whole-request timeout: the route's, else the cluster's. */
  readonly requestTimeoutMs: number;
}

export interface Runtime {
  readonly version: number;
  readonly router: Router<RouteTarget>;
  readonly listeners: ReadonlyMap<string, ListenerRuntime>;
  /** Undefined when the access log is off. */
  readonly accessLog: AccessLog | undefined;
  /** Bound port of the first https listener: where `redirectToHttps` sends clients. */
  readonly httpsPort: number | undefined;
  readonly tracing: TracingRuntime;
}

export interface RuntimeDeps {
  readonly table: EndpointTable;
  readonly random: Random;
  /** Wall clock (ms since 1970) for slow start. */
  readonly now: () => number;
  readonly metrics: WorkerMetrics;
  readonly pools: PoolSet;
  /** Port each listener key is actually bound to. */
  readonly boundPorts: ReadonlyMap<string, number>;
  readonly secureContexts: SecureContextCache;
  readonly tracing: TracingDeps;
  /** Tells the main thread about a consecutive-error outlier this worker detected. */
  readonly reportOutlier: (report: ConsecutiveErrorReport) => void;
  readonly accessLogs: AccessLogOutputs;
}

export function compileRuntime(snapshot: Snapshot, deps: RuntimeDeps): Runtime {
  const clusterSnapshots = new Map(snapshot.clusters.map((cluster) => [cluster.name, cluster]));
  const clusters = new Map<string, ClusterRuntime>();
  const breakers = new Map(snapshot.clusters.map((cluster) => [cluster.name, new CircuitBreakers(
    deps.table, cluster.countersSlot, cluster.circuitBreakers, deps.metrics.clusterResilience(cluster.name).overflows,
  )]));
  const poolsOf = deps.pools.update(snapshot.clusters, (name) => breakers.get(name)!);
  const statsOf = deps.metrics.updateUpstreams(snapshot.clusters, snapshot.metrics.endpointLabels);
  for (const cluster of snapshot.clusters) clusters.set(cluster.name, compileCluster(cluster, snapshot.locality, poolsOf, breakers.get(cluster.name)!, statsOf, deps));
  const clusterPolicies = new Map(snapshot.clusters.map((cluster) => [cluster.name, compileRetryPolicy(cluster.retries)]));
  for (const listener of snapshot.listeners) deps.metrics.listenerId(listener.name);
  // Path rules whose route asks for https: the router hands rules, not routes, to `targetOf`.
  const redirects = new Set(snapshot.routes.flatMap((route) => (route.redirectToHttps === true ? route.paths : [])));
  const clusterNamed = (name: string): ClusterRuntime => {
    const cluster = clusters.get(name);
    if (!cluster) throw new Error(`snapshot ${snapshot.version}: route refers to unknown cluster "${name}"`);
    return cluster;
  };

  const router = compileRouter<RouteTarget>(
    snapshot.routes,
    (rule, host) => ({
      cluster: clusterNamed(rule.cluster),
      route: rule.path,
      stats: deps.metrics.routeStatsByListener(`${host ?? '*'}${rule.path}`, rule.cluster),
      redirectToHttps: redirects.has(rule),
      retryPolicy: rule.retries === undefined ? clusterPolicies.get(rule.cluster)! : compileRetryPolicy(rule.retries),
      requestTimeoutMs: rule.requestTimeoutMs ?? clusterSnapshots.get(rule.cluster)!.timeouts.requestMs,
    }),
    snapshot.defaultCluster === undefined ? undefined : {
      cluster: clusterNamed(snapshot.defaultCluster),
      route: undefined,
      stats: deps.metrics.routeStatsByListener('default', snapshot.defaultCluster),
      redirectToHttps: false,
      retryPolicy: clusterPolicies.get(snapshot.defaultCluster)!,
      requestTimeoutMs: clusterSnapshots.get(snapshot.defaultCluster)!.timeouts.requestMs,
    },
  );

  const listeners = new Map<string, ListenerRuntime>();
  let httpsPort: number | undefined;
  for (const listener of snapshot.listeners) {
    const port = deps.boundPorts.get(listener.key) ?? listener.port;
    const tls = listener.tls;
    if (tls !== undefined) httpsPort ??= port;
    listeners.set(listener.key, {
      key: listener.key,
      name: listener.name,
      index: deps.metrics.listenerId(listener.name),
      unrouted: deps.metrics.routeStats(listener.name, '', ''),
      proto: listener.protocol,
      tls: tls === undefined ? undefined : {
        sni: deps.secureContexts.selectorFor(tls),
        certificate: tls.defaultCertificate,
        minVersion: tls.minVersion,
        alpn: tls.alpn,
        handshakes: deps.metrics.tlsHandshakeCounters(listener.name),
      },
      http2: listener.http2,
      h2c: listener.protocol === 'http' && listener.http2.enabled,
      idleTimeoutMs: listener.idleTimeoutMs,
      headersTimeoutMs: listener.headersTimeoutMs,
      maxHeaderBytes: listener.maxHeaderBytes,
      portText: String(port),
    });
  }
  deps.secureContexts.prune();
  const tracing = compileTracing(snapshot.tracing, deps.tracing);
  const accessLog = deps.accessLogs.accessLogFor(snapshot.accessLog, deps.random);
  return { version: snapshot.version, router, listeners, accessLog, httpsPort, tracing };
}

function compileCluster(cluster: ClusterSnapshot, locality: LocalitySnapshot, poolsOf: PoolsOf, breakers: CircuitBreakers, statsOf: UpstreamStatsOf, deps: RuntimeDeps): ClusterRuntime {
  const stats = deps.metrics.clusterStats(cluster.name);
  const { hashPolicy, affinity } = cluster.balancing;
  const endpoints: UpstreamEndpoint[] = cluster.endpoints.map((endpoint) => {
    const pools = poolsOf(cluster, endpoint);
    if (pools.http1 !== undefined) pools.http1.connectTimes = stats.connectTimes;
    if (pools.h2 !== undefined) pools.h2.connectTimes = stats.connectTimes;
    const token = affinity === undefined ? undefined : affinityToken(cluster.name, endpoint.address);
    const address = {
      slot: endpoint.slot, weight: endpoint.weight, zone: endpoint.zone, address: endpoint.address, host: endpoint.host, port: endpoint.port,
      stats: statsOf(cluster.name, endpoint.address),
      ...(token === undefined ? {} : { affinityToken: token, setCookie: affinitySetCookie(affinity!.cookie, token) }),
    };
    return pools.h2 === undefined ? { ...address, pool: pools.http1!, h2: undefined } : { ...address, pool: undefined, h2: pools.h2 };
  });
  return {
    name: cluster.name,
    protocol: cluster.protocol,
    balancer: createBalancer(cluster.balancer, endpoints, { table: deps.table, random: deps.random, now: deps.now }, balancerOptions(cluster.balancing, locality)),
    requestKeys: new RequestKeys(hashPolicy, affinity?.cookie.name),
    breakers,
    retries: deps.metrics.clusterResilience(cluster.name).retries,
    outcomes: cluster.outlierDetection === undefined
      ? countingRecorder(deps.table)
      : ejectingRecorder(deps.table, cluster, cluster.outlierDetection, deps.random, deps.reportOutlier),
    stats,
  };
}
