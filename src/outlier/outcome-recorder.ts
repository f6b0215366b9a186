// How the data plane reports each exchange's outcome for an endpoint: one recorder per cluster,
// compiled with the runtime. It writes the EndpointTable's outcome counters and, with outlier
// detection on, ejects on consecutive errors; it does not route, retry or decide about requests.
import type { EndpointTable } from '../balancing/endpoint-table.js';
import type { Random } from '../balancing/random.js';
import type { ClusterSnapshot, OutlierDetectionSnapshot, OutlierReason } from '../snapshot.js';
import { eject, enforces, type EjectionResult } from './ejection.js';

export interface OutcomeRecorder {
  /** The endpoint answered with a final status (a 101 counts as an answer). */
  response(slot: number, status: number): void;
  /**
   * No usable response: connect failure, reset or timeout before a response head, or an invalid
   * head. Counts as a 5xx and as a gateway failure. Never call it when the client went away.
   */
  gatewayFailure(slot: number): void;
}

/** 502, 503, 504: the endpoint (or something in front of it) could not serve at all. */
export function isGatewayError(status: number): boolean {
  return status >= 502 && status <= 504;
}

/** Counts outcomes in the table; a cluster without outlier detection needs no more. */
export function countingRecorder(table: EndpointTable): OutcomeRecorder {
  return {
    response(slot, status) {
      if (status < 500) table.recordSuccess(slot);
      else table.recordFailure(slot, isGatewayError(status));
    },
    gatewayFailure(slot) {
      table.recordFailure(slot, true);
    },
  };
}

/** A worker's report of a consecutive-error outlier, for the main thread's detector and metrics. */
export interface ConsecutiveErrorReport {
  readonly cluster: string;
  readonly slot: number;
  readonly reason: Extract<OutlierReason, 'consecutive_5xx' | 'consecutive_gateway_failure'>;
  readonly result: Exclude<EjectionResult, 'already_ejected'>;
}

/**
 * Counts outcomes and ejects at once when a consecutive run reaches its threshold: the worker that
 * claims the run decides (exactly one per run), the table makes the ejection visible to every worker.
 */
export function ejectingRecorder(
  table: EndpointTable, cluster: ClusterSnapshot, outlier: OutlierDetectionSnapshot, random: Random,
  report: (event: ConsecutiveErrorReport) => void,
): OutcomeRecorder {
  const slots = cluster.endpoints.map((endpoint) => endpoint.slot);
  const detected = (slot: number, reason: ConsecutiveErrorReport['reason']): void => {
    const result = eject(table, slots, slot, outlier, enforces(outlier.enforcing[reason], random));
    // Already ejected (by another worker, or for the other run): Envoy ignores the detection too.
    if (result !== 'already_ejected') report({ cluster: cluster.name, slot, reason, result });
  };
  const failed = (slot: number, gateway: boolean): void => {
    const run = table.recordFailure(slot, gateway);
    if (gateway && table.claimConsecutiveGatewayFailures(slot, outlier.consecutiveGatewayFailure)) detected(slot, 'consecutive_gateway_failure');
    if (run >= outlier.consecutive5xx && table.claimConsecutive5xx(slot, outlier.consecutive5xx)) detected(slot, 'consecutive_5xx');
  };
  return {
    response(slot, status) {
      if (status < 500) table.recordSuccess(slot);
      else failed(slot, isGatewayError(status));
    },
    gatewayFailure(slot) {
      failed(slot, true);
    },
  };
}
