// Snapshots for outlier and health tests: one cluster of N endpoints on slots 0…N-1.
import type { ClusterSnapshot, HealthCheckSnapshot, OutlierDetectionSnapshot, Snapshot } from '../../src/snapshot.js';

export const OUTLIER_DEFAULTS: OutlierDetectionSnapshot = {
  consecutive5xx: 5,
  consecutiveGatewayFailure: 5,
  intervalMs: 10_000,
  baseEjectionTimeMs: 30_000,
  maxEjectionTimeMs: 300_000,
  maxEjectionPercent: 10,
  alwaysEjectOneHost: false,
  successRate: { minimumHosts: 5, requestVolume: 100, stdevFactor: 1.9 },
  failurePercentage: { threshold: 85, minimumHosts: 5, requestVolume: 50 },
  enforcing: { consecutive_5xx: 100, consecutive_gateway_failure: 0, success_rate: 100, failure_percentage: 0 },
};

export function clusterOf(size: number, extra: Partial<ClusterSnapshot> = {}, name = 'app'): ClusterSnapshot {
  return {
    name,
    protocol: 'http1',
    balancer: 'round_robin',
    endpoints: Array.from({ length: size }, (_, slot) => ({
      slot, address: `10.0.0.${slot + 1}:80`, host: `10.0.0.${slot + 1}`, port: 80, zone: '', weight: 1,
    })),
    timeouts: { connectMs: 1_000, requestMs: 1_000, idleMs: 1_000 },
    countersSlot: size,
    retries: { attempts: 1, on: ['connect-failure', 'refused-stream', 'reset'], retriableStatusCodes: [], backoff: { baseMs: 25, maxMs: 250 } },
    circuitBreakers: { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 },
    balancing: {
      choiceCount: 2, activeRequestBias: 1, panicThresholdPercent: 50, zoneAware: { enabled: true, minClusterSize: 6 },
      ringHash: { minRingSize: 1024, maxRingSize: 8_388_608 },
    },
    ...extra,
  };
}

export function snapshotOf(...clusters: ClusterSnapshot[]): Snapshot {
  return {
    version: 1, hash: '', listeners: [], routes: [], clusters, drainTimeoutMs: 1_000,
    tracing: { enabled: false, sampleRate: 0, propagation: [], requestId: { preserve: false, generate: false } },
    metrics: { endpointLabels: true },
    accessLog: { enabled: false, path: 'stdout', fields: ['status'], sampleRate: 1 },
    locality: { zone: '', fleet: {} },
  };
}

export function outlier(overrides: Partial<OutlierDetectionSnapshot>): OutlierDetectionSnapshot {
  return { ...OUTLIER_DEFAULTS, ...overrides };
}

export const HEALTH_DEFAULTS: HealthCheckSnapshot = {
  type: 'http', path: '/', expectedStatuses: [[200, 200]], service: '', intervalMs: 5_000, timeoutMs: 1_000, jitterMs: 0,
  healthyThreshold: 2, unhealthyThreshold: 3, requireFirstPass: true,
};
