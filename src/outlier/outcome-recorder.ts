// How the data plane reports each exchange's outcome for an endpoint: one recorder per cluster,
// compiled with the runtime. It writes the EndpointTable's outcome counters; it does not route,
// retry or decide anything about requests.
import type { EndpointTable } from '../balancing/endpoint-table.js';

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
