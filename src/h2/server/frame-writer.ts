// Outgoing frames of one HTTP/2 connection. Frames are written into a slab; once per turn of the event
// loop (setImmediate, shared by every connection) what accumulated goes to the socket as one write, so
// the responses of all the endpoints that answered in one poll phase share a TLS record and a syscall.
// A slab region handed to the socket is never written again (the socket may hold it until the kernel
// takes it): the next frames go after it. When a slab fills up, what it holds goes to the socket at once
// and a fresh slab takes the next frames (nothing is copied, however much one turn writes).
import type net from 'node:net';
import { FRAME_HEADER_LENGTH, FrameType, Flag, writeFrameHeader } from './frames.js';

const SLAB_SIZE = 64 * 1024;

/** Writers with frames waiting, flushed together after the current poll phase. */
const waiting: FrameWriter[] = [];
let flushScheduled = false;

function flushWaiting(): void {
  flushScheduled = false;
  // A flush may queue nothing new (frames written during it wait for the next turn), so one pass suffices.
  const writers = waiting.splice(0, waiting.length);
  for (const writer of writers) writer.flush();
}

export class FrameWriter {
  readonly #socket: net.Socket;
  #slab = Buffer.allocUnsafe(SLAB_SIZE);
  /** Bytes of the slab already handed to the socket. */
  #flushed = 0;
  /** End of the frames written so far. */
  #length = 0;
  #queued = false;
  /** The socket's buffer is full: hold back DATA until 'drain' (control frames still go out). */
  blocked = false;

  constructor(socket: net.Socket) {
    this.#socket = socket;
  }

  /** Room for `size` more bytes, in this slab or, once what it holds is written, a fresh one. */
  #reserve(size: number): number {
    if (this.#length + size > this.#slab.length) {
      this.#write();
      this.#slab = Buffer.allocUnsafe(Math.max(SLAB_SIZE, size));
      this.#flushed = 0;
      this.#length = 0;
    }
    if (!this.#queued) {
      this.#queued = true;
      waiting.push(this);
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flushWaiting);
      }
    }
    const offset = this.#length;
    this.#length += size;
    return offset;
  }

  /** A frame whose payload is `payload[start, end)` (or empty). */
  frame(type: FrameType, flags: number, streamId: number, payload?: Buffer, start = 0, end = payload?.length ?? 0): void {
    const length = end - start;
    const offset = this.#reserve(FRAME_HEADER_LENGTH + length);
    writeFrameHeader(this.#slab, offset, length, type, flags, streamId);
    if (length > 0) payload!.copy(this.#slab, offset + FRAME_HEADER_LENGTH, start, end);
  }

  /** A header block as HEADERS plus as many CONTINUATION frames as `maxFrameSize` needs. */
  headers(streamId: number, block: Buffer, endStream: boolean, maxFrameSize: number): void {
    const endFlag = endStream ? Flag.EndStream : 0;
    if (block.length <= maxFrameSize) {
      this.frame(FrameType.Headers, Flag.EndHeaders | endFlag, streamId, block);
      return;
    }
    this.frame(FrameType.Headers, endFlag, streamId, block, 0, maxFrameSize);
    for (let start = maxFrameSize; start < block.length; start += maxFrameSize) {
      const end = Math.min(block.length, start + maxFrameSize);
      this.frame(FrameType.Continuation, end === block.length ? Flag.EndHeaders : 0, streamId, block, start, end);
    }
  }

  u32Frame(type: FrameType.RstStream | FrameType.WindowUpdate, streamId: number, value: number): void {
    const offset = this.#reserve(FRAME_HEADER_LENGTH + 4);
    writeFrameHeader(this.#slab, offset, 4, type, 0, streamId);
    this.#slab.writeUInt32BE(value, offset + FRAME_HEADER_LENGTH);
  }

  settings(entries: readonly (readonly [id: number, value: number])[]): void {
    const offset = this.#reserve(FRAME_HEADER_LENGTH + 6 * entries.length);
    writeFrameHeader(this.#slab, offset, 6 * entries.length, FrameType.Settings, 0, 0);
    let at = offset + FRAME_HEADER_LENGTH;
    for (const [id, value] of entries) {
      this.#slab.writeUInt16BE(id, at);
      this.#slab.writeUInt32BE(value, at + 2);
      at += 6;
    }
  }

  goaway(lastStreamId: number, code: number): void {
    const offset = this.#reserve(FRAME_HEADER_LENGTH + 8);
    writeFrameHeader(this.#slab, offset, 8, FrameType.Goaway, 0, 0);
    this.#slab.writeUInt32BE(lastStreamId, offset + FRAME_HEADER_LENGTH);
    this.#slab.writeUInt32BE(code, offset + FRAME_HEADER_LENGTH + 4);
  }

  /** Hands what accumulated to the socket; a full socket buffer sets `blocked` until its 'drain'. */
  flush(): void {
    this.#queued = false;
    this.#write();
  }

  #write(): void {
    if (this.#length === this.#flushed) return;
    const socket = this.#socket;
    const chunk = this.#slab.subarray(this.#flushed, this.#length);
    this.#flushed = this.#length;
    if (socket.destroyed) return;
    if (!socket.write(chunk)) this.blocked = true;
  }

  /** Flushes now and ends the socket (after a GOAWAY that closes the connection). */
  end(): void {
    this.flush();
    this.#socket.end();
  }
}
