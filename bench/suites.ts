// The suites of `--suite`: for each, what is measured, the backend, the load generator and the
// targets by name. The runner (run.ts) is the same for all of them.
import { grpcLoadGenerator } from './grpc-load.js';
import { h2loadGenerator } from './h2load-load.js';
import type { LoadGenerator } from './load.js';
import { loadGeneratorNamed } from './load-generators.js';
import { nginxTarget } from './nginx-target.js';
import type { BenchOptions, SuiteName, TargetName } from './options.js';
import { sluiceTarget } from './sluice-target.js';
import { h2Endpoint, http1Endpoint, type Target } from './target.js';
import { directTarget, grpcEndpoint, nodePeerTarget, startGrpcBackend, startHttp1Backend, type Backend } from './targets.js';
import { opensslUnavailable } from './tls-cert.js';

export interface Suite {
  readonly name: SuiteName;
  /** What crosses the proxy, for the report. */
  readonly protocol: string;
  /** Whether targets terminate TLS with the bench's self-signed certificate. */
  readonly needsCertificate: boolean;
  loadGenerator(options: BenchOptions): LoadGenerator;
  /** Why the suite cannot run on this machine apart from its load generator, or undefined when it can. */
  unavailable(): string | undefined;
  startBackend(): Promise<Backend>;
  /** Only names listed in SUITE_TARGETS[suite] are asked for; options.ts enforces that. */
  readonly targets: Partial<Readonly<Record<TargetName, Target>>>;
}

const SUITES: Readonly<Record<SuiteName, Suite>> = {
  h1: {
    name: 'h1',
    protocol: 'HTTP/1.1',
    needsCertificate: false,
    loadGenerator: (options) => loadGeneratorNamed(options.load),
    unavailable: () => undefined,
    startBackend: startHttp1Backend,
    targets: {
      direct: directTarget(http1Endpoint),
      sluice: sluiceTarget({ tls: false, clusterProtocol: 'http1', endpoint: http1Endpoint }),
      nginx: nginxTarget(false),
      'http-proxy': nodePeerTarget('http-proxy', 'http-proxy-peer.js'),
      'undici-proxy': nodePeerTarget('undici-proxy', 'undici-proxy-peer.js'),
    },
  },
  h2: {
    name: 'h2',
    protocol: 'HTTP/2 over TLS to the proxy, HTTP/1.1 to the backend',
    needsCertificate: true,
    loadGenerator: () => h2loadGenerator,
    unavailable: opensslUnavailable,
    startBackend: startHttp1Backend,
    targets: {
      sluice: sluiceTarget({ tls: true, clusterProtocol: 'http1', endpoint: h2Endpoint }),
      nginx: nginxTarget(true),
    },
  },
  grpc: {
    name: 'grpc',
    protocol: 'gRPC over h2c both ways',
    needsCertificate: false,
    loadGenerator: () => grpcLoadGenerator,
    unavailable: () => undefined,
    startBackend: startGrpcBackend,
    targets: {
      direct: directTarget(grpcEndpoint),
      sluice: sluiceTarget({ tls: false, clusterProtocol: 'h2c', endpoint: grpcEndpoint }),
    },
  },
};

export function suiteNamed(name: SuiteName): Suite {
  return SUITES[name];
}

export function suiteTarget(suite: Suite, name: TargetName): Target {
  const target = suite.targets[name];
  if (target === undefined) throw new Error(`--suite ${suite.name} has no target "${name}"`);
  return target;
}
