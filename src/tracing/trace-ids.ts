// Random trace ids, span ids and UUID v4 request ids as lower-case hex, from one pooled buffer of
// random bytes refilled in batches. A trace or span id is a slice of the pool's hex form (encoded once
// per refill); UUIDs are formatted a batch at a time into one flat string and handed out as slices.
// Per request, then, an id costs no crypto call, no encode and no string pieces: a UUID assembled per
// request from pieces costs more to write to a socket (the pieces are walked and copied) than to make.
import { randomFillSync } from 'node:crypto';

/** Fills a buffer with random bytes: crypto in production, a seeded sequence in tests. */
export type FillRandom = (buffer: Buffer) => void;

/** Bytes per refill: 4 KiB covers 256 trace ids or 512 span ids. */
const POOL_BYTES = 4096;

/** Lower-case hex digits as character codes. */
const HEX = Buffer.from('0123456789abcdef', 'latin1');

const UUID_LENGTH = 36;
const UUIDS_PER_BATCH = 64;
const HYPHEN = 0x2d;

export class TraceIdSource {
  readonly #fill: FillRandom;
  readonly #pool = Buffer.allocUnsafe(POOL_BYTES);
  #offset = POOL_BYTES;
  /** The pool as hex (two digits per byte), encoded when first needed after a refill. */
  #hex = '';
  #hexStale = true;
  readonly #uuidBytes = Buffer.allocUnsafe(UUID_LENGTH * UUIDS_PER_BATCH);
  /** UUIDS_PER_BATCH formatted UUIDs back to back. */
  #uuids = '';
  #uuidsTaken = UUIDS_PER_BATCH;

  constructor(fill: FillRandom = (buffer) => randomFillSync(buffer)) {
    this.#fill = fill;
  }

  /** 128-bit trace id: 32 hex digits, never all zeros. */
  traceId(): string {
    return this.#digits(16);
  }

  /** 64-bit span id: 16 hex digits, never all zeros. */
  spanId(): string {
    return this.#digits(8);
  }

  /** A random (version 4) UUID, lower case: 122 random bits with the version and variant bits set. */
  uuid(): string {
    if (this.#uuidsTaken === UUIDS_PER_BATCH) this.#formatUuids();
    const start = this.#uuidsTaken++ * UUID_LENGTH;
    return this.#uuids.slice(start, start + UUID_LENGTH);
  }

  /** A batch of UUIDs: 8-4-4-4-12 hex digits, the 13th digit 4 (the version), the 17th one of 8, 9, a, b (the variant; RFC 9562 §5.4). */
  #formatUuids(): void {
    const out = this.#uuidBytes;
    const pool = this.#pool;
    let at = 0;
    for (let n = 0; n < UUIDS_PER_BATCH; n++) {
      const start = this.#take(16);
      for (let i = 0; i < 16; i++) {
        if (i === 4 || i === 6 || i === 8 || i === 10) out[at++] = HYPHEN;
        let byte = pool[start + i]!;
        if (i === 6) byte = (byte & 0x0f) | 0x40;
        else if (i === 8) byte = (byte & 0x3f) | 0x80;
        out[at++] = HEX[byte >> 4]!;
        out[at++] = HEX[byte & 15]!;
      }
    }
    this.#uuids = out.toString('latin1', 0, at);
    this.#uuidsTaken = 0;
  }

  #digits(bytes: number): string {
    const start = this.#nonZero(bytes);
    if (this.#hexStale) {
      this.#hex = this.#pool.toString('hex');
      this.#hexStale = false;
    }
    return this.#hex.slice(2 * start, 2 * (start + bytes));
  }

  /** All-zero ids mean "no id" in B3 and W3C; one in 2^64 draws, skipped rather than sent. */
  #nonZero(bytes: number): number {
    for (;;) {
      const start = this.#take(bytes);
      if (!allZero(this.#pool, start, start + bytes)) return start;
    }
  }

  /** Where the next `bytes` fresh random bytes start in the pool, refilling it when they do not fit. */
  #take(bytes: number): number {
    if (this.#offset + bytes > POOL_BYTES) {
      this.#fill(this.#pool);
      this.#offset = 0;
      this.#hexStale = true;
    }
    const start = this.#offset;
    this.#offset += bytes;
    return start;
  }
}

function allZero(buffer: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buffer[i] !== 0) return false;
  return true;
}
