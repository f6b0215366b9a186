// The retry decision: may this failed try be tried again, given the route's policy, the request's
// method and how much of its body Sluice still holds? Pure: no clock, no counters (the budget and the
// circuit breakers are asked separately), so the whole table is unit-tested.
import type { ErrorCode } from '../errors.js';
import type { RetryOn, RetryPolicySnapshot } from '../snapshot.js';

/** What went wrong with one try. */
export const enum TryFailure {
  /** The connection to the endpoint was refused, failed or timed out: nothing was sent. */
  ConnectFailure,
  /** An HTTP/2 stream refused before the endpoint processed it (REFUSED_STREAM, beyond a GOAWAY): nothing was processed. */
  RefusedStream,
  /** The endpoint closed or reset the connection (or stream) before a complete response head. */
  Reset,
  /** The try's own deadline (`perTryTimeout`) passed before the response head. */
  PerTryTimeout,
  /** A complete response head arrived with a status the policy may retry (see `retriesStatus`). */
  Status,
}

const bit = {
  'connect-failure': 1,
  'refused-stream': 2,
  reset: 4,
  'gateway-error': 8,
  '5xx': 16,
  'retriable-4xx': 32,
} as const satisfies Record<RetryOn, number>;

/** A route's retry policy, compiled once per snapshot. */
export interface RetryPolicy {
  /** Retries after the first try (Envoy's `num_retries`). */
  readonly attempts: number;
  /** Which failures of a try may be retried. */
  readonly on: number;
  /** By status code (index): 1 when a response with that status is retried. */
  readonly statuses: Uint8Array;
  /** Deadline of each try until its response head; 0 = none (only the whole-request timeout). */
  readonly perTryTimeoutMs: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** Concurrent retries as a share of active requests; absent → the cluster's `maxRetries` caps them. */
  readonly budget: { readonly percent: number; readonly minConcurrency: number } | undefined;
}

export function compileRetryPolicy(snapshot: RetryPolicySnapshot): RetryPolicy {
  let on = 0;
  for (const name of snapshot.on) on |= bit[name];
  const statuses = new Uint8Array(600);
  for (let status = 500; status < 600; status++) if ((on & bit['5xx']) !== 0) statuses[status] = 1;
  if ((on & bit['gateway-error']) !== 0) statuses[502] = statuses[503] = statuses[504] = 1;
  if ((on & bit['retriable-4xx']) !== 0) statuses[409] = 1;
  for (const status of snapshot.retriableStatusCodes) statuses[status] = 1;
  return {
    attempts: snapshot.attempts,
    on,
    statuses,
    perTryTimeoutMs: snapshot.perTryTimeoutMs ?? 0,
    backoffBaseMs: snapshot.backoff.baseMs,
    backoffMaxMs: snapshot.backoff.maxMs,
    budget: snapshot.budget,
  };
}

/** Whether a response with `status` is one the policy retries (checked before anything reaches the client). */
export function retriesStatus(policy: RetryPolicy, status: number): boolean {
  return status < 600 && policy.statuses[status] === 1;
}

// Connect failures and refused streams never reached the application; 5xx and gateway-error include
// every failure to get a response (Envoy); reset includes per-try timeouts ("did not respond").
const RETRIED_BY: Readonly<Record<Exclude<TryFailure, TryFailure.Status>, number>> = {
  [TryFailure.ConnectFailure]: bit['connect-failure'] | bit.reset | bit['gateway-error'] | bit['5xx'],
  [TryFailure.RefusedStream]: bit['refused-stream'] | bit.reset | bit['gateway-error'] | bit['5xx'],
  [TryFailure.Reset]: bit.reset | bit['gateway-error'] | bit['5xx'],
  [TryFailure.PerTryTimeout]: bit.reset | bit['gateway-error'] | bit['5xx'],
};

/**
 * The retry policy's name for an upstream failure Sluice reports as `code`; undefined for failures
 * that are never retried (a response Sluice cannot parse, the whole request's timeout, a breaker).
 * Refused streams and per-try timeouts are told apart by the caller.
 */
export function tryFailureOf(code: ErrorCode): TryFailure | undefined {
  switch (code) {
    case 'upstream_connect_failed':
    case 'connect_timeout':
      return TryFailure.ConnectFailure;
    case 'upstream_reset':
      return TryFailure.Reset;
    default:
      return undefined;
  }
}

/** Methods that may be sent twice (RFC 9110 §9.2.2). */
export function isIdempotent(method: string): boolean {
  switch (method) {
    case 'GET': case 'HEAD': case 'OPTIONS': case 'TRACE': case 'PUT': case 'DELETE':
      return true;
    default:
      return false;
  }
}

export interface TryState {
  readonly failure: TryFailure;
  /** Retries already made for this request (0 after the first try). */
  readonly retriesMade: number;
  readonly idempotent: boolean;
  /** Every body byte sent so far is still held, so the request can be sent again whole. */
  readonly replayable: boolean;
}

/**
 * Whether the policy allows another try. A non-idempotent request is retried only when nothing was
 * sent (connect failure, refused stream); any request only when its body can be replayed. A `Status`
 * failure is passed here only when `retriesStatus` said yes.
 */
export function mayRetry(policy: RetryPolicy, state: TryState): boolean {
  if (state.retriesMade >= policy.attempts || !state.replayable) return false;
  const failure = state.failure;
  const nothingSent = failure === TryFailure.ConnectFailure || failure === TryFailure.RefusedStream;
  if (!state.idempotent && !nothingSent) return false;
  return failure === TryFailure.Status || (policy.on & RETRIED_BY[failure]) !== 0;
}
