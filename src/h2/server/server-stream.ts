// One client stream of Sluice's own HTTP/2 server engine, with the part of node:http2's
// ServerHttp2Stream that the exchanges use (downstream-stream.ts), and none of its Duplex machinery:
// request DATA arrives as 'data' events (held while paused, credited back as it is consumed), the
// response goes out as HEADERS, DATA within the flow-control windows, then END_STREAM or trailers.
// 'close' (and 'wantTrailers') are emitted on the next tick, never from inside the call that caused them.
import { EventEmitter } from 'node:events';
import type { OutgoingHttpHeaders } from 'node:http2';
import { DEFAULT_WINDOW_SIZE, ErrorCode } from './frames.js';

/** What a stream needs of its session (server-session.ts). */
export interface StreamSession {
  readonly destroyed: boolean;
  /** Sends the header block of `headers` (a response when `status` is given, else trailers). */
  sendHeaders(stream: ServerStream, status: number | undefined, headers: OutgoingHttpHeaders, endStream: boolean): void;
  /** Sends what the windows allow of the stream's queued DATA; true: all of it went out. */
  pump(stream: ServerStream): boolean;
  /** `bytes` of request DATA were consumed: they may be credited back to the client. */
  consumed(stream: ServerStream, bytes: number): void;
  resetStream(stream: ServerStream, code: number): void;
  /** The stream is closed both ways (or reset): it leaves the session's table. */
  released(stream: ServerStream): void;
}

/** Unsent response DATA beyond which write() asks the writer to wait for 'drain' (node:http2's default). */
const HIGH_WATER_MARK = 16 * 1024;

export class ServerStream extends EventEmitter {
  readonly id: number;
  readonly session: StreamSession;
  /** The request ended with its HEADERS (no body). */
  readonly endAfterHeaders: boolean;
  /** Request side ended: END_STREAM received and every 'data' delivered. */
  readableEnded = false;
  /** end() was called (or the response ended with its HEADERS). */
  writableEnded = false;
  headersSent = false;
  /** Closed before its response ended (reset by either side, or the connection went away). */
  aborted = false;
  closed = false;
  destroyed = false;
  /** The RST_STREAM code when the stream was reset; NO_ERROR when it ended normally. */
  rstCode: number | undefined;

  /** Flow control of response DATA: the client's window for this stream. */
  sendWindow: number;
  /** Listed among the session's streams waiting for window. */
  waitingForWindow = false;
  /** Flow control of request DATA: what the client may still send, and what was consumed but not yet credited. */
  receiveWindow = DEFAULT_WINDOW_SIZE;
  uncredited = 0;
  /** Response DATA not yet framed (the windows or the socket are full). */
  readonly queue: Buffer[] = [];
  queuedBytes = 0;
  /** The last queued chunk carries END_STREAM (no trailers). */
  endQueued = false;
  /** The response ends with trailers, requested by 'wantTrailers' once all DATA is framed. */
  #waitForTrailers = false;
  #needsDrain = false;
  /** END_STREAM received from the client; `contentLength` checked against the DATA received. */
  remoteEnded: boolean;
  readonly contentLength: number;
  receivedBytes = 0;
  /** Request DATA held while paused (within the stream's window), delivered on resume. */
  #held: Buffer[] | undefined;
  #paused = false;
  #localEnded = false;

  constructor(session: StreamSession, id: number, endStream: boolean, initialSendWindow: number, contentLength: number) {
    super();
    this.session = session;
    this.id = id;
    this.endAfterHeaders = endStream;
    this.remoteEnded = endStream;
    this.readableEnded = endStream;
    this.sendWindow = initialSendWindow;
    this.contentLength = contentLength;
  }

  // ── the request ───────────────────────────────────────────────────────────────────────────────

  /** Request DATA from the session (already checked against the windows and content-length). */
  receive(chunk: Buffer): void {
    if (this.#paused || this.#held !== undefined) {
      (this.#held ??= []).push(chunk);
      return;
    }
    this.session.consumed(this, chunk.length);
    if (chunk.length > 0) this.emit('data', chunk);
  }

  /** END_STREAM from the client: 'end' once everything before it was delivered. */
  receiveEnd(): void {
    this.remoteEnded = true;
    if (this.#held === undefined) this.#end();
    else this.#held.push(END_MARK);
  }

  pause(): this {
    this.#paused = true;
    return this;
  }

  resume(): this {
    if (!this.#paused) return this;
    this.#paused = false;
    const held = this.#held;
    if (held === undefined) return this;
    this.#held = undefined;
    for (let index = 0; index < held.length; index++) {
      const chunk = held[index]!;
      if (chunk === END_MARK) {
        this.#end();
        return this;
      }
      if (this.closed) return this;
      this.receive(chunk);
      if (this.#paused) {
        // Paused again by a listener: the rest waits for the next resume.
        const rest = held.slice(index + 1);
        if (rest.length > 0) this.#held = this.#held === undefined ? rest : [...this.#held, ...rest];
        return this;
      }
    }
    return this;
  }

  #end(): void {
    if (this.readableEnded) return;
    this.readableEnded = true;
    this.emit('end');
  }

  // ── the response ──────────────────────────────────────────────────────────────────────────────

  respond(headers: OutgoingHttpHeaders, options?: { readonly endStream?: boolean; readonly waitForTrailers?: boolean }): void {
    if (this.headersSent || this.closed) return;
    this.headersSent = true;
    const endStream = options?.endStream === true;
    this.#waitForTrailers = !endStream && options?.waitForTrailers === true;
    this.session.sendHeaders(this, Number(headers[':status']), headers, endStream);
    if (endStream) {
      this.writableEnded = true;
      this.#localEnded = true;
      this.#closeIfDone();
    }
  }

  /** An interim (1xx) response ahead of the final one. */
  additionalHeaders(headers: OutgoingHttpHeaders): void {
    if (this.headersSent || this.closed) return;
    this.session.sendHeaders(this, Number(headers[':status']), headers, false);
  }

  write(chunk: Buffer | string): boolean {
    if (this.writableEnded || this.closed) return false;
    this.#queue(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    this.session.pump(this);
    if (this.queuedBytes < HIGH_WATER_MARK) return true;
    this.#needsDrain = true;
    return false;
  }

  end(chunk?: Buffer | string): void {
    if (this.writableEnded || this.closed) return;
    if (!this.headersSent) this.respond({ ':status': 200 });
    this.writableEnded = true;
    if (chunk !== undefined) this.#queue(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    if (!this.#waitForTrailers) this.endQueued = true;
    this.session.pump(this);
  }

  /** Only after 'wantTrailers' (all DATA framed), as with node:http2; no fields: an empty DATA ends the stream. */
  sendTrailers(headers: OutgoingHttpHeaders): void {
    if (this.closed || this.#localEnded) return;
    if (Object.keys(headers).length === 0) {
      this.endQueued = true;
      this.session.pump(this);
      return;
    }
    this.#localEnded = true;
    this.session.sendHeaders(this, undefined, headers, true);
    this.#closeIfDone();
  }

  /** Resets the stream (RST_STREAM `code`) unless it is closed already. */
  close(code: number = ErrorCode.NoError): void {
    if (this.closed) return;
    this.session.resetStream(this, code);
    this.closeStream(code);
  }

  #queue(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
  }

  /** The session framed all queued DATA: drain waiting writers, then END_STREAM or trailers. */
  drained(endStreamSent: boolean): void {
    if (endStreamSent) {
      this.#localEnded = true;
      this.#closeIfDone();
      return;
    }
    if (this.#needsDrain) {
      this.#needsDrain = false;
      this.emit('drain');
    }
    if (this.writableEnded && this.#waitForTrailers) {
      this.#waitForTrailers = false;
      process.nextTick(emitWantTrailers, this);
    }
  }

  /** The client's window was consumed by framed DATA: writers below the mark may go on. */
  framed(): void {
    if (this.#needsDrain && this.queuedBytes < HIGH_WATER_MARK) {
      this.#needsDrain = false;
      this.emit('drain');
    }
  }

  /** The response ended: the stream closes, and a client still sending its request is asked to stop
   *  (RST_STREAM NO_ERROR, RFC 9113 §8.1). Request DATA still held for a paused reader is dropped. */
  #closeIfDone(): void {
    if (!this.#localEnded || this.closed) return;
    if (!this.remoteEnded) this.session.resetStream(this, ErrorCode.NoError);
    this.closeStream(ErrorCode.NoError);
  }

  /** Closes the stream now ('close' follows on the next tick); `code` is what it was reset with. */
  closeStream(code: number): void {
    if (this.closed) return;
    this.closed = true;
    this.destroyed = true;
    this.rstCode = code;
    if (!this.#localEnded) this.aborted = true;
    this.#held = undefined;
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.session.released(this);
    process.nextTick(emitClose, this);
  }
}

/** Marks END_STREAM among held DATA. */
const END_MARK = Buffer.alloc(0);

function emitClose(stream: ServerStream): void {
  if (stream.aborted) stream.emit('aborted');
  stream.emit('close');
}

function emitWantTrailers(stream: ServerStream): void {
  if (!stream.closed) stream.emit('wantTrailers');
}
