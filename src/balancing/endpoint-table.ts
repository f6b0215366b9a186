// The EndpointTable: per-endpoint counters and availability in one SharedArrayBuffer that every thread
// reads and writes with Atomics, so balancing, outlier detection, health and metrics all see one view.
// It owns the layout and the atomic operations, not slot assignment and not the policies that decide
// when an endpoint is ejected or unhealthy.

/** Int32 fields per slot. */
export const SLOT_STRIDE = 16;

/** Int32 cells before slot 0: the generation counter and the epoch. */
const HEADER_CELLS = 4;
const GENERATION = 0;
/** Cells 2–3 hold the epoch (ms since 1970) as one Float64, written once before the buffer is shared. */
const EPOCH_FLOAT64_INDEX = 1;

/** Field offsets inside a slot. */
export const EndpointField = {
  /** Requests in flight (begun, not yet ended). */
  ACTIVE: 0,
  /** Requests started since the slot was reset; wraps, read as unsigned 32-bit. */
  TOTAL: 1,
  /** Open upstream connections. */
  CONNECTIONS: 2,
  /** Availability flags (`EndpointState`); 0 = available. */
  STATE: 3,
  /** Consecutive 5xx responses (gateway failures included), reset by any other response. */
  CONSECUTIVE_5XX: 4,
  /** Consecutive gateway failures (502/503/504, connect failure, reset, timeout). */
  CONSECUTIVE_GATEWAY: 5,
  /** Responses below 500 in the current outlier-detection interval. */
  INTERVAL_SUCCESS: 6,
  /** 5xx responses and gateway failures in the current interval. */
  INTERVAL_FAILURE: 7,
  /** Times the endpoint has been ejected (ejection back-off); decays while it stays in. */
  EJECTION_COUNT: 8,
  /** When the endpoint last became available, in 100 ms units since the table's epoch (slow start). */
  AVAILABLE_SINCE: 9,
} as const;

/**
 * Fields of a cluster's own slot (one per cluster, beside its endpoints' slots): the circuit-breaker
 * counters summed over every worker. REQUESTS shares ACTIVE's cell, so the slot drains like any other.
 */
export const ClusterField = {
  /** Requests in flight to the cluster. */
  REQUESTS: 0,
  /** Open connections to the cluster's endpoints. */
  CONNECTIONS: 2,
  /** Requests waiting for a new connection to be established. */
  PENDING: 10,
  /** Retries in flight. */
  RETRIES: 11,
} as const;

/** Bits of the STATE field: any bit set takes the endpoint out of balancing (panic mode aside). */
export const EndpointState = {
  /** Ejected by outlier detection. */
  EJECTED: 1,
  /** Failing its active health check. */
  UNHEALTHY: 2,
  /** Health checks are configured and the endpoint has not passed one yet. */
  UNCHECKED: 4,
} as const;

const SINCE_UNIT_MS = 100;
const BYTES_PER_SLOT = SLOT_STRIDE * Int32Array.BYTES_PER_ELEMENT;
const HEADER_BYTES = HEADER_CELLS * Int32Array.BYTES_PER_ELEMENT;
const {
  ACTIVE, TOTAL, CONNECTIONS, STATE, CONSECUTIVE_5XX, CONSECUTIVE_GATEWAY, INTERVAL_SUCCESS, INTERVAL_FAILURE,
  EJECTION_COUNT, AVAILABLE_SINCE,
} = EndpointField;

// No bounds checks on the hot path: Atomics throws a RangeError for an index outside the buffer, and
// slots come from the SlotAllocator, which never hands out one beyond the capacity.
export class EndpointTable {
  readonly buffer: SharedArrayBuffer;
  readonly capacity: number;
  /** ms since 1970 that AVAILABLE_SINCE counts from; the same in every thread. */
  readonly epochMs: number;
  readonly #cells: Int32Array;

  /** `nowMs`: the wall clock (ms since 1970) when the table is made; it becomes the epoch. */
  static create(capacity: number, nowMs: number = Date.now()): EndpointTable {
    if (!Number.isInteger(capacity) || capacity <= 0) {
      throw new RangeError(`EndpointTable capacity must be a positive integer, got ${capacity}`);
    }
    const buffer = new SharedArrayBuffer(HEADER_BYTES + capacity * BYTES_PER_SLOT);
    new Float64Array(buffer, 0, 2)[EPOCH_FLOAT64_INDEX] = nowMs;
    return new EndpointTable(buffer);
  }

  constructor(buffer: SharedArrayBuffer) {
    const slotBytes = buffer.byteLength - HEADER_BYTES;
    if (slotBytes <= 0 || slotBytes % BYTES_PER_SLOT !== 0) {
      throw new RangeError(
        `EndpointTable buffer must hold a ${HEADER_BYTES}-byte header and whole slots of ${BYTES_PER_SLOT} bytes, got ${buffer.byteLength} bytes`,
      );
    }
    this.buffer = buffer;
    this.capacity = slotBytes / BYTES_PER_SLOT;
    this.epochMs = new Float64Array(buffer, 0, 2)[EPOCH_FLOAT64_INDEX];
    this.#cells = new Int32Array(buffer);
  }

  // ── load (workers) ────────────────────────────────────────────────────────────────────────────

  beginRequest(slot: number): void {
    const base = cellOf(slot);
    Atomics.add(this.#cells, base + ACTIVE, 1);
    Atomics.add(this.#cells, base + TOTAL, 1);
  }

  endRequest(slot: number): void {
    Atomics.sub(this.#cells, cellOf(slot) + ACTIVE, 1);
  }

  active(slot: number): number {
    return Atomics.load(this.#cells, cellOf(slot) + ACTIVE);
  }

  total(slot: number): number {
    return Atomics.load(this.#cells, cellOf(slot) + TOTAL) >>> 0;
  }

  connectionOpened(slot: number): void {
    Atomics.add(this.#cells, cellOf(slot) + CONNECTIONS, 1);
  }

  connectionClosed(slot: number): void {
    Atomics.sub(this.#cells, cellOf(slot) + CONNECTIONS, 1);
  }

  connections(slot: number): number {
    return Atomics.load(this.#cells, cellOf(slot) + CONNECTIONS);
  }

  // ── outcomes (workers write, the outlier detector reads) ──────────────────────────────────────

  /** A response below 500: ends both consecutive-failure runs. Writes only what changes. */
  recordSuccess(slot: number): void {
    const base = cellOf(slot);
    const cells = this.#cells;
    if (Atomics.load(cells, base + CONSECUTIVE_5XX) !== 0) Atomics.store(cells, base + CONSECUTIVE_5XX, 0);
    if (Atomics.load(cells, base + CONSECUTIVE_GATEWAY) !== 0) Atomics.store(cells, base + CONSECUTIVE_GATEWAY, 0);
    Atomics.add(cells, base + INTERVAL_SUCCESS, 1);
  }

  /**
   * A 5xx response or a gateway failure; `gateway` says which. Returns the run of consecutive 5xx
   * including this one (read the gateway run with `consecutiveGatewayFailures`).
   */
  recordFailure(slot: number, gateway: boolean): number {
    const base = cellOf(slot);
    const cells = this.#cells;
    if (gateway) Atomics.add(cells, base + CONSECUTIVE_GATEWAY, 1);
    else if (Atomics.load(cells, base + CONSECUTIVE_GATEWAY) !== 0) Atomics.store(cells, base + CONSECUTIVE_GATEWAY, 0);
    Atomics.add(cells, base + INTERVAL_FAILURE, 1);
    return Atomics.add(cells, base + CONSECUTIVE_5XX, 1) + 1;
  }

  consecutive5xx(slot: number): number {
    return Atomics.load(this.#cells, cellOf(slot) + CONSECUTIVE_5XX);
  }

  consecutiveGatewayFailures(slot: number): number {
    return Atomics.load(this.#cells, cellOf(slot) + CONSECUTIVE_GATEWAY);
  }

  /**
   * Ends the 5xx run if it has reached `threshold`; true for exactly one caller per run, however
   * many threads see it cross, so exactly one of them reports the outlier.
   */
  claimConsecutive5xx(slot: number, threshold: number): boolean {
    return this.#claimRun(cellOf(slot) + CONSECUTIVE_5XX, threshold);
  }

  /** `claimConsecutive5xx` for the gateway-failure run. */
  claimConsecutiveGatewayFailures(slot: number, threshold: number): boolean {
    return this.#claimRun(cellOf(slot) + CONSECUTIVE_GATEWAY, threshold);
  }

  #claimRun(cell: number, threshold: number): boolean {
    for (;;) {
      const run = Atomics.load(this.#cells, cell);
      if (run < threshold) return false;
      if (Atomics.compareExchange(this.#cells, cell, run, 0) === run) return true;
    }
  }

  /** Clears both consecutive runs (after an ejection, so the endpoint returns with a clean record). */
  clearConsecutive(slot: number): void {
    const base = cellOf(slot);
    Atomics.store(this.#cells, base + CONSECUTIVE_5XX, 0);
    Atomics.store(this.#cells, base + CONSECUTIVE_GATEWAY, 0);
  }

  /** The interval's success count, zeroed in the same step so no outcome is lost or counted twice. */
  takeIntervalSuccesses(slot: number): number {
    return Atomics.exchange(this.#cells, cellOf(slot) + INTERVAL_SUCCESS, 0);
  }

  takeIntervalFailures(slot: number): number {
    return Atomics.exchange(this.#cells, cellOf(slot) + INTERVAL_FAILURE, 0);
  }

  // ── availability ──────────────────────────────────────────────────────────────────────────────

  /** 0 when the endpoint may take traffic; else `EndpointState` bits. */
  state(slot: number): number {
    return Atomics.load(this.#cells, cellOf(slot) + STATE);
  }

  isAvailable(slot: number): boolean {
    return Atomics.load(this.#cells, cellOf(slot) + STATE) === 0;
  }

  /**
   * Sets `flag`; returns false if it was already set (another thread got there first, so exactly one
   * caller acts on a transition). Taking an endpoint out bumps the generation.
   */
  setFlag(slot: number, flag: number): boolean {
    const previous = Atomics.or(this.#cells, cellOf(slot) + STATE, flag);
    if ((previous & flag) !== 0) return false;
    if (previous === 0) Atomics.add(this.#cells, GENERATION, 1);
    return true;
  }

  /**
   * Clears `flag`; returns false if it was not set. When the endpoint becomes available its
   * AVAILABLE_SINCE is stamped with `nowMs` (wall clock) and the generation bumps.
   */
  clearFlag(slot: number, flag: number, nowMs: number): boolean {
    const base = cellOf(slot);
    const previous = Atomics.and(this.#cells, base + STATE, ~flag);
    if ((previous & flag) === 0) return false;
    if (previous === flag) {
      Atomics.store(this.#cells, base + AVAILABLE_SINCE, this.#sinceEpoch(nowMs));
      Atomics.add(this.#cells, GENERATION, 1);
    }
    return true;
  }

  /** When the endpoint last became available (ms since 1970); the epoch if it never changed. */
  availableSince(slot: number): number {
    return this.epochMs + Atomics.load(this.#cells, cellOf(slot) + AVAILABLE_SINCE) * SINCE_UNIT_MS;
  }

  /**
   * Changes whenever an endpoint becomes available or unavailable: balancers rebuild their view of
   * available endpoints (zones, panic) when it moves, never per request.
   */
  generation(): number {
    return Atomics.load(this.#cells, GENERATION);
  }

  ejectionCount(slot: number): number {
    return Atomics.load(this.#cells, cellOf(slot) + EJECTION_COUNT);
  }

  setEjectionCount(slot: number, count: number): void {
    Atomics.store(this.#cells, cellOf(slot) + EJECTION_COUNT, count);
  }

  // ── cluster counters (circuit breakers) ───────────────────────────────────────────────────────

  /**
   * Adds one to `field` unless it already holds `limit` or more: false = over the limit, nothing
   * changed. Add-then-undo keeps it one atomic step, so two threads can never both take the last unit.
   */
  acquireUpTo(slot: number, field: number, limit: number): boolean {
    const cell = cellOf(slot) + field;
    if (Atomics.add(this.#cells, cell, 1) < limit) return true;
    Atomics.sub(this.#cells, cell, 1);
    return false;
  }

  /** Gives back a unit taken with `acquireUpTo`. */
  release(slot: number, field: number): void {
    Atomics.sub(this.#cells, cellOf(slot) + field, 1);
  }

  count(slot: number, field: number): number {
    return Atomics.load(this.#cells, cellOf(slot) + field);
  }

  // ── lifecycle (main thread) ───────────────────────────────────────────────────────────────────

  /**
   * Zeroes every field of the slot and gives it `initialState` (e.g. UNCHECKED when health checks
   * must pass first): the slot starts a new endpoint's life, available since `nowMs`.
   */
  reset(slot: number, nowMs: number = this.epochMs, initialState = 0): void {
    const base = cellOf(slot);
    for (let field = 0; field < SLOT_STRIDE; field++) Atomics.store(this.#cells, base + field, 0);
    Atomics.store(this.#cells, base + AVAILABLE_SINCE, this.#sinceEpoch(nowMs));
    if (initialState !== 0) Atomics.store(this.#cells, base + STATE, initialState);
    Atomics.add(this.#cells, GENERATION, 1);
  }

  /** Time since the epoch in 100 ms units: an Int32 lasts 6.8 years, and slow start needs no finer. */
  #sinceEpoch(nowMs: number): number {
    return Math.min(0x7fffffff, Math.max(0, Math.round((nowMs - this.epochMs) / SINCE_UNIT_MS)));
  }
}

function cellOf(slot: number): number {
  return HEADER_CELLS + slot * SLOT_STRIDE;
}
