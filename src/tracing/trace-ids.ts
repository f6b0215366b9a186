// Random trace and span ids as lower-case hex: bytes come from a pooled buffer refilled in batches
// (one crypto call per many ids), so an id costs one hex encode and no other allocation.
import { randomFillSync } from 'node:crypto';

/** Fills a buffer with random bytes: crypto in production, a seeded sequence in tests. */
export type FillRandom = (buffer: Buffer) => void;

/** Ids handed out per refill: 4 KiB covers 256 trace ids or 512 span ids. */
const POOL_BYTES = 4096;

export class TraceIdSource {
  readonly #fill: FillRandom;
  readonly #pool = Buffer.allocUnsafe(POOL_BYTES);
  #offset = POOL_BYTES;

  constructor(fill: FillRandom = (buffer) => randomFillSync(buffer)) {
    this.#fill = fill;
  }

  /** 128-bit trace id: 32 hex digits, never all zeros. */
  traceId(): string {
    return this.#hex(16);
  }

  /** 64-bit span id: 16 hex digits, never all zeros. */
  spanId(): string {
    return this.#hex(8);
  }

  #hex(bytes: number): string {
    for (;;) {
      if (this.#offset + bytes > POOL_BYTES) {
        this.#fill(this.#pool);
        this.#offset = 0;
      }
      const start = this.#offset;
      this.#offset += bytes;
      // All-zero ids mean "no id" in B3 and W3C; one in 2^64 draws, skipped rather than sent.
      if (!allZero(this.#pool, start, start + bytes)) return this.#pool.toString('hex', start, start + bytes);
    }
  }
}

function allZero(buffer: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buffer[i] !== 0) return false;
  return true;
}
