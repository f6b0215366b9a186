// Reads response heads from an endpoint's bytes as they arrive, across any split: gathers a partial
// head, finds where it ends, parses it, and bounds its size. What a head means (interim, final,
// upgrade) is the caller's business; it never touches the body.
import { findHeadEnd } from './head-end.js';
import { parseFailure, type ParseFailure, type ResponseHead } from './message-head.js';
import { parseResponseHead } from './response-head.js';

/** An endpoint that sends a response head larger than this is broken. */
export const MAX_RESPONSE_HEAD_BYTES = 64 * 1024;

const TOO_LARGE = parseFailure('headers_too_large', `response head larger than ${MAX_RESPONSE_HEAD_BYTES} bytes`);
const NO_BYTES = Buffer.alloc(0);

/** One per connection or exchange; reset() between responses that did not end cleanly. */
export class ResponseHeadReader {
  #pending: Buffer | undefined;
  #scanFrom = 0;
  /** After `read` returned a head: the bytes it was found in; the head is buf[0..end), what follows starts at `end`. */
  buf: Buffer = NO_BYTES;
  end = 0;

  reset(): void {
    this.#pending = undefined;
    this.#scanFrom = 0;
    this.buf = NO_BYTES;
  }

  /**
   * Adds `chunk` to what was held back and reads the next head (its body framing depends on
   * `requestMethod`). undefined: the head is not complete yet (the bytes are kept); a ParseFailure
   * when it is malformed or too large. After an interim head, read on with `buf.subarray(end)`.
   */
  read(chunk: Buffer, requestMethod: string): ResponseHead | ParseFailure | undefined {
    const buf = this.#pending === undefined ? chunk : Buffer.concat([this.#pending, chunk]);
    const end = findHeadEnd(buf, this.#scanFrom);
    if (end < 0) {
      if (buf.length > MAX_RESPONSE_HEAD_BYTES) {
        this.reset();
        return TOO_LARGE;
      }
      this.#pending = buf;
      // The terminator may straddle this chunk and the next: rescan its last three bytes.
      this.#scanFrom = Math.max(0, buf.length - 3);
      return undefined;
    }
    this.#pending = undefined;
    this.#scanFrom = 0;
    this.buf = buf;
    this.end = end;
    return parseResponseHead(buf, end, requestMethod);
  }
}
