// A raw HTTP/2 frame client for conformance tests: sends the connection preface and frames built byte
// by byte (any type, flags, stream id or payload, valid or not), encodes request header lists with a
// minimal HPACK encoder, and records every frame the server sends. It never validates, answers PINGs or
// does flow control on its own (only SETTINGS are ACKed, unless told not to); reading response header
// values is left to node:http2 clients.
import net from 'node:net';
import tls from 'node:tls';

export const FrameType = {
  DATA: 0x0, HEADERS: 0x1, PRIORITY: 0x2, RST_STREAM: 0x3, SETTINGS: 0x4, PUSH_PROMISE: 0x5, PING: 0x6,
  GOAWAY: 0x7, WINDOW_UPDATE: 0x8, CONTINUATION: 0x9,
} as const;

export const Flag = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const;

export const ErrorCode = {
  NO_ERROR: 0x0, PROTOCOL_ERROR: 0x1, INTERNAL_ERROR: 0x2, FLOW_CONTROL_ERROR: 0x3, SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5, FRAME_SIZE_ERROR: 0x6, REFUSED_STREAM: 0x7, CANCEL: 0x8, COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa, ENHANCE_YOUR_CALM: 0xb, INADEQUATE_SECURITY: 0xc, HTTP_1_1_REQUIRED: 0xd,
} as const;

export const Setting = {
  HEADER_TABLE_SIZE: 0x1, ENABLE_PUSH: 0x2, MAX_CONCURRENT_STREAMS: 0x3, INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5, MAX_HEADER_LIST_SIZE: 0x6,
} as const;

export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export interface Frame {
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
  readonly payload: Buffer;
}

/** One frame's bytes: the 9-octet header (24-bit length, type, flags, 31-bit stream id) and the payload. */
export function encodeFrame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId >>> 0, 5);
  return Buffer.concat([header, payload]);
}

/** An HPACK string literal, not Huffman-coded: 7-bit prefix length (RFC 7541 §5.1, §5.2). */
function hpackString(text: string): Buffer {
  const bytes = Buffer.from(text, 'latin1');
  return Buffer.concat([hpackInteger(bytes.length, 7, 0x00), bytes]);
}

function hpackInteger(value: number, prefixBits: number, firstByte: number): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([firstByte | value]);
  const out = [firstByte | max];
  let rest = value - max;
  while (rest >= 128) {
    out.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return Buffer.from(out);
}

/**
 * A header block: every field a "literal header field without indexing — new name" (RFC 7541 §6.2.2),
 * so any name goes through as given (upper-case, pseudo, connection-specific) and no state is kept.
 */
export function encodeHeaderBlock(fields: ReadonlyArray<readonly [string, string]>): Buffer {
  return Buffer.concat(fields.flatMap(([name, value]) => [Buffer.from([0x00]), hpackString(name), hpackString(value)]));
}

/** A plain GET for `path` with the four pseudo-fields, then `extra`. */
export function requestFields(path: string, extra: ReadonlyArray<readonly [string, string]> = [], method = 'GET'): Array<readonly [string, string]> {
  return [[':method', method], [':scheme', 'http'], [':authority', 'conformance.test'], [':path', path], ...extra];
}

export function encodeSettings(settings: ReadonlyArray<readonly [number, number]>): Buffer {
  const payload = Buffer.alloc(6 * settings.length);
  settings.forEach(([id, value], index) => {
    payload.writeUInt16BE(id, 6 * index);
    payload.writeUInt32BE(value >>> 0, 6 * index + 2);
  });
  return payload;
}

export function uint32(value: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(value >>> 0);
  return payload;
}

export function decodeGoaway(frame: Frame): { lastStreamId: number; errorCode: number; debug: string } {
  return {
    lastStreamId: frame.payload.readUInt32BE(0) & 0x7fffffff,
    errorCode: frame.payload.readUInt32BE(4),
    debug: frame.payload.subarray(8).toString('latin1'),
  };
}

export function decodeRstStream(frame: Frame): number {
  return frame.payload.readUInt32BE(0);
}

export function decodeSettings(frame: Frame): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let offset = 0; offset + 6 <= frame.payload.length; offset += 6) {
    out.push([frame.payload.readUInt16BE(offset), frame.payload.readUInt32BE(offset + 2)]);
  }
  return out;
}

export function decodeWindowUpdate(frame: Frame): number {
  return frame.payload.readUInt32BE(0) & 0x7fffffff;
}

export const errorName = (code: number): string =>
  Object.entries(ErrorCode).find(([, value]) => value === code)?.[0] ?? `0x${code.toString(16)}`;

export interface WireClientOptions {
  /** TLS with ALPN h2 instead of cleartext prior knowledge. */
  readonly tls?: { readonly servername?: string };
  /** ACK every SETTINGS frame the server sends (true). */
  readonly ackSettings?: boolean;
}

export interface WireClient {
  readonly socket: net.Socket;
  /** Every frame received so far, in order. */
  readonly frames: Frame[];
  /** Resolves when the socket has closed (for any reason). */
  readonly closed: Promise<void>;
  readonly isClosed: boolean;
  /** Writes raw bytes; resolves once they are flushed to the kernel (false if the socket is gone). */
  write(bytes: Buffer): Promise<boolean>;
  send(type: number, flags: number, streamId: number, payload?: Buffer): Promise<boolean>;
  /** HEADERS (END_HEADERS, and END_STREAM unless `endStream` is false) for `fields` on `streamId`. */
  sendHeaders(streamId: number, fields: ReadonlyArray<readonly [string, string]>, endStream?: boolean): Promise<boolean>;
  /** The preface and a SETTINGS frame, then waits for the server's SETTINGS and for the ACK of ours. */
  handshake(settings?: ReadonlyArray<readonly [number, number]>): Promise<Frame>;
  /** The first received frame (from `from` on) matching `predicate`; rejects after `timeoutMs` or on close. */
  waitFor(predicate: (frame: Frame) => boolean, what: string, options?: { timeoutMs?: number; from?: number }): Promise<Frame>;
  /**
   * The stream's RST_STREAM, its response HEADERS/DATA with END_STREAM, or a GOAWAY that ends it (an error
   * code, or a last stream id below it), whichever comes first.
   */
  streamOutcome(streamId: number, timeoutMs?: number): Promise<StreamOutcome>;
  /** Resolves when closed; rejects after `timeoutMs`. */
  waitClosed(timeoutMs?: number): Promise<void>;
  close(): void;
}

export type StreamOutcome =
  | { readonly kind: 'reset'; readonly code: number }
  | { readonly kind: 'response'; readonly status: number | undefined }
  | { readonly kind: 'goaway'; readonly code: number; readonly lastStreamId: number };

const DEFAULT_TIMEOUT_MS = 10_000;

/** The `:status` of a response header block sent by node:http2 or any encoder using the static table. */
export function statusOf(block: Buffer): number | undefined {
  const first = block[0];
  if (first === undefined) return undefined;
  // Indexed field from the static table: 8 → 200, 9 → 204, 10 → 206, 11 → 304, 12 → 400, 13 → 404, 14 → 500.
  const indexed: Record<number, number> = { 0x88: 200, 0x89: 204, 0x8a: 206, 0x8b: 304, 0x8c: 400, 0x8d: 404, 0x8e: 500 };
  if (indexed[first] !== undefined) return indexed[first];
  // Literal with name index 8 (:status): 0x08 (without indexing), 0x18 (never indexed), 0x48 (incremental).
  if ((first === 0x08 || first === 0x18 || first === 0x48) && block[1] !== undefined && (block[1] & 0x80) === 0) {
    const length = block[1] & 0x7f;
    return Number(block.subarray(2, 2 + length).toString('latin1'));
  }
  return undefined; // Huffman-coded or otherwise: not needed by these tests
}

/** Opens a connection to `address` ("host:port"); closed on teardown. */
export async function connectWire(t: { teardown(fn: () => unknown): void }, address: string, options: WireClientOptions = {}): Promise<WireClient> {
  const [host, portText] = address.split(':') as [string, string];
  const port = Number(portText);
  const socket: net.Socket = options.tls === undefined
    ? net.connect({ host, port })
    : tls.connect({ host, port, ALPNProtocols: ['h2'], rejectUnauthorized: false, servername: options.tls.servername ?? 'localhost' });
  socket.on('error', () => { /* a reset after a GOAWAY is expected; `closed` reports the end */ });
  const ackSettings = options.ackSettings ?? true;
  const frames: Frame[] = [];
  const waiters = new Set<() => void>();
  let isClosed = false;
  let pending: Buffer = Buffer.alloc(0);
  const closed = new Promise<void>((resolve) => socket.once('close', () => {
    isClosed = true;
    for (const wake of waiters) wake();
    resolve();
  }));
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 9) {
      const length = pending.readUIntBE(0, 3);
      if (pending.length < 9 + length) break;
      const frame: Frame = {
        type: pending[3]!, flags: pending[4]!, streamId: pending.readUInt32BE(5) & 0x7fffffff,
        payload: Buffer.from(pending.subarray(9, 9 + length)),
      };
      pending = pending.subarray(9 + length);
      frames.push(frame);
      if (ackSettings && frame.type === FrameType.SETTINGS && (frame.flags & Flag.ACK) === 0 && frame.streamId === 0) {
        if (!socket.destroyed) socket.write(encodeFrame(FrameType.SETTINGS, Flag.ACK, 0));
      }
    }
    for (const wake of waiters) wake();
  });
  const connectEvent = options.tls === undefined ? 'connect' : 'secureConnect';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out connecting to ${address}`)), DEFAULT_TIMEOUT_MS);
    socket.once(connectEvent, () => { clearTimeout(timer); resolve(); });
    socket.once('close', () => { clearTimeout(timer); reject(new Error(`connection to ${address} closed while connecting`)); });
  });
  if (options.tls !== undefined && (socket as tls.TLSSocket).alpnProtocol !== 'h2') {
    socket.destroy();
    throw new Error(`ALPN chose ${String((socket as tls.TLSSocket).alpnProtocol)}, not h2`);
  }
  t.teardown(() => { socket.destroy(); });

  const write = (bytes: Buffer) => new Promise<boolean>((resolve) => {
    if (socket.destroyed || isClosed) return resolve(false);
    socket.write(bytes, (error) => resolve(error == null));
  });
  const send = (type: number, flags: number, streamId: number, payload?: Buffer) => write(encodeFrame(type, flags, streamId, payload));

  const waitFor: WireClient['waitFor'] = (predicate, what, { timeoutMs = DEFAULT_TIMEOUT_MS, from = 0 } = {}) =>
    new Promise<Frame>((resolve, reject) => {
      let scanned = from;
      const check = () => {
        for (; scanned < frames.length; scanned++) {
          const frame = frames[scanned]!;
          if (predicate(frame)) return done(() => resolve(frame));
        }
        if (isClosed) done(() => reject(new Error(`connection closed before ${what}; received ${describe(frames)}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`timed out waiting for ${what}; received ${describe(frames)}`))), timeoutMs);
      const done = (settle: () => void) => { clearTimeout(timer); waiters.delete(check); settle(); };
      waiters.add(check);
      check();
    });

  const client: WireClient = {
    socket,
    frames,
    closed,
    get isClosed() { return isClosed; },
    write,
    send,
    sendHeaders: (streamId, fields, endStream = true) =>
      send(FrameType.HEADERS, Flag.END_HEADERS | (endStream ? Flag.END_STREAM : 0), streamId, encodeHeaderBlock(fields)),
    async handshake(settings = []) {
      await write(Buffer.concat([PREFACE, encodeFrame(FrameType.SETTINGS, 0, 0, encodeSettings(settings))]));
      const serverSettings = await waitFor((f) => f.type === FrameType.SETTINGS && (f.flags & Flag.ACK) === 0, 'the server SETTINGS');
      await waitFor((f) => f.type === FrameType.SETTINGS && (f.flags & Flag.ACK) !== 0, 'the ACK of the client SETTINGS');
      return serverSettings;
    },
    waitFor,
    async streamOutcome(streamId, timeoutMs = DEFAULT_TIMEOUT_MS) {
      let status: number | undefined;
      const frame = await waitFor((f) => {
        // A graceful GOAWAY that still covers the stream is no outcome: the stream may finish.
        if (f.type === FrameType.GOAWAY) {
          const goaway = decodeGoaway(f);
          return goaway.errorCode !== ErrorCode.NO_ERROR || goaway.lastStreamId < streamId;
        }
        if (f.streamId !== streamId) return false;
        if (f.type === FrameType.HEADERS && status === undefined) status = statusOf(f.payload);
        return f.type === FrameType.RST_STREAM || ((f.type === FrameType.HEADERS || f.type === FrameType.DATA) && (f.flags & Flag.END_STREAM) !== 0);
      }, `an outcome of stream ${streamId}`, { timeoutMs });
      if (frame.type === FrameType.GOAWAY) {
        const { errorCode, lastStreamId } = decodeGoaway(frame);
        return { kind: 'goaway', code: errorCode, lastStreamId };
      }
      if (frame.type === FrameType.RST_STREAM) return { kind: 'reset', code: decodeRstStream(frame) };
      return { kind: 'response', status };
    },
    waitClosed: (timeoutMs = DEFAULT_TIMEOUT_MS) => new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for the connection to close; received ${describe(frames)}`)), timeoutMs);
      void closed.then(() => { clearTimeout(timer); resolve(); });
    }),
    close: () => { socket.destroy(); },
  };
  return client;
}

const TYPE_NAMES = Object.fromEntries(Object.entries(FrameType).map(([name, value]) => [value, name])) as Record<number, string>;

/** A short listing of frames for failure messages. */
export function describe(frames: readonly Frame[]): string {
  if (frames.length === 0) return 'no frames';
  return frames.slice(-20).map((f) => {
    const name = TYPE_NAMES[f.type] ?? `0x${f.type.toString(16)}`;
    let detail = '';
    if (f.type === FrameType.GOAWAY && f.payload.length >= 8) detail = ` ${errorName(decodeGoaway(f).errorCode)}`;
    if (f.type === FrameType.RST_STREAM && f.payload.length >= 4) detail = ` ${errorName(decodeRstStream(f))}`;
    return `${name}(s${f.streamId},f${f.flags}${detail})`;
  }).join(' ');
}
