// An HTTP/1.1 request carried to an h2/h2c endpoint: the request head becomes HTTP/2 headers, the body
// (already de-framed by the exchange's BodyFramer) becomes DATA, and the HTTP/2 response comes back as
// an HTTP/1.1 head with chunked framing (or its Content-Length), trailers in the last chunk, after any
// interim (1xx) heads. One per downstream connection, reused for each request that goes this way.
import { STATUS_CODES } from 'node:http';
import http2, { type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import type { ErrorCode } from '../errors.js';
import { HeaderKind, type BodyDataHandler, type RequestHead } from '../http1/index.js';
import type { Downstream } from '../proxy/exchange.js';
import { upstreamFailure } from './upstream-failure.js';
import { cancelStream, wasRefused, type UpstreamH2Pool } from './upstream-h2-pool.js';

const { NGHTTP2_NO_ERROR, NGHTTP2_FLAG_END_STREAM, HTTP2_HEADER_STATUS } = http2.constants;

/** Fields that describe one HTTP/1.1 hop and never go on an HTTP/2 message (RFC 9113 §8.2.2). */
const NOT_FOR_H1_CLIENT = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/**
 * The status line and the endpoint's fields of an HTTP/1.1 response head, without its ending empty
 * line: pseudo-headers and hop fields dropped; with `requestId`, that x-request-id in place of the endpoint's.
 */
function h1HeadLines(status: number, headers: IncomingHttpHeaders, requestId: string | undefined): string {
  let out = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n`;
  if (requestId !== undefined) out += `x-request-id: ${requestId}\r\n`;
  for (const name in headers) {
    if (name.charCodeAt(0) === 0x3a || NOT_FOR_H1_CLIENT.has(name)) continue;
    if (requestId !== undefined && name === 'x-request-id') continue;
    const value = headers[name];
    if (Array.isArray(value)) for (const item of value) out += `${name}: ${item}\r\n`;
    else if (value !== undefined) out += `${name}: ${value}\r\n`;
  }
  return out;
}

export interface BridgeOwner {
  /** Whether the client connection may stay open after this response (asked when the head goes out). */
  keepAlive(): boolean;
  /**
   * The endpoint's final status arrived (its outcome); `bodySent` whether body bytes went out. true: the
   * owner drops this response to retry (the stream is cancelled), and the bridge relays nothing of it.
   */
  upstreamResponded(status: number, bodySent: boolean): boolean;
  /** Returned to the client in place of any the endpoint sends; undefined: the endpoint's pass through. */
  readonly requestId: string | undefined;
  /** Field lines the owner adds to the response head after the endpoint's (an affinity Set-Cookie), or ''. */
  affinityField(): string;
  /** The response is complete. */
  bridged(status: number, keepAlive: boolean): void;
  /**
   * The endpoint failed; `responseStarted` says whether a local reply (or a retry) is still possible,
   * `refused` whether the peer refused the stream unprocessed, `bodySent` whether body bytes went out.
   */
  bridgeFailed(code: ErrorCode, responseStarted: boolean, refused: boolean, bodySent: boolean): void;
}

export class H1ToH2Bridge {
  readonly #downstream: Downstream;
  readonly #owner: BridgeOwner;
  #stream: ClientHttp2Stream | undefined;
  #clientVersionMinor = 1;
  #method = 'GET';
  #status = 0;
  #chunked = false;
  #keepAlive = false;
  #responseStarted = false;
  #bodySent = false;
  #responseBytes = 0;

  constructor(downstream: Downstream, owner: BridgeOwner) {
    this.#downstream = downstream;
    this.#owner = owner;
  }

  /** Opens the HTTP/2 stream for `head`; `hasBody` false ends it with the headers. */
  open(pool: UpstreamH2Pool, scheme: string, head: RequestHead, forwarded: Readonly<Record<string, string>>, hasBody: boolean): void {
    this.#clientVersionMinor = head.versionMinor;
    this.#method = head.method;
    this.#status = 0;
    this.#responseStarted = false;
    this.#bodySent = false;
    this.#responseBytes = 0;
    const headers: OutgoingHttpHeaders = {
      ':method': head.method,
      ':path': head.target,
      ':scheme': scheme,
      ':authority': head.host ?? '',
    };
    const fields = head.headers;
    for (let k = 0; k < head.kinds.length; k++) {
      if (head.kinds[k] !== HeaderKind.Other) continue;
      const name = fields[2 * k]!.toLowerCase();
      if (name === 'host' || name === 'content-length') continue;
      const existing = headers[name];
      headers[name] = existing === undefined ? fields[2 * k + 1] : `${existing}, ${fields[2 * k + 1]}`;
    }
    if (head.contentLength >= 0) headers['content-length'] = String(head.contentLength);
    Object.assign(headers, forwarded);
    const stream = (this.#stream = pool.request(headers, !hasBody));
    let failure: unknown;
    // A stream dropped for a retry (or an abort) may still emit: only the current one is relayed.
    stream.on('headers', (interim) => { if (this.#stream === stream) this.#onInterim(interim); });
    stream.on('response', (response, flags) => { if (this.#stream === stream) this.#onResponse(response, flags); });
    stream.on('data', (chunk: Buffer) => { if (this.#stream === stream) this.#onData(chunk); });
    let trailers: IncomingHttpHeaders | undefined;
    stream.on('trailers', (received) => { trailers = received; });
    stream.on('end', () => { if (this.#stream === stream) this.#onEnd(trailers); });
    stream.on('error', (error) => { failure = error; });
    stream.on('close', () => {
      if (this.#stream !== stream) return;
      this.#stream = undefined;
      if (stream.rstCode !== NGHTTP2_NO_ERROR || !this.#responseStarted) {
        this.#owner.bridgeFailed(upstreamFailure(failure), this.#responseStarted, wasRefused(stream), this.#bodySent);
      }
    });
  }

  /** Decoded request body bytes for the endpoint. */
  readonly writeBody: BodyDataHandler = (buf, start, end) => {
    const stream = this.#stream;
    if (stream === undefined || end === start) return;
    this.#bodySent = true;
    if (!stream.write(start === 0 && end === buf.length ? buf : buf.subarray(start, end))) {
      this.#downstream.pauseReading();
      stream.once('drain', () => this.#downstream.resumeReading());
    }
  };

  /** The request body is complete. */
  endBody(): void {
    this.#stream?.end();
  }

  onClientDrain(): void {
    this.#stream?.resume();
  }

  /** The exchange is over early (client gone, timeout): drop the stream. */
  abort(): void {
    const stream = this.#stream;
    this.#stream = undefined;
    if (stream !== undefined) cancelStream(stream);
  }

  /**
   * node:http2 emits an interim response (100 Continue, which the client may hold its body back for;
   * 103 Early Hints) as 'headers' ahead of 'response' (a 101 is a protocol error in HTTP/2): it goes on
   * as an interim head, as received, without the request id, which belongs to the final head.
   */
  #onInterim(headers: IncomingHttpHeaders): void {
    // RFC 9110 §15.2: an HTTP/1.0 client cannot tell an interim response from the final one.
    if (this.#clientVersionMinor === 0) return;
    this.#downstream.write(h1HeadLines(Number(headers[HTTP2_HEADER_STATUS]), headers, undefined) + '\r\n');
  }

  #onResponse(headers: IncomingHttpHeaders, flags: number): void {
    const status = (this.#status = Number(headers[HTTP2_HEADER_STATUS]));
    // Interim responses come as 'headers' (#onInterim); a 1xx that ends the stream is malformed: its close fails it.
    if (status < 200) return;
    // A status the policy retries: the owner cancelled this stream and may already have opened the next.
    if (this.#owner.upstreamResponded(status, this.#bodySent)) return;
    this.#responseStarted = true;
    const endStream = (flags & NGHTTP2_FLAG_END_STREAM) !== 0;
    const bodiless = this.#method === 'HEAD' || status === 204 || status === 304;
    const length = headers['content-length'];
    this.#chunked = !endStream && !bodiless && length === undefined && this.#clientVersionMinor === 1;
    const closeDelimited = !endStream && !bodiless && length === undefined && !this.#chunked;
    this.#keepAlive = this.#owner.keepAlive() && !closeDelimited;
    let out = h1HeadLines(status, headers, this.#owner.requestId);
    out += this.#owner.affinityField();
    if (this.#chunked) out += 'transfer-encoding: chunked\r\n';
    else if (endStream && !bodiless && length === undefined) out += 'content-length: 0\r\n';
    out += this.#keepAlive ? (this.#clientVersionMinor === 0 ? 'connection: keep-alive\r\n\r\n' : '\r\n') : 'connection: close\r\n\r\n';
    this.#downstream.write(out);
  }

  /** Response body bytes relayed to the client for the current request (without chunked framing). */
  get responseBytes(): number {
    return this.#responseBytes;
  }

  #onData(chunk: Buffer): void {
    this.#responseBytes += chunk.length;
    const downstream = this.#downstream;
    let flowing: boolean;
    if (this.#chunked) {
      downstream.cork();
      downstream.write(`${chunk.length.toString(16)}\r\n`);
      downstream.write(chunk);
      flowing = downstream.write('\r\n');
      downstream.uncork();
    } else {
      flowing = downstream.write(chunk);
    }
    if (!flowing) this.#stream?.pause();
  }

  #onEnd(trailers: IncomingHttpHeaders | undefined): void {
    if (!this.#responseStarted) return;
    this.#stream = undefined;
    if (this.#chunked) {
      let last = '0\r\n';
      for (const name in trailers) {
        const value = trailers[name];
        if (name.charCodeAt(0) !== 0x3a && value !== undefined) last += `${name}: ${Array.isArray(value) ? value.join(', ') : value}\r\n`;
      }
      this.#downstream.write(last + '\r\n');
    }
    this.#owner.bridged(this.#status, this.#keepAlive);
  }
}
