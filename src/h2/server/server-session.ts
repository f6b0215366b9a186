// One client connection of Sluice's own HTTP/2 server engine (RFC 9113), on a socket whose protocol is
// already known (ALPN h2, or the h2c preface seen). It parses frames straight from the socket's chunks,
// keeps the HPACK contexts, the streams and both directions' flow control, and answers protocol errors
// as the RFC says: a connection error is a GOAWAY and the end of the socket, a stream error a RST_STREAM.
// It offers the part of node:http2's Http2Session that Sluice uses (events 'stream', 'close', 'error';
// close, goaway, destroy, setTimeout), so the guards and exchanges serve either codec, and one event of
// its own: 'connectionError' (code) when it ends a connection for a protocol error or a flood.
//
// Abuse limits beyond the listener's (the rapid-reset guard lives with the listener): a header block
// spread over CONTINUATION frames may not outgrow what its header list may be (CVE-2024-27316), a
// client that makes Sluice refuse or reset too many malformed streams is cut off, and so is one whose
// PINGs and SETTINGS pile up ACKs it does not read.
import { EventEmitter } from 'node:events';
import type { OutgoingHttpHeaders } from 'node:http2';
import type net from 'node:net';
import { COMPRESSION_ERROR, HpackDecoder, LIST_TOO_LARGE } from '../hpack/decoder.js';
import { HpackEncoder } from '../hpack/encoder.js';
import { FrameWriter } from './frame-writer.js';
import {
  CONNECTION_PREFACE, DEFAULT_MAX_FRAME_SIZE, DEFAULT_WINDOW_SIZE, ErrorCode, Flag, FRAME_HEADER_LENGTH, FrameType,
  MAX_ALLOWED_FRAME_SIZE, MAX_WINDOW_SIZE, Setting,
} from './frames.js';
import { requestFields, validTrailers } from './request-fields.js';
import { ServerStream, type StreamSession } from './server-stream.js';

export interface ServerSessionSettings {
  /** SETTINGS_MAX_CONCURRENT_STREAMS: streams beyond it are refused (REFUSED_STREAM, safe to retry). */
  readonly maxConcurrentStreams: number;
  /** SETTINGS_MAX_HEADER_LIST_SIZE: a longer request header list is answered 431. */
  readonly maxHeaderListSize: number;
}

/** The connection window Sluice offers: credited as DATA arrives (each stream's own window bounds what is held). */
const CONNECTION_WINDOW = 1 << 20;
/** Request DATA consumed before its window is credited back (half the stream window: a sender never stalls). */
const STREAM_CREDIT_THRESHOLD = DEFAULT_WINDOW_SIZE >>> 1;
/** Malformed or refused streams a connection may cause before it is closed (nghttp2 allows 1,000 invalid frames). */
const MAX_INVALID_STREAMS = 1_000;
/** How long a connection ended by a connection error keeps reading (and discarding) before it is destroyed. */
const LINGER_MS = 2_000;
/** Streams a client may open before it acknowledged SETTINGS_MAX_CONCURRENT_STREAMS (RFC 9113 §6.5.2's advice). */
const UNACKNOWLEDGED_STREAM_LIMIT = 100;
/** PING/SETTINGS ACKs written while the client is not reading, before it is cut off. */
const MAX_UNREAD_ACKS = 1_000;
const END_STREAM_FLAGS = Flag.EndStream;
const TOO_LARGE_HEADERS: OutgoingHttpHeaders = { 'content-length': 0 };

/** A header block arriving over HEADERS and CONTINUATION frames. */
interface PartialBlock {
  readonly streamId: number;
  readonly endStream: boolean;
  readonly fragments: Buffer[];
  size: number;
}

export class ServerSession extends EventEmitter implements StreamSession {
  readonly socket: net.Socket;
  destroyed = false;
  closed = false;
  readonly #settings: ServerSessionSettings;
  readonly #writer: FrameWriter;
  readonly #decoder = new HpackDecoder();
  readonly #encoder = new HpackEncoder();
  readonly #streams = new Map<number, ServerStream>();
  /** Streams with DATA waiting for window (the client's, or the socket's buffer). */
  #blocked: ServerStream[] = [];
  #lastStreamId = 0;
  /** A GOAWAY went out: streams above this id are refused. */
  #goawayLastId = -1;
  #peerGoneAway = false;
  /** A connection error ended the session: nothing more is read. */
  #failed = false;
  #prefaceSeen = false;
  #settingsSeen = false;
  /** The client acknowledged Sluice's SETTINGS: their limits hold from now on (§6.5.3). */
  #settingsAcked = false;
  #partial: PartialBlock | undefined;
  #leftover: Buffer | undefined;
  #invalidStreams = 0;
  #unreadAcks = 0;
  // What the client asked for (its SETTINGS) and allows (its windows).
  #peerMaxFrameSize = DEFAULT_MAX_FRAME_SIZE;
  #peerInitialWindow = DEFAULT_WINDOW_SIZE;
  #connectionSendWindow = DEFAULT_WINDOW_SIZE;
  #connectionReceiveWindow = CONNECTION_WINDOW;
  #connectionUncredited = 0;

  /** Nothing is read until start(): listeners for 'stream' go on first. */
  constructor(socket: net.Socket, settings: ServerSessionSettings) {
    super();
    this.socket = socket;
    this.#settings = settings;
    this.#writer = new FrameWriter(socket);
    this.#writer.settings([
      [Setting.MaxConcurrentStreams, settings.maxConcurrentStreams],
      [Setting.MaxHeaderListSize, settings.maxHeaderListSize],
      [Setting.EnablePush, 0],
    ]);
    this.#writer.u32Frame(FrameType.WindowUpdate, 0, CONNECTION_WINDOW - DEFAULT_WINDOW_SIZE);
    // At once, not after this turn: a client sizes its first burst of streams by these.
    this.#writer.flush();
    socket.on('drain', this.#onDrain);
    socket.on('error', (error) => this.emit('error', error));
    socket.on('close', () => this.#onSocketClose());
  }

  /** Reads `buffered` (bytes the listener read already: the h2c preface and what followed), then the socket. */
  start(buffered?: Buffer): void {
    if (buffered !== undefined && buffered.length > 0) this.#onData(buffered);
    this.socket.on('data', this.#onData);
    // The HTTP/1.1 side may have paused the socket before handing it over.
    this.socket.resume();
  }

  // ── the part of Http2Session Sluice uses ──────────────────────────────────────────────────────

  /** GOAWAY (NO_ERROR): streams open now finish, new ones are refused, then the connection ends. */
  close(): void {
    if (this.destroyed || this.#goawayLastId >= 0) return;
    this.#goawayLastId = this.#lastStreamId;
    this.#writer.goaway(this.#lastStreamId, ErrorCode.NoError);
    if (this.#streams.size === 0) this.#writer.end();
  }

  /** A GOAWAY with `code`, ending the connection (what Sluice does to an abusive client). */
  goaway(code: number): void {
    this.#goawayAndClose(code);
  }

  /** Ends the connection now; what was written is flushed first. */
  destroy(): void {
    if (this.destroyed) return;
    this.#writer.flush();
    this.#closeStreams(ErrorCode.Cancel);
    this.socket.destroySoon();
    this.destroyed = true;
  }

  /** Calls `onIdle` after `ms` without traffic either way. */
  setTimeout(ms: number, onIdle: () => void): void {
    this.socket.setTimeout(ms, onIdle);
  }

  // ── StreamSession ─────────────────────────────────────────────────────────────────────────────

  sendHeaders(stream: ServerStream, status: number | undefined, headers: OutgoingHttpHeaders, endStream: boolean): void {
    if (this.destroyed) return;
    const block = status === undefined ? this.#encoder.encodeFields(headers) : this.#encoder.encodeResponse(status, headers);
    this.#writer.headers(stream.id, block, endStream, this.#peerMaxFrameSize);
  }

  pump(stream: ServerStream): boolean {
    if (stream.closed || this.destroyed) return true;
    const writer = this.#writer;
    const queue = stream.queue;
    while (queue.length > 0) {
      const allowed = Math.min(stream.sendWindow, this.#connectionSendWindow, this.#peerMaxFrameSize);
      if (allowed <= 0 || writer.blocked) break;
      const chunk = queue[0]!;
      const size = Math.min(allowed, chunk.length);
      const whole = size === chunk.length;
      const endStream = whole && queue.length === 1 && stream.endQueued;
      writer.frame(FrameType.Data, endStream ? END_STREAM_FLAGS : 0, stream.id, chunk, 0, size);
      stream.sendWindow -= size;
      this.#connectionSendWindow -= size;
      stream.queuedBytes -= size;
      if (whole) queue.shift();
      else queue[0] = chunk.subarray(size);
      if (endStream) {
        stream.drained(true);
        return true;
      }
    }
    if (queue.length > 0) {
      if (!stream.waitingForWindow) {
        stream.waitingForWindow = true;
        this.#blocked.push(stream);
      }
      stream.framed();
      return false;
    }
    if (stream.endQueued) {
      writer.frame(FrameType.Data, END_STREAM_FLAGS, stream.id);
      stream.drained(true);
      return true;
    }
    stream.drained(false);
    return true;
  }

  consumed(stream: ServerStream, bytes: number): void {
    if (stream.remoteEnded || stream.closed) return;
    stream.uncredited += bytes;
    if (stream.uncredited < STREAM_CREDIT_THRESHOLD) return;
    this.#writer.u32Frame(FrameType.WindowUpdate, stream.id, stream.uncredited);
    stream.receiveWindow += stream.uncredited;
    stream.uncredited = 0;
  }

  resetStream(stream: ServerStream, code: number): void {
    if (!this.destroyed) this.#writer.u32Frame(FrameType.RstStream, stream.id, code);
  }

  released(stream: ServerStream): void {
    this.#streams.delete(stream.id);
    if (this.#streams.size === 0 && (this.#goawayLastId >= 0 || this.#peerGoneAway) && !this.destroyed) this.#writer.end();
  }

  // ── reading frames ────────────────────────────────────────────────────────────────────────────

  readonly #onData = (chunk: Buffer): void => {
    if (this.#failed) return;
    let buf = chunk;
    if (this.#leftover !== undefined) {
      buf = Buffer.concat([this.#leftover, chunk]);
      this.#leftover = undefined;
    }
    let offset = 0;
    if (!this.#prefaceSeen) {
      const length = Math.min(buf.length, CONNECTION_PREFACE.length);
      if (buf.compare(CONNECTION_PREFACE, 0, length, 0, length) !== 0) return this.#connectionError(ErrorCode.ProtocolError);
      if (length < CONNECTION_PREFACE.length) {
        this.#leftover = buf;
        return;
      }
      this.#prefaceSeen = true;
      offset = CONNECTION_PREFACE.length;
    }
    while (buf.length - offset >= FRAME_HEADER_LENGTH) {
      const length = (buf[offset]! << 16) | (buf[offset + 1]! << 8) | buf[offset + 2]!;
      if (length > DEFAULT_MAX_FRAME_SIZE) return this.#connectionError(ErrorCode.FrameSizeError);
      const end = offset + FRAME_HEADER_LENGTH + length;
      if (end > buf.length) break;
      const streamId = buf.readUInt32BE(offset + 5) & 0x7fffffff;
      this.#frame(buf[offset + 3]!, buf[offset + 4]!, streamId, buf, offset + FRAME_HEADER_LENGTH, end);
      if (this.#failed) return;
      offset = end;
    }
    if (offset < buf.length) this.#leftover = buf.subarray(offset);
  };

  #frame(type: number, flags: number, streamId: number, buf: Buffer, start: number, end: number): void {
    if (!this.#settingsSeen) {
      // §3.4: the preface goes on with a SETTINGS frame.
      if (type !== FrameType.Settings || (flags & Flag.Ack) !== 0) return this.#connectionError(ErrorCode.ProtocolError);
      this.#settingsSeen = true;
    }
    const partial = this.#partial;
    if (partial !== undefined && (type !== FrameType.Continuation || streamId !== partial.streamId)) {
      return this.#connectionError(ErrorCode.ProtocolError);
    }
    switch (type) {
      case FrameType.Data: return this.#onDataFrame(flags, streamId, buf, start, end);
      case FrameType.Headers: return this.#onHeaders(flags, streamId, buf, start, end);
      case FrameType.Priority: return this.#onPriority(streamId, end - start);
      case FrameType.RstStream: return this.#onRstStream(streamId, buf, start, end);
      case FrameType.Settings: return this.#onSettings(flags, streamId, buf, start, end);
      case FrameType.PushPromise: return this.#connectionError(ErrorCode.ProtocolError);
      case FrameType.Ping: return this.#onPing(flags, streamId, buf, start, end);
      case FrameType.Goaway: return this.#onGoaway(streamId, end - start);
      case FrameType.WindowUpdate: return this.#onWindowUpdate(streamId, buf, start, end);
      case FrameType.Continuation: return this.#onContinuation(flags, streamId, buf, start, end);
      default: return; // §5.5: unknown frame types are ignored
    }
  }

  /** Padding removed (§6.1, §6.2); -1 when the padding is longer than the frame. */
  #unpaddedEnd(flags: number, buf: Buffer, start: number, end: number): number {
    if ((flags & Flag.Padded) === 0) return end;
    if (end - start < 1) return -1;
    const padding = buf[start]!;
    return padding >= end - start ? -1 : end - padding;
  }

  #onDataFrame(flags: number, streamId: number, buf: Buffer, start: number, end: number): void {
    if (streamId === 0) return this.#connectionError(ErrorCode.ProtocolError);
    const length = end - start;
    this.#connectionReceiveWindow -= length;
    if (this.#connectionReceiveWindow < 0) return this.#connectionError(ErrorCode.FlowControlError);
    this.#connectionUncredited += length;
    if (this.#connectionUncredited >= CONNECTION_WINDOW >>> 1) {
      this.#writer.u32Frame(FrameType.WindowUpdate, 0, this.#connectionUncredited);
      this.#connectionReceiveWindow += this.#connectionUncredited;
      this.#connectionUncredited = 0;
    }
    const dataEnd = this.#unpaddedEnd(flags, buf, start, end);
    if (dataEnd < 0) return this.#connectionError(ErrorCode.ProtocolError);
    const stream = this.#streams.get(streamId);
    if (stream === undefined) {
      if (streamId > this.#lastStreamId) return this.#connectionError(ErrorCode.ProtocolError);
      return this.#streamError(streamId, ErrorCode.StreamClosed);
    }
    if (stream.remoteEnded) return this.#resetStream(stream, ErrorCode.StreamClosed);
    stream.receiveWindow -= length;
    if (stream.receiveWindow < 0) return this.#resetStream(stream, ErrorCode.FlowControlError);
    const dataStart = (flags & Flag.Padded) === 0 ? start : start + 1;
    const endStream = (flags & Flag.EndStream) !== 0;
    stream.receivedBytes += dataEnd - dataStart;
    const declared = stream.contentLength;
    if (declared >= 0 && (stream.receivedBytes > declared || (endStream && stream.receivedBytes !== declared))) {
      return this.#resetStream(stream, ErrorCode.ProtocolError);
    }
    // Padding is consumed here; the data when its reader takes it.
    if (dataEnd - dataStart < length) this.consumed(stream, length - (dataEnd - dataStart));
    if (dataEnd > dataStart) stream.receive(buf.subarray(dataStart, dataEnd));
    if (endStream && !stream.closed) stream.receiveEnd();
  }

  #onHeaders(flags: number, streamId: number, buf: Buffer, start: number, end: number): void {
    if (streamId === 0) return this.#connectionError(ErrorCode.ProtocolError);
    let blockStart = (flags & Flag.Padded) === 0 ? start : start + 1;
    const blockEnd = this.#unpaddedEnd(flags, buf, start, end);
    if (blockEnd < 0) return this.#connectionError(ErrorCode.ProtocolError);
    if ((flags & Flag.Priority) !== 0) blockStart += 5;
    if (blockStart > blockEnd) return this.#connectionError(ErrorCode.FrameSizeError);
    const endStream = (flags & Flag.EndStream) !== 0;
    if ((flags & Flag.EndHeaders) !== 0) return this.#headerBlock(streamId, endStream, buf, blockStart, blockEnd);
    this.#partial = { streamId, endStream, fragments: [buf.subarray(blockStart, blockEnd)], size: blockEnd - blockStart };
  }

  #onContinuation(flags: number, streamId: number, buf: Buffer, start: number, end: number): void {
    const partial = this.#partial;
    if (partial === undefined) return this.#connectionError(ErrorCode.ProtocolError);
    partial.size += end - start;
    // An encoded block cannot be much longer than the list it decodes to; a longer one is a flood.
    if (partial.size > 2 * this.#settings.maxHeaderListSize + DEFAULT_MAX_FRAME_SIZE) {
      return this.#connectionError(ErrorCode.EnhanceYourCalm);
    }
    partial.fragments.push(buf.subarray(start, end));
    if ((flags & Flag.EndHeaders) === 0) return;
    this.#partial = undefined;
    const block = Buffer.concat(partial.fragments);
    this.#headerBlock(streamId, partial.endStream, block, 0, block.length);
  }

  #headerBlock(streamId: number, endStream: boolean, block: Buffer, start: number, end: number): void {
    const raw: string[] = [];
    const decoded = this.#decoder.decode(block, start, end, raw, this.#settings.maxHeaderListSize);
    if (decoded === COMPRESSION_ERROR) return this.#connectionError(ErrorCode.CompressionError);
    const existing = this.#streams.get(streamId);
    if (existing !== undefined) return this.#requestTrailers(existing, endStream, raw, decoded === LIST_TOO_LARGE);
    // §5.1.1: new streams come in increasing odd ids; anything else is a closed stream or a bad id.
    if ((streamId & 1) === 0 || streamId <= this.#lastStreamId) return this.#connectionError(ErrorCode.ProtocolError);
    this.#lastStreamId = streamId;
    if (this.#goawayLastId >= 0 && streamId > this.#goawayLastId) return this.#streamError(streamId, ErrorCode.RefusedStream);
    if (this.#streams.size >= this.#streamLimit()) return this.#invalidStream(streamId, ErrorCode.RefusedStream);
    if (decoded === LIST_TOO_LARGE) return this.#headersTooLarge(streamId, endStream);
    const fields = requestFields(raw);
    if (fields === undefined || (endStream && fields.contentLength > 0)) return this.#invalidStream(streamId, ErrorCode.ProtocolError);
    const stream = new ServerStream(this, streamId, endStream, this.#peerInitialWindow, fields.contentLength);
    this.#streams.set(streamId, stream);
    this.emit('stream', stream, fields.headers, endStream ? END_STREAM_FLAGS : 0, raw);
  }

  /** Until the client has our SETTINGS it may open streams by the RFC's defaults (no limit; 100 are
   *  tolerated, the RFC's recommended minimum); from their ACK on, the listener's limit holds. */
  #streamLimit(): number {
    const limit = this.#settings.maxConcurrentStreams;
    return this.#settingsAcked ? limit : Math.max(limit, UNACKNOWLEDGED_STREAM_LIMIT);
  }

  /** HEADERS on an open stream: the trailer section of its request, which must end it (§8.1). */
  #requestTrailers(stream: ServerStream, endStream: boolean, raw: readonly string[], tooLarge: boolean): void {
    if (stream.remoteEnded) return this.#resetStream(stream, ErrorCode.StreamClosed);
    if (!endStream || tooLarge || !validTrailers(raw)) return this.#resetStream(stream, ErrorCode.ProtocolError);
    if (stream.contentLength >= 0 && stream.receivedBytes !== stream.contentLength) return this.#resetStream(stream, ErrorCode.ProtocolError);
    // Sluice does not forward request trailers (HTTP/1.1 endpoints would need a chunked body; gRPC sends none).
    stream.receiveEnd();
  }

  /** A request header list over SETTINGS_MAX_HEADER_LIST_SIZE gets a 431, as over HTTP/1.1. */
  #headersTooLarge(streamId: number, endStream: boolean): void {
    this.#invalidStreams++;
    const stream = new ServerStream(this, streamId, endStream, this.#peerInitialWindow, -1);
    this.#streams.set(streamId, stream);
    stream.respond({ ...TOO_LARGE_HEADERS, ':status': 431 }, { endStream: true });
  }

  #onPriority(streamId: number, length: number): void {
    if (streamId === 0) return this.#connectionError(ErrorCode.ProtocolError);
    if (length !== 5) this.#streamError(streamId, ErrorCode.FrameSizeError);
  }

  #onRstStream(streamId: number, buf: Buffer, start: number, end: number): void {
    if (end - start !== 4) return this.#connectionError(ErrorCode.FrameSizeError);
    if (streamId === 0 || streamId > this.#lastStreamId) return this.#connectionError(ErrorCode.ProtocolError);
    this.#streams.get(streamId)?.closeStream(buf.readUInt32BE(start));
  }

  #onSettings(flags: number, streamId: number, buf: Buffer, start: number, end: number): void {
    if (streamId !== 0) return this.#connectionError(ErrorCode.ProtocolError);
    const length = end - start;
    if ((flags & Flag.Ack) !== 0) {
      if (length !== 0) return this.#connectionError(ErrorCode.FrameSizeError);
      this.#settingsAcked = true;
      return;
    }
    if (length % 6 !== 0) return this.#connectionError(ErrorCode.FrameSizeError);
    for (let at = start; at < end; at += 6) {
      const value = buf.readUInt32BE(at + 2);
      switch (buf.readUInt16BE(at)) {
        case Setting.HeaderTableSize:
          this.#encoder.setMaxTableSize(value);
          break;
        case Setting.EnablePush:
          if (value > 1) return this.#connectionError(ErrorCode.ProtocolError);
          break;
        case Setting.InitialWindowSize:
          if (value > MAX_WINDOW_SIZE) return this.#connectionError(ErrorCode.FlowControlError);
          if (!this.#changeInitialWindow(value)) return this.#connectionError(ErrorCode.FlowControlError);
          break;
        case Setting.MaxFrameSize:
          if (value < DEFAULT_MAX_FRAME_SIZE || value > MAX_ALLOWED_FRAME_SIZE) return this.#connectionError(ErrorCode.ProtocolError);
          this.#peerMaxFrameSize = value;
          break;
        default:
          break; // MAX_CONCURRENT_STREAMS (Sluice opens none), MAX_HEADER_LIST_SIZE (advisory), unknown (§6.5.2)
      }
    }
    this.#ack(FrameType.Settings, undefined, 0, 0);
    this.#pumpBlocked();
  }

  /** §6.9.2: a new SETTINGS_INITIAL_WINDOW_SIZE moves every stream's window by the difference. */
  #changeInitialWindow(value: number): boolean {
    const delta = value - this.#peerInitialWindow;
    this.#peerInitialWindow = value;
    for (const stream of this.#streams.values()) {
      stream.sendWindow += delta;
      if (stream.sendWindow > MAX_WINDOW_SIZE) return false;
    }
    return true;
  }

  #onPing(flags: number, streamId: number, buf: Buffer, start: number, end: number): void {
    if (streamId !== 0) return this.#connectionError(ErrorCode.ProtocolError);
    if (end - start !== 8) return this.#connectionError(ErrorCode.FrameSizeError);
    if ((flags & Flag.Ack) === 0) this.#ack(FrameType.Ping, buf, start, end);
  }

  /** A SETTINGS or PING ACK; a client that keeps asking while not reading them is cut off. */
  #ack(type: FrameType.Settings | FrameType.Ping, buf: Buffer | undefined, start: number, end: number): void {
    if (this.#writer.blocked && ++this.#unreadAcks > MAX_UNREAD_ACKS) return this.#connectionError(ErrorCode.EnhanceYourCalm);
    this.#writer.frame(type, Flag.Ack, 0, buf, start, end);
  }

  #onGoaway(streamId: number, length: number): void {
    if (streamId !== 0) return this.#connectionError(ErrorCode.ProtocolError);
    if (length < 8) return this.#connectionError(ErrorCode.FrameSizeError);
    // The client opens no more streams: those open finish, then the connection ends.
    this.#peerGoneAway = true;
    if (this.#streams.size === 0) this.#writer.end();
  }

  #onWindowUpdate(streamId: number, buf: Buffer, start: number, end: number): void {
    if (end - start !== 4) return this.#connectionError(ErrorCode.FrameSizeError);
    const increment = buf.readUInt32BE(start) & 0x7fffffff;
    if (streamId === 0) {
      if (increment === 0) return this.#connectionError(ErrorCode.ProtocolError);
      this.#connectionSendWindow += increment;
      if (this.#connectionSendWindow > MAX_WINDOW_SIZE) return this.#connectionError(ErrorCode.FlowControlError);
      return this.#pumpBlocked();
    }
    const stream = this.#streams.get(streamId);
    if (stream === undefined) {
      if (streamId > this.#lastStreamId) this.#connectionError(ErrorCode.ProtocolError);
      return; // a stream closed already: its late updates mean nothing
    }
    if (increment === 0) return this.#resetStream(stream, ErrorCode.ProtocolError);
    stream.sendWindow += increment;
    if (stream.sendWindow > MAX_WINDOW_SIZE) return this.#resetStream(stream, ErrorCode.FlowControlError);
    if (stream.queue.length > 0) this.pump(stream);
  }

  // ── writing and errors ────────────────────────────────────────────────────────────────────────

  readonly #onDrain = (): void => {
    this.#writer.blocked = false;
    this.#unreadAcks = 0;
    this.#pumpBlocked();
  };

  /** Streams that waited for window go on, as far as the windows now allow. */
  #pumpBlocked(): void {
    if (this.#blocked.length === 0) return;
    const blocked = this.#blocked;
    this.#blocked = [];
    for (const stream of blocked) {
      stream.waitingForWindow = false;
      this.pump(stream);
    }
  }

  /** A stream error on an open stream: RST_STREAM, and the stream closes. */
  #resetStream(stream: ServerStream, code: number): void {
    stream.close(code);
  }

  /** A stream error on a stream that is not open (refused, closed): RST_STREAM only. */
  #streamError(streamId: number, code: number): void {
    this.#writer.u32Frame(FrameType.RstStream, streamId, code);
  }

  /** A stream refused before it began (malformed, over the concurrency limit); too many close the connection. */
  #invalidStream(streamId: number, code: number): void {
    if (++this.#invalidStreams > MAX_INVALID_STREAMS) return this.#connectionError(ErrorCode.EnhanceYourCalm);
    this.#streamError(streamId, code);
  }

  /** A connection error the engine found (§5.4.1): told as 'connectionError', for the metrics. */
  #connectionError(code: number): void {
    if (this.#failed || this.destroyed) return;
    this.emit('connectionError', code);
    this.#goawayAndClose(code);
  }

  /** GOAWAY with the last stream processed, then the connection ends; open streams are aborted. */
  #goawayAndClose(code: number): void {
    if (this.#failed || this.destroyed) return;
    this.#failed = true;
    this.#leftover = undefined;
    this.#writer.goaway(this.#lastStreamId, code);
    this.#writer.flush();
    this.destroyed = true;
    this.#closeStreams(code);
    // A lingering close: closing with the client's frames unread would make the kernel answer them with
    // a TCP RST, and a client's kernel drops data it has not read yet on RST (the GOAWAY among it). So
    // only our side ends; what arrives is discarded until the client closes, or the linger runs out.
    this.socket.end();
    setTimeout(() => this.socket.destroy(), LINGER_MS).unref();
  }

  #closeStreams(code: number): void {
    for (const stream of this.#streams.values()) stream.closeStream(code);
    this.#streams.clear();
    this.#blocked = [];
  }

  #onSocketClose(): void {
    this.#closeStreams(ErrorCode.Cancel);
    this.destroyed = true;
    this.closed = true;
    this.emit('close');
  }
}
