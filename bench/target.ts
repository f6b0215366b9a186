// What a benchmark target is, and the one way every process-backed target is started and proven up.
import type { SluiceAccessLog, SluiceBalancing, SluiceH2Codec, SluiceTracing, TargetName } from './options.js';
import { startProcess, type ManagedProcess } from './processes.js';
import { h2Probe, http1Probe, waitUntilServing, type Probe } from './readiness.js';

/** Core for the system under test; the load generator and backend share the other one. */
export const PROXY_CPU = 0;
export const LOAD_CPU = 1;

/** The self-signed certificate the h2 suite's TLS listeners serve. */
export interface CertificatePaths {
  readonly certPath: string;
  readonly keyPath: string;
}

export interface TargetContext {
  readonly backendPort: number;
  /** Private temp directory for generated configs and logs; removed by the runner. */
  readonly workDir: string;
  /** Present in suites whose targets terminate TLS. */
  readonly certificate: CertificatePaths | undefined;
  /** Sluice's tracing block (see options.ts). */
  readonly tracing: SluiceTracing;
  /** Sluice's access log (see options.ts). */
  readonly accessLog: SluiceAccessLog;
  /** Sluice's cluster shape (see options.ts). */
  readonly balancing: SluiceBalancing;
  /** Sluice's HTTP/2 codec for clients (see options.ts). */
  readonly h2Codec: SluiceH2Codec;
}

export interface RunningTarget {
  /** What the load generator drives: a URL, or host:port for gRPC. */
  readonly url: string;
  /** Root of the process tree whose RSS is reported; undefined when the target has no process of its own. */
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

export interface Target {
  readonly name: TargetName;
  /** Why this target cannot run on this machine, or undefined when it can. */
  unavailable(): string | undefined;
  start(context: TargetContext): Promise<RunningTarget>;
}

/** Where a target serves, and how to tell that it does. */
export interface Endpoint {
  readonly url: string;
  readonly probe: Probe;
}

export const http1Endpoint = (port: number): Endpoint => ({ url: `http://127.0.0.1:${port}/`, probe: http1Probe });
export const h2Endpoint = (port: number): Endpoint => ({ url: `https://127.0.0.1:${port}/`, probe: h2Probe });

export function requireCertificate(context: TargetContext): CertificatePaths {
  if (context.certificate === undefined) throw new Error('this target needs the suite to provide a TLS certificate');
  return context.certificate;
}

export interface ServingProcessOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cpu: number;
  readonly endpoint: Endpoint;
  readonly startTimeoutMs: number;
}

/** Starts a process and resolves once its endpoint's probe passes; on failure nothing is left running. */
export async function startServingProcess(options: ServingProcessOptions): Promise<RunningTarget> {
  const managed: ManagedProcess = await startProcess(options);
  const { url, probe } = options.endpoint;
  try {
    await waitUntilServing(url, probe, [managed], options.startTimeoutMs);
  } catch (error) {
    await managed.stop();
    throw error;
  }
  return { url, pid: managed.pid, stop: () => managed.stop() };
}
