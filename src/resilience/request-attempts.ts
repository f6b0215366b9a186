// The tries of one request: picks each endpoint with the ones already tried excluded, tells each try's
// outcome to the cluster's recorder once, and decides whether a failed try is retried (policy, budget,
// back-off). One per exchange, reset per request, so the exclude set and the pick context are reused.
// It never touches sockets or streams.
import type { Random } from '../balancing/random.js';
import type { RequestPick } from '../balancing/request-keys.js';
import type { ClusterRuntime, RouteTarget, UpstreamEndpoint } from '../worker/runtime.js';
import { retryBackoffMs } from './backoff.js';
import { isIdempotent, mayRetry, type RetryPolicy, type TryFailure } from './retry-policy.js';

/** `retryDelay` when the failure is not retried. */
export const NO_RETRY = -1;

export class RequestAttempts {
  readonly #random: Random;
  /** Slots tried for this request: the balancer skips them while others remain. */
  readonly #tried = new Set<number>();
  readonly #pick: RequestPick & { readonly exclude: ReadonlySet<number> } = { attempt: 0, exclude: this.#tried, hash: undefined, affinity: undefined };
  #cluster!: ClusterRuntime;
  #policy!: RetryPolicy;
  #idempotent = true;
  /** Holds one unit of the cluster's retry limit from the first retry until `finish`. */
  #retryHeld = false;
  /** Slot of the current try's endpoint while its outcome is still to be told; -1 when told. */
  #outcomeSlot = -1;

  constructor(random: Random) {
    this.#random = random;
  }

  /** The request's method may be sent twice (RFC 9110 §9.2.2). */
  get idempotent(): boolean {
    return this.#idempotent;
  }

  /** Tries made so far for the current request (1 after the first pick): for the access log. */
  get count(): number { return this.#pick.attempt; }

  /** Retries made so far (tries after the first). */
  get retries(): number { return Math.max(0, this.#pick.attempt - 1); }

  get policy(): RetryPolicy { return this.#policy; }

  /** The pick context: the cluster's RequestKeys write the request's hash and affinity token into it. */
  get pick(): RequestPick { return this.#pick; }

  start(target: RouteTarget, method: string): void {
    this.#cluster = target.cluster;
    this.#policy = target.retryPolicy;
    this.#idempotent = isIdempotent(method);
    this.clear();
  }

  /** No tries yet (also for a request answered without any, so `count` is 0). */
  clear(): void {
    this.#tried.clear();
    this.#pick.attempt = 0;
    this.#outcomeSlot = -1;
  }

  /** The endpoint for the next try, or undefined when the cluster has none available. */
  next(): UpstreamEndpoint | undefined {
    const endpoint = this.#cluster.balancer.pick(this.#pick);
    if (endpoint === undefined) return undefined;
    this.#pick.attempt++;
    this.#tried.add(endpoint.slot);
    this.#outcomeSlot = endpoint.slot;
    return endpoint;
  }

  /**
   * With cookie affinity, the Set-Cookie value pinning the client to `endpoint`; undefined when the
   * cluster has none or the request's cookie already names that endpoint (every path answers by this rule).
   */
  setCookieFor(endpoint: UpstreamEndpoint | undefined): string | undefined {
    return endpoint?.setCookie === undefined || this.#pick.affinity === endpoint.affinityToken ? undefined : endpoint.setCookie;
  }

  /** The current try's endpoint answered with `status` (told once per try). */
  recordResponse(status: number): void {
    if (this.#outcomeSlot < 0) return;
    this.#cluster.outcomes.response(this.#outcomeSlot, status);
    this.#outcomeSlot = -1;
  }

  /** The current try's endpoint gave no usable answer; nothing once its outcome was told. */
  recordGatewayFailure(): void {
    if (this.#outcomeSlot < 0) return;
    this.#cluster.outcomes.gatewayFailure(this.#outcomeSlot);
    this.#outcomeSlot = -1;
  }

  /**
   * Whether the failed try is retried, and after how long (ms, ≥ 0); NO_RETRY when the policy, the
   * body (`replayable`) or the cluster's retry limit says no. A yes counts the retry.
   */
  retryDelay(failure: TryFailure, replayable: boolean): number {
    const policy = this.#policy;
    const retriesMade = this.#pick.attempt - 1;
    if (!mayRetry(policy, { failure, retriesMade, idempotent: this.#idempotent, replayable })) return NO_RETRY;
    if (!this.#retryHeld) {
      if (!this.#cluster.breakers.beginRetry(policy)) return NO_RETRY;
      this.#retryHeld = true;
    }
    this.#cluster.retries.inc();
    return retryBackoffMs(retriesMade, policy.backoffBaseMs, policy.backoffMaxMs, this.#random);
  }

  /** The request is over: gives back the retry unit; an outcome not told by now is not the endpoint's. */
  finish(): void {
    this.#outcomeSlot = -1;
    if (!this.#retryHeld) return;
    this.#retryHeld = false;
    this.#cluster.breakers.endRetry();
  }
}
