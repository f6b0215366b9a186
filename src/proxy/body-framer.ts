// Tracks where one HTTP/1.1 message body ends while its bytes are forwarded untouched (never copied,
// never re-encoded). One framer per direction per connection, reused for every message.
import { ChunkedScanner, type BodyDataHandler } from '../http1/index.js';

export const enum BodyMode { None, Length, Chunked, UntilClose }

/** `advance` result: the body goes on past the bytes given. */
export const BODY_CONTINUES = -1;
/** `advance` result: the chunked framing is invalid. */
export const BODY_INVALID = -2;

export class BodyFramer {
  #mode: BodyMode = BodyMode.None;
  #remaining = 0;
  readonly #scanner = new ChunkedScanner();

  get mode(): BodyMode { return this.#mode; }

  /** Frames the next body: chunked wins over a length (RFC 9112 §6.3); `untilClose` when neither is given. */
  start(chunked: boolean, contentLength: number, untilClose: boolean): void {
    if (chunked) {
      this.#mode = BodyMode.Chunked;
      this.#scanner.reset();
    } else if (contentLength > 0) {
      this.#mode = BodyMode.Length;
      this.#remaining = contentLength;
    } else {
      this.#mode = untilClose ? BodyMode.UntilClose : BodyMode.None;
    }
  }

  /**
   * Given body bytes buf[start..end): the index where the body ends (≤ end), BODY_CONTINUES or
   * BODY_INVALID. `onData`, when given, receives the body's content without its framing (decoded
   * chunks), for a peer that frames bodies its own way (HTTP/2); `onTrailer` the trailer field lines
   * of a chunked body (see ChunkedScanner.scan).
   */
  advance(buf: Buffer, start: number, end: number, onData?: BodyDataHandler, onTrailer?: BodyDataHandler): number {
    switch (this.#mode) {
      case BodyMode.None:
        return start;
      case BodyMode.Length: {
        const available = end - start;
        if (available >= this.#remaining) {
          const bodyEnd = start + this.#remaining;
          this.#remaining = 0;
          this.#mode = BodyMode.None;
          if (bodyEnd > start) onData?.(buf, start, bodyEnd);
          return bodyEnd;
        }
        this.#remaining -= available;
        if (available > 0) onData?.(buf, start, end);
        return BODY_CONTINUES;
      }
      case BodyMode.Chunked: {
        const bodyEnd = this.#scanner.scan(buf, start, end, onData, onTrailer);
        if (bodyEnd >= 0) this.#mode = BodyMode.None;
        return bodyEnd;
      }
      case BodyMode.UntilClose:
        if (end > start) onData?.(buf, start, end);
        return BODY_CONTINUES;
    }
  }
}
