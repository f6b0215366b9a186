// Follows a chunked message body (RFC 9112 §7.1) byte by byte across any split of the input, to find
// where the message ends. It never copies or decodes data: chunk data is skipped by count.
import { COLON, CR, FIELD_VALUE, HEX_VALUE, HTAB, LF, SEMICOLON, SP, TOKEN } from './char-classes.js';

const enum State {
  /** First byte of a chunk-size line: a hex digit. */
  SizeStart,
  Size,
  /** Whitespace after the size: only before a chunk extension (BWS). */
  SizeSpace,
  Extension,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  /** Start of a trailer field line, or the CR of the empty line ending the message. */
  TrailerStart,
  TrailerName,
  TrailerValue,
  TrailerLf,
  FinalLf,
  Done,
  Invalid,
}

/** Receives the chunk data of buf[start..end), without the framing (chunk sizes, CRLFs, trailers). */
export type BodyDataHandler = (buf: Buffer, start: number, end: number) => void;

/** `scan` result: more bytes are needed. */
export const CHUNKED_CONTINUES = -1;
/** `scan` result: the framing is invalid. */
export const CHUNKED_INVALID = -2;

/** Largest chunk size accepted; anything larger cannot be counted exactly in a double. */
const MAX_CHUNK_SIZE = 2 ** 53;
/**
 * Bytes allowed in one chunk-size line (with extensions) and in the trailer section. Neither is
 * buffered, but unbounded metadata lets a peer burn CPU without sending data (CVE-2024-22019).
 */
const MAX_METADATA_BYTES = 16 * 1024;

/** Follows a chunked body byte by byte without copying it, to find where the message ends. Reusable via reset(). */
export class ChunkedScanner {
  #state = State.SizeStart;
  /** The size being read, then the data bytes still to skip. */
  #size = 0;
  #metadataBytes = 0;

  reset(): void {
    this.#state = State.SizeStart;
    this.#size = 0;
    this.#metadataBytes = 0;
  }

  /**
   * Scans buf[start..end). Returns the index just past the end of the chunked message (last-chunk,
   * trailers and the final CRLF) if it ends within this range, -1 if more bytes are needed, -2 if the
   * framing is invalid. Once the message has ended, further calls return `start` until reset().
   * `onData`, when given, receives the decoded chunk data as it is passed over; `onTrailer` the bytes
   * of the trailer field lines (each with its CRLF, without the final empty line), in as many pieces as
   * the input is split into; they are complete and valid only once the end of the message is returned.
   */
  scan(buf: Buffer, start: number, end: number, onData?: BodyDataHandler, onTrailer?: BodyDataHandler): number {
    let state = this.#state;
    if (state === State.Invalid) return CHUNKED_INVALID;
    if (state === State.Done) return start;
    let size = this.#size;
    let metadataBytes = this.#metadataBytes;
    let i = start;
    // Start of the trailer bytes in this range not yet handed to onTrailer (-1: none).
    let trailerFrom = onTrailer !== undefined && state >= State.TrailerName && state <= State.TrailerLf ? start : -1;
    while (i < end) {
      if (state === State.Data) {
        const available = end - i;
        if (available < size) {
          onData?.(buf, i, end);
          size -= available;
          i = end;
          break;
        }
        onData?.(buf, i, i + size);
        i += size;
        size = 0;
        state = State.DataCr;
        continue;
      }
      if (++metadataBytes > MAX_METADATA_BYTES) return this.#invalid();
      const c = buf[i++];
      switch (state) {
        case State.SizeStart: {
          const digit = HEX_VALUE[c];
          if (digit < 0) return this.#invalid();
          size = digit;
          state = State.Size;
          break;
        }
        case State.Size: {
          const digit = HEX_VALUE[c];
          if (digit >= 0) {
            // Checked before multiplying: past 2^53 a double would round the size and hide the overflow.
            if (size > (MAX_CHUNK_SIZE - digit) / 16) return this.#invalid();
            size = size * 16 + digit;
          } else if (c === CR) {
            state = State.SizeLf;
          } else if (c === SEMICOLON) {
            state = State.Extension;
          } else if (c === SP || c === HTAB) {
            state = State.SizeSpace;
          } else {
            return this.#invalid();
          }
          break;
        }
        case State.SizeSpace:
          if (c === SEMICOLON) state = State.Extension;
          else if (c !== SP && c !== HTAB) return this.#invalid();
          break;
        case State.Extension:
          if (c === CR) state = State.SizeLf;
          else if (FIELD_VALUE[c] !== 1) return this.#invalid();
          break;
        case State.SizeLf:
          if (c !== LF) return this.#invalid();
          metadataBytes = 0;
          state = size === 0 ? State.TrailerStart : State.Data;
          break;
        case State.DataCr:
          if (c !== CR) return this.#invalid();
          state = State.DataLf;
          break;
        case State.DataLf:
          if (c !== LF) return this.#invalid();
          metadataBytes = 0;
          state = State.SizeStart;
          break;
        case State.TrailerStart:
          if (c === CR) {
            state = State.FinalLf;
            if (trailerFrom >= 0 && trailerFrom < i - 1) onTrailer!(buf, trailerFrom, i - 1);
            trailerFrom = -1;
          } else if (TOKEN[c] === 1) {
            state = State.TrailerName;
            if (onTrailer !== undefined && trailerFrom < 0) trailerFrom = i - 1;
          } else {
            return this.#invalid();
          }
          break;
        case State.TrailerName:
          if (c === COLON) state = State.TrailerValue;
          else if (TOKEN[c] !== 1) return this.#invalid();
          break;
        case State.TrailerValue:
          if (c === CR) state = State.TrailerLf;
          else if (FIELD_VALUE[c] !== 1) return this.#invalid();
          break;
        case State.TrailerLf:
          if (c !== LF) return this.#invalid();
          state = State.TrailerStart;
          break;
        case State.FinalLf:
          if (c !== LF) return this.#invalid();
          this.#state = State.Done;
          return i;
      }
    }
    if (trailerFrom >= 0 && trailerFrom < end) onTrailer!(buf, trailerFrom, end);
    this.#state = state;
    this.#size = size;
    this.#metadataBytes = metadataBytes;
    return CHUNKED_CONTINUES;
  }

  #invalid(): number {
    this.#state = State.Invalid;
    return CHUNKED_INVALID;
  }
}
