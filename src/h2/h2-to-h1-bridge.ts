// An HTTP/2 client's request carried to an HTTP/1.1 endpoint over Sluice's own keep-alive pool: the
// HTTP/2 header list becomes an HTTP/1.1 request head (body framed by its Content-Length, else chunked),
// the response head becomes HTTP/2 headers (interim 1xx heads interim HEADERS), its de-framed body DATA
// and the trailer section of a chunked body HTTP/2 trailers, backpressure honoured both ways.
// One per HTTP/2 stream (the mirror of h1-to-h2-bridge.ts); routing, deadlines and local replies stay
// with the exchange.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import type { ErrorCode } from '../errors.js';
import type { DownstreamStream } from './downstream-stream.js';
import { HeaderKind, isParseFailure, ResponseHeadReader, type ResponseHead } from '../http1/index.js';
import { BODY_CONTINUES, BODY_INVALID, BodyFramer, BodyMode } from '../proxy/body-framer.js';
import { h2Trailers } from './h1-trailers.js';
import type { UpstreamConnection, UpstreamFailure, UpstreamOwner } from '../proxy/upstream-connection.js';
import type { UpstreamPool } from '../proxy/upstream-pool.js';
import { TRACE_HEADER_NAMES } from '../tracing/trace-headers.js';
import type { ListenerRuntime } from '../worker/runtime.js';

/** Request fields not copied as received: HTTP/2 pseudo-fields are read by name, and these are rewritten
 *  (Host from :authority, framing, X-Forwarded-*, cookies joined) or describe one hop only. */
const REWRITTEN_OR_HOP = new Set([
  'host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'proxy-connection', 'upgrade', 'te',
  'cookie', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port',
]);

export interface H1SideOwner {
  /** The endpoint's final status arrived (its outcome); true: the owner drops this response to retry, and the bridge stops. */
  responseArrived(status: number): boolean;
  /** Sends the response head (the owner adds what it adds to every response); `waitForTrailers`: the bridge sends them. */
  respond(status: number, headers: OutgoingHttpHeaders, endStream: boolean, waitForTrailers: boolean): void;
  /** The endpoint failed; `responseStarted` says whether a local reply is still possible. */
  bridgeFailed(code: ErrorCode, responseStarted: boolean): void;
}

/** The request as the endpoint receives it, built once per request from the HTTP/2 header list. */
export interface H1Request {
  readonly method: string;
  /** Request line and fields, ending with the empty line. */
  readonly head: string;
  /** The request body is sent with chunked framing (the client gave no content-length). */
  readonly chunked: boolean;
  readonly hasBody: boolean;
}

/**
 * The HTTP/1.1 request head for an HTTP/2 request: fields in the order received (`raw`, flat name/value
 * pairs), Host from :authority, cookies joined (RFC 9113 §8.2.3), the X-Forwarded-* set (the client
 * appended to X-Forwarded-For), and the body's framing.
 */
export function h1Request(
  headers: IncomingHttpHeaders, raw: readonly string[], authority: string | undefined, clientIp: string,
  listener: ListenerRuntime, hasBody: boolean, traceLines: string | undefined,
): H1Request {
  const method = headers[':method'] ?? 'GET';
  let head = `${method} ${headers[':path'] ?? '/'} HTTP/1.1\r\n`;
  if (authority !== undefined) head += `host: ${authority}\r\n`;
  for (let index = 0; index < raw.length; index += 2) {
    const name = raw[index]!;
    if (name.charCodeAt(0) === 0x3a /* ':' */ || REWRITTEN_OR_HOP.has(name)) continue;
    // With tracing on, this hop's trace fields replace the incoming ones.
    if (traceLines !== undefined && TRACE_HEADER_NAMES.has(name)) continue;
    head += `${name}: ${raw[index + 1]}\r\n`;
  }
  if (traceLines !== undefined) head += traceLines;
  const cookie = headers.cookie;
  if (cookie !== undefined) head += `cookie: ${cookie}\r\n`;
  const forwardedFor = headers['x-forwarded-for'];
  head += `x-forwarded-for: ${forwardedFor === undefined ? clientIp : `${forwardedFor}, ${clientIp}`}\r\nx-forwarded-proto: ${listener.proto}\r\n`;
  if (authority !== undefined) head += `x-forwarded-host: ${authority}\r\n`;
  head += `x-forwarded-port: ${listener.portText}\r\n`;
  const length = headers['content-length'];
  const chunked = hasBody && length === undefined;
  if (chunked) head += 'transfer-encoding: chunked\r\n';
  else if (length !== undefined) head += `content-length: ${length}\r\n`;
  return { method, head: head + '\r\n', chunked, hasBody };
}

/** Response fields for the HTTP/2 client: no hop-by-hop fields, names lower-cased, repeated names as lists. */
function h2ResponseHeaders(response: ResponseHead): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const fields = response.headers;
  const kinds = response.kinds;
  for (let k = 0; k < kinds.length; k++) {
    if (kinds[k] === HeaderKind.HopByHop) continue;
    const name = fields[2 * k]!.toLowerCase();
    if (name === 'content-length') continue;
    const value = fields[2 * k + 1]!;
    const existing = out[name];
    if (existing === undefined) out[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else out[name] = [existing as string, value];
  }
  // 1xx and 204 have no content.
  if (response.contentLength >= 0 && response.status >= 200 && response.status !== 204) out['content-length'] = response.contentLength;
  return out;
}

const enum Phase { Head, Body, Done }

// node:http2 copies the trailers it is given, so one empty object serves every stream.
const NO_TRAILERS = {};

export class H2ToH1Bridge implements UpstreamOwner {
  readonly #client: DownstreamStream;
  readonly #owner: H1SideOwner;
  readonly #pool: UpstreamPool;
  readonly #request: H1Request;
  readonly #responseBody = new BodyFramer();
  #connection: UpstreamConnection | undefined;
  #phase = Phase.Head;
  readonly #responseHead = new ResponseHeadReader();
  #requestSent = false;
  #reusable = false;
  #replayed = false;
  #clientFull = false;
  #upstreamPaused = false;
  #requestBytes = 0;
  #responseBytes = 0;
  /** The latest decoded body bytes, held back so the last ones go out with the end of the stream (one call). */
  #held: Buffer | undefined;
  readonly #holdData = (buf: Buffer, start: number, end: number): void => {
    this.#responseBytes += end - start;
    if (this.#held !== undefined && !this.#client.write(this.#held)) this.#clientFull = true;
    this.#held = start === 0 && end === buf.length ? buf : buf.subarray(start, end);
  };
  /** The trailer field lines of a chunked response, as the framer passes over them (none: undefined). */
  #trailerParts: Buffer[] | undefined;
  readonly #gatherTrailer = (buf: Buffer, start: number, end: number): void => {
    (this.#trailerParts ??= []).push(buf.subarray(start, end));
  };
  readonly #sendTrailers = (): void => {
    const parts = this.#trailerParts;
    this.#trailerParts = undefined;
    this.#client.sendTrailers(parts === undefined ? NO_TRAILERS : h2Trailers(parts));
  };

  constructor(client: DownstreamStream, owner: H1SideOwner, pool: UpstreamPool, request: H1Request) {
    this.#client = client;
    this.#owner = owner;
    this.#pool = pool;
    this.#request = request;
  }

  /** Sends the request head, then the client's body as it arrives. */
  send(): void {
    this.#connect(false);
    if (!this.#request.hasBody) {
      this.#requestSent = true;
      return;
    }
    const client = this.#client;
    client.on('data', (chunk: Buffer) => this.#forwardBody(chunk));
    client.once('end', () => {
      this.#requestSent = true;
      if (this.#request.chunked) this.#connection?.socket.write('0\r\n\r\n');
    });
  }

  /** Request body bytes received from the client while this bridge carried the request. */
  get requestBytes(): number { return this.#requestBytes; }

  /** Decoded response body bytes relayed to the client. */
  get responseBytes(): number { return this.#responseBytes; }

  /** The exchange is over early (client gone, deadline): the connection is mid-exchange, so it is closed. */
  abort(): void {
    this.#phase = Phase.Done;
    this.#connection?.destroy();
    this.#connection = undefined;
  }

  // ── UpstreamOwner ─────────────────────────────────────────────────────────────────────────────

  onUpstreamData(chunk: Buffer): void {
    if (this.#phase === Phase.Body) this.#relay(chunk, 0);
    else if (this.#phase === Phase.Head) this.#readHead(chunk);
  }

  onUpstreamDrain(): void {
    if (this.#phase !== Phase.Done) this.#client.resume();
  }

  onUpstreamEnd(): void {
    if (this.#phase === Phase.Body && this.#responseBody.mode === BodyMode.UntilClose) this.#complete(false);
  }

  onUpstreamClose(failure: UpstreamFailure): void {
    const connection = this.#connection;
    this.#connection = undefined;
    if (this.#phase === Phase.Head) {
      // A kept-alive connection the endpoint closed just as it was reused: replay a bodiless request once.
      if (failure === 'upstream_reset' && connection?.reused === true && !this.#request.hasBody && !this.#replayed) {
        this.#replayed = true;
        this.#connect(true);
        return;
      }
      this.#fail(failure);
    } else if (this.#phase === Phase.Body) {
      if (this.#responseBody.mode === BodyMode.UntilClose) this.#complete(false);
      else this.#fail('upstream_reset');
    }
  }

  // ── internals ─────────────────────────────────────────────────────────────────────────────────

  #connect(fresh: boolean): void {
    const connection = (this.#connection = this.#pool.acquire(this, fresh));
    // No connection: the cluster's connection or pending-request limit is reached.
    if (connection === undefined) return this.#fail('overflow');
    connection.socket.write(this.#request.head, 'latin1');
  }

  #forwardBody(chunk: Buffer): void {
    this.#requestBytes += chunk.length;
    const socket = this.#connection?.socket;
    if (socket === undefined) return;
    let flowing: boolean;
    if (this.#request.chunked) {
      socket.cork();
      socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1');
      socket.write(chunk);
      flowing = socket.write('\r\n', 'latin1');
      socket.uncork();
    } else {
      flowing = socket.write(chunk);
    }
    if (!flowing) this.#client.pause();
  }

  #readHead(chunk: Buffer): void {
    const reader = this.#responseHead;
    for (let bytes = chunk; ;) {
      const head = reader.read(bytes, this.#request.method);
      if (head === undefined) return;
      // No upgrade was asked for (HTTP/2 has none), so a 101 is as broken as a head that does not parse.
      if (isParseFailure(head) || head.status === 101) return this.#fail('upstream_bad_response');
      const { buf, end } = reader;
      if (head.status >= 200) return this.#startResponse(head, buf, end);
      this.#relayInterim(head);
      if (end === buf.length) return;
      bytes = buf.subarray(end);
    }
  }

  /** 100 Continue (the client may be holding its body back for it), 103 Early Hints…: interim HEADERS, then read on for the final head. */
  #relayInterim(head: ResponseHead): void {
    const client = this.#client;
    // A client that reset the stream is gone already ('close', which ends this bridge, comes later).
    if (client.closed || client.destroyed) return;
    const headers = h2ResponseHeaders(head);
    headers[':status'] = head.status;
    client.additionalHeaders(headers);
  }

  #startResponse(head: ResponseHead, buf: Buffer, end: number): void {
    const status = head.status;
    if (this.#owner.responseArrived(status)) return this.abort();
    const bodiless = this.#request.method === 'HEAD' || status === 204 || status === 304;
    if (bodiless) this.#responseBody.start(false, 0, false);
    else this.#responseBody.start(head.chunked, head.contentLength, head.closeDelimited);
    this.#reusable = head.keepAlive;
    this.#phase = Phase.Body;
    const empty = this.#responseBody.mode === BodyMode.None;
    // Only a chunked body can end with a trailer section (sent as HTTP/2 trailers, else an empty end of stream).
    const trailers = this.#responseBody.mode === BodyMode.Chunked;
    if (trailers) this.#client.once('wantTrailers', this.#sendTrailers);
    this.#owner.respond(status, h2ResponseHeaders(head), empty, trailers);
    if (empty) this.#complete(end === buf.length);
    else this.#relay(buf, end);
  }

  #relay(buf: Buffer, start: number): void {
    const bodyEnd = this.#responseBody.advance(buf, start, buf.length, this.#holdData, this.#gatherTrailer);
    if (bodyEnd === BODY_INVALID) return this.#fail('upstream_bad_response');
    const held = this.#held;
    this.#held = undefined;
    if (bodyEnd !== BODY_CONTINUES) {
      this.#client.end(held);
      // Bytes after the end of the response: the endpoint is out of step, do not reuse the connection.
      return this.#complete(bodyEnd === buf.length);
    }
    if (held !== undefined && !this.#client.write(held)) this.#clientFull = true;
    if (this.#clientFull && !this.#upstreamPaused) this.#pauseUpstream();
  }

  #pauseUpstream(): void {
    this.#upstreamPaused = true;
    this.#connection?.socket.pause();
    this.#client.once('drain', () => {
      this.#clientFull = false;
      this.#upstreamPaused = false;
      if (this.#phase === Phase.Body) this.#connection?.socket.resume();
    });
  }

  /** The response is relayed whole; the connection goes back to the pool when both messages ended cleanly. */
  #complete(inStep: boolean): void {
    this.#phase = Phase.Done;
    const connection = this.#connection;
    this.#connection = undefined;
    if (connection === undefined) return;
    if (this.#upstreamPaused) connection.socket.resume();
    if (inStep && this.#reusable && this.#requestSent) this.#pool.release(connection);
    else connection.destroy();
  }

  #fail(code: ErrorCode): void {
    const started = this.#phase !== Phase.Head;
    this.abort();
    this.#owner.bridgeFailed(code, started);
  }
}
