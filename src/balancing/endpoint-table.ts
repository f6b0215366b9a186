// The EndpointTable: per-endpoint counters in one SharedArrayBuffer that every thread reads and writes
// with Atomics, so balancing and metrics see cluster-wide load. It owns the layout, not slot assignment.

/** Int32 fields per slot. Fields 3–6 are reserved for outlier detection and health; field 7 is free. */
export const SLOT_STRIDE = 8;

/** Field offsets inside a slot. */
export const EndpointField = {
  /** Requests in flight (begun, not yet ended). */
  ACTIVE: 0,
  /** Requests started since the slot was reset; wraps, read as unsigned 32-bit. */
  TOTAL: 1,
  /** Open upstream connections. */
  CONNECTIONS: 2,
  /** Reserved: consecutive 5xx / gateway failures (outlier detection). */
  CONSECUTIVE_FAILURES: 3,
  /** Reserved: last active health-check result. */
  HEALTH: 4,
  /** Reserved: when the current ejection ends (outlier detection). */
  EJECTED_UNTIL: 5,
  /** Reserved: how many times the endpoint has been ejected (ejection back-off). */
  EJECTION_COUNT: 6,
} as const;

const BYTES_PER_SLOT = SLOT_STRIDE * Int32Array.BYTES_PER_ELEMENT;
const { ACTIVE, TOTAL, CONNECTIONS } = EndpointField;

// No bounds checks on the hot path: Atomics throws a RangeError for an index outside the buffer, and
// slots come from the SlotAllocator, which never hands out one beyond the capacity.
export class EndpointTable {
  readonly buffer: SharedArrayBuffer;
  readonly capacity: number;
  readonly #cells: Int32Array;

  static create(capacity: number): EndpointTable {
    if (!Number.isInteger(capacity) || capacity <= 0) {
      throw new RangeError(`EndpointTable capacity must be a positive integer, got ${capacity}`);
    }
    return new EndpointTable(new SharedArrayBuffer(capacity * BYTES_PER_SLOT));
  }

  constructor(buffer: SharedArrayBuffer) {
    if (buffer.byteLength === 0 || buffer.byteLength % BYTES_PER_SLOT !== 0) {
      throw new RangeError(`EndpointTable buffer must hold whole slots of ${BYTES_PER_SLOT} bytes, got ${buffer.byteLength} bytes`);
    }
    this.buffer = buffer;
    this.capacity = buffer.byteLength / BYTES_PER_SLOT;
    this.#cells = new Int32Array(buffer);
  }

  beginRequest(slot: number): void {
    const base = slot * SLOT_STRIDE;
    Atomics.add(this.#cells, base + ACTIVE, 1);
    Atomics.add(this.#cells, base + TOTAL, 1);
  }

  endRequest(slot: number): void {
    Atomics.sub(this.#cells, slot * SLOT_STRIDE + ACTIVE, 1);
  }

  active(slot: number): number {
    return Atomics.load(this.#cells, slot * SLOT_STRIDE + ACTIVE);
  }

  total(slot: number): number {
    return Atomics.load(this.#cells, slot * SLOT_STRIDE + TOTAL) >>> 0;
  }

  connectionOpened(slot: number): void {
    Atomics.add(this.#cells, slot * SLOT_STRIDE + CONNECTIONS, 1);
  }

  connectionClosed(slot: number): void {
    Atomics.sub(this.#cells, slot * SLOT_STRIDE + CONNECTIONS, 1);
  }

  connections(slot: number): number {
    return Atomics.load(this.#cells, slot * SLOT_STRIDE + CONNECTIONS);
  }

  /** Zeroes every field of the slot, reserved ones included (the slot starts a new endpoint's life). */
  reset(slot: number): void {
    const base = slot * SLOT_STRIDE;
    for (let field = 0; field < SLOT_STRIDE; field++) Atomics.store(this.#cells, base + field, 0);
  }
}
