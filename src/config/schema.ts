// The zod schema of the YAML configuration: shapes, types, ranges, defaults and unknown-field
// rejection; certificate files are read through certificate-pair.ts. Checks that span several entries
// (unique names, cluster references, protocol and tls, ALPN against http2) live in cross-checks.ts.
import { isIP } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import * as z from 'zod';
import { accessLogFields, type AlpnProtocol } from '../snapshot.js';
import { loadCaFile } from './ca-file.js';
import { loadCertificatePair } from './certificate-pair.js';
import { describeValue } from './describe-value.js';
import { duration } from './duration-field.js';
import { healthCheck } from './health-check-schema.js';
import { outlierDetection } from './outlier-schema.js';
import { isDnsName, parseEndpointAddress, parseListenerAddress, type HostPortResult } from './host-port.js';
import { isNamespaceName } from '../kubernetes/object-names.js';
import { routeHostProblem, routePathProblem } from './route-fields.js';

const NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;

const NAME_RULE = '1 to 63 letters, digits, ".", "_" or "-", starting and ending with a letter or digit';
/** IngressClass spec.controller: a domain-prefixed path (networking/v1 validation). */
const CONTROLLER_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[A-Za-z0-9._\/-]+$/;

function nameField(what: string) {
  return z.string().regex(NAME, { error: (issue) => `${what} must be ${NAME_RULE}; found ${describeValue(issue.input)}` });
}

/** `namespace/service:port`, as the Kubernetes translation names the cluster of an Ingress backend. */
const SERVICE_PORT_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\/[a-z]([-a-z0-9]{0,61}[a-z0-9])?:[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/;

const clusterName = z.string().check((ctx) => {
  if (NAME.test(ctx.value) || SERVICE_PORT_NAME.test(ctx.value)) return;
  ctx.issues.push({ code: 'custom', message: `a cluster name must be ${NAME_RULE}, or namespace/service:port as Kubernetes backends are named; found ${describeValue(ctx.value)}`, input: ctx.value });
});

function addressField(parse: (text: string) => HostPortResult, example: string) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? undefined : `expected host:port like ${example}, found ${describeValue(issue.input)}`) })
    .transform((text, ctx) => {
      const result = parse(text);
      if (result.ok) return { text, ...result.value };
      ctx.addIssue({ code: 'custom', message: result.reason, input: text });
      return z.NEVER;
    });
}

const routeHost = z.string().check((ctx) => {
  const problem = routeHostProblem(ctx.value);
  if (problem !== undefined) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
});

const path = z.string().check((ctx) => {
  const problem = routePathProblem(ctx.value);
  if (problem !== undefined) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
});

/** `{ cert, key }` file paths, read from disk and checked, relative to `baseDir` unless absolute. */
function certificatePair(baseDir: string) {
  return z.strictObject({ cert: z.string().min(1), key: z.string().min(1) }).transform((paths, ctx) => {
    const result = loadCertificatePair(paths, baseDir);
    if (result.ok) return result.value;
    for (const { field, message } of result.problems) {
      ctx.addIssue({ code: 'custom', message, input: paths, ...(field === undefined ? {} : { path: [field] }) });
    }
    return z.NEVER;
  });
}

/** Offered in this order; h2 only makes sense while the listener's http2 is enabled (a cross-check). */
const alpnList = z
  .array(z.enum(['h2', 'http/1.1']))
  .min(1, { error: 'expected at least one protocol (h2, http/1.1), found an empty list' })
  .check((ctx) => {
    ctx.value.forEach((protocol, index) => {
      const first = ctx.value.indexOf(protocol);
      if (first !== index) ctx.issues.push({ code: 'custom', message: `duplicate "${protocol}": alpn[${first}] already offers it`, input: protocol, path: [index] });
    });
  });

function tls(baseDir: string) {
  const pair = certificatePair(baseDir);
  return z.strictObject({
    certificates: z.array(pair).min(1, { error: 'an https listener needs at least one certificate, found an empty list' }),
    defaultCertificate: pair.optional(),
    minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2'),
    // No default here: it depends on the listener's http2 block, so the listener fills it in.
    alpn: alpnList.optional(),
  });
}

const http2 = z
  .strictObject({
    enabled: z.boolean().default(true),
    maxConcurrentStreams: z.int().min(1).max(2_147_483_647).default(100),
    maxHeaderListSize: z.int().min(1_024).max(1_048_576).default(16_384),
    maxConnectionAge: duration.optional(),
    maxResetsPerSecond: z.int().min(1).default(200),
    codec: z.enum(['sluice', 'node']).default('sluice'),
  })
  .prefault({});

/** The ALPN list offered when none is configured: h2 only where the listener speaks it. */
function defaultAlpn(http2Enabled: boolean): AlpnProtocol[] {
  return http2Enabled ? ['h2', 'http/1.1'] : ['http/1.1'];
}

function listener(baseDir: string) {
  return z
    .strictObject({
      name: nameField('a listener name'),
      address: addressField(parseListenerAddress, '127.0.0.1:8080'),
      protocol: z
        .enum(['http', 'https'], { error: (issue) => `expected "http" or "https" (tcp and tls-passthrough are planned), found ${describeValue(issue.input)}` })
        .default('http'),
      timeouts: z.strictObject({ idle: duration.default(60_000), headers: duration.default(10_000) }).prefault({}),
      maxHeaderBytes: z.int().min(1_024).max(1_048_576).default(16_384),
      tls: tls(baseDir).optional(),
      http2,
    })
    .transform(({ address, tls, ...rest }) => ({
      ...rest,
      address: address.text,
      host: address.host,
      port: address.port,
      ...(tls === undefined ? {} : { tls: { ...tls, alpn: tls.alpn ?? defaultAlpn(rest.http2.enabled) } }),
    }));
}

const pathRule = z.strictObject({
  path,
  pathType: z.enum(['Exact', 'Prefix', 'ImplementationSpecific']),
  cluster: z.string().min(1),
});

const retryOn = z
  .array(z.enum(['connect-failure', 'refused-stream', 'reset', 'gateway-error', '5xx', 'retriable-4xx']))
  .check((ctx) => {
    ctx.value.forEach((name, index) => {
      const first = ctx.value.indexOf(name);
      if (first !== index) ctx.issues.push({ code: 'custom', message: `duplicate "${name}": on[${first}] already names it`, input: name, path: [index] });
    });
  });

const retryBudget = z.strictObject({
  percent: z.number().min(1).max(100).default(20),
  minConcurrency: z.int().min(0).default(3),
});

/** Retry fields shared by a cluster's policy (with defaults) and a route's overrides (without). */
const retryFields = {
  attempts: z.int().min(0).max(10),
  on: retryOn,
  retriableStatusCodes: z.array(z.int().min(100).max(599)),
  perTryTimeout: duration,
};

/** Envoy's defaults, except that Sluice retries once on failures where nothing was answered. */
const clusterRetries = z
  .strictObject({
    attempts: retryFields.attempts.default(1),
    on: retryFields.on.default(['connect-failure', 'refused-stream', 'reset']),
    retriableStatusCodes: retryFields.retriableStatusCodes.default([]),
    perTryTimeout: retryFields.perTryTimeout.optional(),
    backoff: z
      .strictObject({ base: duration.default(25), max: duration.default(250) })
      .check((ctx) => {
        if (ctx.value.base > ctx.value.max) ctx.issues.push({ code: 'custom', message: `base (${ctx.value.base}ms) must not exceed max (${ctx.value.max}ms)`, input: ctx.value });
      })
      .prefault({}),
    budget: retryBudget.optional(),
  })
  .prefault({});

const routeRetries = z.strictObject({
  attempts: retryFields.attempts.optional(),
  on: retryFields.on.optional(),
  retriableStatusCodes: retryFields.retriableStatusCodes.optional(),
  perTryTimeout: retryFields.perTryTimeout.optional(),
  backoff: z.strictObject({ base: duration.optional(), max: duration.optional() }).optional(),
  budget: retryBudget.optional(),
});

const route = z.strictObject({
  host: routeHost.optional(),
  redirectToHttps: z.boolean().default(false),
  paths: z.array(pathRule).min(1),
  retries: routeRetries.optional(),
  timeouts: z.strictObject({ request: duration.optional() }).optional(),
});

/** Envoy's defaults. */
const circuitBreakers = z
  .strictObject({
    maxConnections: z.int().min(1).default(1024),
    maxPendingRequests: z.int().min(1).default(1024),
    maxRequests: z.int().min(1).default(1024),
    maxRetries: z.int().min(0).default(3),
  })
  .prefault({});

const endpoint = z
  .strictObject({
    address: addressField(parseEndpointAddress, '10.0.0.7:9000'),
    zone: z.string().default(''),
    weight: z.int().min(1).max(128).default(1),
  })
  .transform(({ address, ...rest }) => ({ address: address.text, host: address.host, port: address.port, ...rest }));

/** RFC 9110 token characters: header and cookie names. */
const TOKEN_TEXT = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** An HTTP field name (RFC 9110 token), compared case-insensitively, so kept lower-case. */
const headerName = z
  .string()
  .regex(TOKEN_TEXT, { error: (issue) => `expected a header name like x-user-id, found ${describeValue(issue.input)}` })
  .transform((name) => name.toLowerCase());

/** A cookie name (RFC 6265 token). */
const cookieName = z
  .string()
  .regex(TOKEN_TEXT, { error: (issue) => `expected a cookie name like session-id, found ${describeValue(issue.input)}` });

/** What ring_hash and maglev hash: exactly one of a header, a cookie or the client's address. */
const hashPolicy = z
  .strictObject({ header: headerName.optional(), cookie: cookieName.optional(), sourceIp: z.literal(true).optional() })
  .check((ctx) => {
    const given = (['header', 'cookie', 'sourceIp'] as const).filter((key) => ctx.value[key] !== undefined);
    if (given.length !== 1) {
      ctx.issues.push({ code: 'custom', message: `expected exactly one of header, cookie or sourceIp: true, found ${given.length === 0 ? 'none' : given.join(' and ')}`, input: ctx.value });
    }
  });

const slowStart = z.strictObject({
  window: duration.default(30_000),
  aggression: z.number().gt(0, { error: (issue) => `must be greater than 0, found ${describeValue(issue.input)}` }).max(100).default(1),
  minWeightPercent: z.number().min(0).max(100).default(10),
});

const zoneAware = z.strictObject({ enabled: z.boolean().default(true), minClusterSize: z.int().min(1).max(1_000_000).default(6) }).prefault({});

const ringHash = z.strictObject({ minRingSize: z.int().min(1).max(8_388_608).default(1024), maxRingSize: z.int().min(1).max(8_388_608).default(8_388_608) }).prefault({});

const affinity = z.strictObject({
  cookie: z.strictObject({
    name: cookieName.default('sluice-affinity'),
    ttl: duration.optional(),
    path: z.string().regex(/^\/[\x21-\x3a\x3c-\x7e]*$/, { error: (issue) => `expected a cookie path like /, found ${describeValue(issue.input)}` }).default('/'),
  }).prefault({}),
});

/** `clusters[].tls`: how an h2 cluster's endpoints are verified; the CA path is relative to `baseDir` unless absolute. */
function upstreamTls(baseDir: string) {
  const caFile = z.string().min(1).transform((path, ctx) => {
    const result = loadCaFile(path, baseDir);
    if (result.ok) return { file: result.file, pem: result.pem };
    ctx.addIssue({ code: 'custom', message: result.message, input: path });
    return z.NEVER;
  });
  const serverName = z.string().check((ctx) => {
    // TLS sends no IP address as SNI (RFC 6066 §3), so a name is needed here.
    const problem = isIP(ctx.value) !== 0 ? 'an IP address cannot be sent as SNI: give the DNS name the certificate holds'
      : isDnsName(ctx.value) ? undefined : 'expected a DNS name like api.internal.example';
    if (problem !== undefined) ctx.issues.push({ code: 'custom', message: `${problem}, found ${describeValue(ctx.value)}`, input: ctx.value });
  });
  return z.strictObject({ ca: caFile.optional(), serverName: serverName.optional(), insecureSkipVerify: z.boolean().default(false) });
}

function cluster(baseDir: string) {
  return z.strictObject({
    name: clusterName,
    protocol: z
      .enum(['http1', 'h2', 'h2c'], { error: (issue) => `expected "http1", "h2" (HTTP/2 over TLS) or "h2c" (HTTP/2 cleartext), found ${describeValue(issue.input)}` })
      .default('http1'),
    balancer: z.enum(['least_request', 'round_robin', 'random', 'ring_hash', 'maglev']).default('least_request'),
    endpoints: z.array(endpoint),
    choiceCount: z.int().min(2).max(100).default(2),
    activeRequestBias: z.number().min(0).max(10).default(1),
    panicThreshold: z.number().min(0).max(100).default(50),
    zoneAware,
    slowStart: slowStart.optional(),
    hashPolicy: hashPolicy.optional(),
    ringHash,
    affinity: affinity.optional(),
    timeouts: z.strictObject({ connect: duration.default(2_000), request: duration.default(15_000), idle: duration.default(60_000) }).prefault({}),
    outlierDetection: outlierDetection.optional(),
    healthCheck: healthCheck.optional(),
    retries: clusterRetries,
    circuitBreakers,
    tls: upstreamTls(baseDir).optional(),
  });
}

/** Propagation formats, each at most once (the order is not significant). */
const propagationList = z.array(z.enum(['b3', 'b3multi', 'w3c'], {
  error: (issue) => `expected "b3" (single header), "b3multi" (x-b3-* headers) or "w3c" (traceparent), found ${describeValue(issue.input)}`,
})).check((ctx) => {
  ctx.value.forEach((format, index) => {
    const first = ctx.value.indexOf(format);
    if (first !== index) ctx.issues.push({ code: 'custom', message: `duplicate "${format}": propagation[${first}] already names it`, input: format, path: [index] });
  });
});

const tracing = z
  .strictObject({
    enabled: z.boolean().default(true),
    sampleRate: z.number().min(0).max(1).default(1),
    propagation: propagationList.default(['b3multi', 'b3', 'w3c']),
    requestId: z.strictObject({ preserve: z.boolean().default(true), generate: z.boolean().default(true) }).prefault({}),
  })
  .prefault({});

const metrics = z.strictObject({ endpointLabels: z.boolean().default(true) }).prefault({});

/** `stdout`, or a file path relative to `baseDir` unless absolute (made absolute here). */
function accessLog(baseDir: string) {
  return z
    .strictObject({
      enabled: z.boolean().default(false),
      path: z.string().min(1, { error: 'expected "stdout" or a file path, found an empty string' }).default('stdout'),
      fields: z
        .array(z.enum(accessLogFields, { error: (issue) => `expected one of ${accessLogFields.join(', ')}, found ${describeValue(issue.input)}` }))
        .min(1, { error: 'expected at least one field, found an empty list' })
        .default([...accessLogFields]),
      sampleRate: z.number().min(0).max(1).default(1),
    })
    .prefault({})
    .transform((log) => ({ ...log, path: log.path === 'stdout' ? log.path : resolvePath(baseDir, log.path) }));
}

const admin = z
  .strictObject({
    token: z.string().regex(/^[\x21-\x7e]+$/, { error: 'a token is 1 or more visible ASCII characters (no spaces)' }).optional(),
  })
  .prefault({});

/** Kubernetes as a source of routes, clusters and certificates (Ingress, Service, EndpointSlice, Secret). */
function kubernetes(baseDir: string) {
  return z.strictObject({
    /** Absent: in-cluster credentials inside a pod, else $KUBECONFIG or ~/.kube/config. */
    kubeconfig: z.string().min(1).transform((file) => resolvePath(baseDir, file)).optional(),
    context: z.string().min(1).optional(),
    namespace: z.string().refine(isNamespaceName, { error: (issue) => `expected a namespace name (a DNS label such as shop), found ${describeValue(issue.input)}` }).optional(),
    controllerName: z.string().regex(CONTROLLER_NAME, {
      error: (issue) => `expected a domain-prefixed path such as sluice.dev/ingress-controller, found ${describeValue(issue.input)}`,
    }).default('sluice.dev/ingress-controller'),
    watchIngressWithoutClass: z.boolean().default(false),
  });
}

/** Certificate paths are resolved against `baseDir`, so the schema is built per validation (cheaply). */
export function configSchema(baseDir: string) {
  return z.strictObject({
    listeners: z.array(listener(baseDir)).min(1, { error: 'at least one listener is required, found an empty list' }),
    routes: z.array(route).default([]),
    defaultCluster: z.string().min(1).optional(),
    clusters: z.array(cluster(baseDir)).default([]),
    drainTimeout: duration.default(30_000),
    tracing,
    metrics,
    accessLog: accessLog(baseDir),
    admin,
    zone: z.string().min(1).optional(),
    fleet: z.record(z.string().min(1), z.int().min(0)).optional(),
    kubernetes: kubernetes(baseDir).optional(),
  });
}
