// Random trace ids, span ids and UUID v4 request ids as lower-case hex. Random bytes come from a pooled
// buffer refilled in batches and hex-encoded once per refill, so an id is a slice of that string: no
// crypto call, no encode and no copy per id. UUIDs are formatted a batch at a time into one flat
// string for the same reason: a UUID assembled per request from pieces costs more to write to a
// socket (the pieces are walked and copied) than to make.
import { randomFillSync } from 'node:crypto';

/** Fills a buffer with random bytes: crypto in production, a seeded sequence in tests. */
export type FillRandom = (buffer: Buffer) => void;

/** Bytes per refill: 4 KiB covers 256 trace ids or 512 span ids. */
const POOL_BYTES = 4096;

/** The UUID variant digit (RFC 9562 §4.1: binary 10xx), indexed by a random digit's low two bits. */
const VARIANT_DIGITS = [0x38, 0x39, 0x61, 0x62] as const;

const UUID_LENGTH = 36;
const UUIDS_PER_BATCH = 64;
const HYPHEN = 0x2d;
const VERSION_4 = 0x34;

export class TraceIdSource {
  readonly #fill: FillRandom;
  readonly #pool = Buffer.allocUnsafe(POOL_BYTES);
  /** The pool as hex: two digits per byte. */
  #hex = '';
  #offset = 0;
  readonly #uuidBytes = Buffer.allocUnsafe(UUID_LENGTH * UUIDS_PER_BATCH);
  /** UUIDS_PER_BATCH formatted UUIDs back to back. */
  #uuids = '';
  #uuidsTaken = UUIDS_PER_BATCH;

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
    if (this.#uuidsTaken === UUIDS_PER_BATCH) this.#formatUuids();
    const start = this.#uuidsTaken++ * UUID_LENGTH;
    return this.#uuids.slice(start, start + UUID_LENGTH);
  }

  /** xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx for a batch, from 32 random digits each. */
  #formatUuids(): void {
    const out = this.#uuidBytes;
    let at = 0;
    for (let n = 0; n < UUIDS_PER_BATCH; n++) {
      const digits = this.#digits(32);
      for (let i = 0; i < 32; i++) {
        if (i === 8 || i === 12 || i === 16 || i === 20) out[at++] = HYPHEN;
        const c = digits.charCodeAt(i);
        out[at++] = i === 12 ? VERSION_4 : i === 16 ? VARIANT_DIGITS[(c <= 0x39 ? c - 0x30 : c - 0x57) & 3]! : c;
      }
    }
    this.#uuids = out.toString('latin1', 0, at);
    this.#uuidsTaken = 0;
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
