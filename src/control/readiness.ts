// Whether the proxy is ready: every live worker runs the current snapshot, Kubernetes (when configured)
// is in it, and no drain has begun.
// Pure, so the admin endpoint and its tests share one definition.

export interface ReadinessInput {
  readonly draining: boolean;
  readonly currentVersion: number;
  /** Live workers and the snapshot version each has applied (undefined: none yet). */
  readonly workers: readonly { readonly index: number; readonly version: number | undefined }[];
  /** Kubernetes is configured and its objects are not in the running snapshot yet. */
  readonly waitingForKubernetes?: boolean;
}

export type Readiness = { readonly ready: true } | { readonly ready: false; readonly reason: string };

export function readiness({ draining, currentVersion, workers, waitingForKubernetes = false }: ReadinessInput): Readiness {
  if (draining) return { ready: false, reason: 'draining: shutting down' };
  if (waitingForKubernetes) return { ready: false, reason: 'kubernetes: the Ingresses, Services, EndpointSlices and Secrets are not all listed and applied yet' };
  if (workers.length === 0) return { ready: false, reason: 'no live worker' };
  for (const { index, version } of workers) {
    if (version !== currentVersion) {
      const runs = version === undefined ? 'has applied no snapshot yet' : `runs version ${version}`;
      return { ready: false, reason: `worker ${index} ${runs}; current version is ${currentVersion}` };
    }
  }
  return { ready: true };
}
