// The system under test: the built Sluice CLI with one worker, fed a generated single-route config
// whose listener and cluster speak what the suite measures (HTTP/1.1, h2 over TLS, or gRPC over h2c).
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SluiceBalancing, SluiceH2Codec, SluiceTracing } from './options.js';
import { BACKEND_HOSTS } from './peers/peer-args.js';
import { freePort } from './processes.js';
import { PROXY_CPU, requireCertificate, startServingProcess, type CertificatePaths, type Endpoint, type Target, type TargetContext } from './target.js';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const START_TIMEOUT_MS = 15_000;

export interface SluiceFlavour {
  /** Listener: plain HTTP (HTTP/1.1 and h2c) or TLS with h2 by ALPN when a certificate is given. */
  readonly tls: boolean;
  /** Cluster protocol: the HTTP/1.1 default, or h2c for a gRPC backend. */
  readonly clusterProtocol: 'http1' | 'h2c';
  readonly endpoint: (port: number) => Endpoint;
}

/** The `tracing` block for each bench choice: the defaults, on with no trace sampled, or off. */
const TRACING_BLOCK: Readonly<Record<SluiceTracing, string>> = {
  default: '',
  rate0: 'tracing: { sampleRate: 0 }',
  off: 'tracing: { enabled: false }',
};

/** The cluster's endpoints and what balances over them, for each bench choice (see options.ts). */
function clusterBlock(backendPort: number, protocol: string, balancing: SluiceBalancing): string {
  if (balancing === 'single') return `clusters: [{ name: backend, ${protocol}endpoints: [{ address: "127.0.0.1:${backendPort}" }] }]`;
  const zoned = balancing === 'zoned';
  // Two endpoints in each of three zones; with this proxy in zone-a and half the fleet there, Envoy's
  // plan keeps 2/3 of requests local and spreads the rest, so every pick draws a locality first.
  const endpoints = BACKEND_HOSTS.map((host, index) =>
    `{ address: "${host}:${backendPort}"${zoned ? `, zone: zone-${'abc'[index % 3]}` : ''} }`).join(', ');
  const resilience = zoned
    ? ', zoneAware: { minClusterSize: 6 }, outlierDetection: { interval: 1s, maxEjectionPercent: 50, '
      + 'enforcing: { consecutiveGatewayFailure: 100, failurePercentage: 100 } }'
    : '';
  return [
    ...(zoned ? ['zone: zone-a', 'fleet: { zone-a: 2, zone-b: 1, zone-c: 1 }'] : []),
    `clusters: [{ name: backend, ${protocol}endpoints: [${endpoints}]${resilience} }]`,
  ].join('\n');
}

export interface SluiceConfigChoices {
  readonly certificate?: CertificatePaths;
  readonly clusterProtocol?: SluiceFlavour['clusterProtocol'];
  readonly tracing?: SluiceTracing;
  /** Every request logged to this file; undefined: the access log stays off (its default). */
  readonly accessLogFile?: string;
  readonly balancing?: SluiceBalancing;
  readonly h2Codec?: SluiceH2Codec;
}

export function sluiceConfig(listenPort: number, backendPort: number, choices: SluiceConfigChoices = {}): string {
  const { certificate, clusterProtocol = 'http1', tracing = 'default', accessLogFile, balancing = 'single', h2Codec = 'sluice' } = choices;
  const protocol = certificate === undefined
    ? 'protocol: http'
    : `protocol: https, tls: { certificates: [{ cert: "${certificate.certPath}", key: "${certificate.keyPath}" }] }`;
  // The default codec is left out, so the config reads as a user's would.
  const listener = h2Codec === 'sluice' ? protocol : `${protocol}, http2: { codec: ${h2Codec} }`;
  const clusterProtocolField = clusterProtocol === 'h2c' ? 'protocol: h2c, ' : '';
  return [
    `listeners: [{ name: web, address: "127.0.0.1:${listenPort}", ${listener} }]`,
    'routes: [{ paths: [{ path: /, pathType: Prefix, cluster: backend }] }]',
    clusterBlock(backendPort, clusterProtocolField, balancing),
    TRACING_BLOCK[tracing],
    accessLogFile === undefined ? '' : `accessLog: { enabled: true, path: "${accessLogFile}" }`,
    '',
  ].join('\n');
}

export function sluiceTarget(flavour: SluiceFlavour): Target {
  return {
    name: 'sluice',
    unavailable: () => (existsSync(CLI) ? undefined : `${CLI} not built`),
    async start(context: TargetContext) {
      const port = await freePort();
      const configPath = join(context.workDir, 'sluice.yaml');
      const certificate = flavour.tls ? requireCertificate(context) : undefined;
      await writeFile(configPath, sluiceConfig(port, context.backendPort, {
        certificate,
        clusterProtocol: flavour.clusterProtocol,
        tracing: context.tracing,
        ...(context.accessLog === 'file' ? { accessLogFile: join(context.workDir, 'access.log') } : {}),
        balancing: context.balancing,
        h2Codec: context.h2Codec,
      }));
      return startServingProcess({
        name: 'sluice',
        command: process.execPath,
        args: [CLI, '--config', configPath, '--workers', '1', '--admin', '127.0.0.1:0', '--log-level', 'warn'],
        cpu: PROXY_CPU,
        endpoint: flavour.endpoint(port),
        startTimeoutMs: START_TIMEOUT_MS,
      });
    },
  };
}
