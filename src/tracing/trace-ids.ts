// Random trace ids, span ids and UUID v4 request ids as lower-case hex. Random bytes come from a pooled
// buffer refilled in batches and hex-encoded once per refill, so an id is a slice of that string: no
// crypto call, no encode and no copy per id (the per-id encode and randomUUID were most of tracing's
// per-request cost).
import { randomFillSync } from 'node:crypto';

/** Fills a buffer with random bytes: crypto in production, a seeded sequence in tests. */
export type FillRandom = (buffer: Buffer) => void;

/** Bytes per refill: 4 KiB covers 256 trace ids or 512 span ids. */
const POOL_BYTES = 4096;

/** The UUID variant digit (RFC 9562 §4.1: binary 10xx), indexed by a random digit's low two bits. */
const VARIANT_DIGITS = '89ab';

export class TraceIdSource {
  readonly #fill: FillRandom;
  readonly #pool = Buffer.allocUnsafe(POOL_BYTES);
  /** The pool as hex: two digits per byte. */
  #hex = '';
  #offset = 0;

  constructor(fill: FillRandom = (buffer) => randomFillSync(buffer)) {
    this.#fill = fill;
  }

  /** 128-bit trace id: 32 hex digits, never all zeros. */
  traceId(): string {
    return this.#digits(32);
  }

  /** 64-bit span id: 16 hex digits, never all zeros. */
  spanId(): string {
    return this.#digits(16);
  }

  /** A random (version 4) UUID, lower case: 122 random bits with the version and variant digits set. */
  uuid(): string {
    const h = this.#digits(32);
    const digit = h.charCodeAt(16);
    const variant = VARIANT_DIGITS[((digit <= 0x39 ? digit - 0x30 : digit - 0x57) & 3)];
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  #digits(count: number): string {
    for (;;) {
      if (this.#offset + count > this.#hex.length) {
        this.#fill(this.#pool);
        this.#hex = this.#pool.toString('hex');
        this.#offset = 0;
      }
      const start = this.#offset;
      this.#offset += count;
      // All-zero ids mean "no id" in B3 and W3C; one in 2^64 draws, skipped rather than sent.
      if (!allZeroDigits(this.#hex, start, start + count)) return this.#hex.slice(start, start + count);
    }
  }
}

function allZeroDigits(hex: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (hex.charCodeAt(i) !== 0x30) return false;
  return true;
}
