// What the exchanges and guards use of a client's HTTP/2 session and streams, met by both codecs:
// node:http2's Http2Session and ServerHttp2Stream, and Sluice's own ServerSession and ServerStream.
import type { EventEmitter } from 'node:events';
import type { OutgoingHttpHeaders } from 'node:http2';

export interface DownstreamStream extends EventEmitter {
  readonly session: { readonly destroyed: boolean } | undefined;
  readonly destroyed: boolean;
  readonly closed: boolean;
  /** Closed before its response ended (reset by either side). */
  readonly aborted: boolean;
  readonly headersSent: boolean;
  readonly readableEnded: boolean;
  readonly writableEnded: boolean;
  readonly endAfterHeaders: boolean;
  readonly rstCode: number | undefined;
  respond(headers: OutgoingHttpHeaders, options?: { endStream?: boolean; waitForTrailers?: boolean }): void;
  /** An interim (1xx) head. */
  additionalHeaders(headers: OutgoingHttpHeaders): void;
  /** false: wait for 'drain'. */
  write(chunk: Buffer | string): boolean;
  end(chunk?: Buffer | string): void;
  /** After 'wantTrailers'. */
  sendTrailers(headers: OutgoingHttpHeaders): void;
  close(code?: number): void;
  pause(): unknown;
  resume(): unknown;
}

export interface DownstreamSession extends EventEmitter {
  readonly destroyed: boolean;
  readonly closed: boolean;
  readonly socket: { readonly remoteAddress?: string | undefined } | null | undefined;
  /** GOAWAY: open streams finish, then the connection ends. */
  close(): void;
  destroy(): void;
  goaway(code: number): void;
  setTimeout(ms: number, onIdle: () => void): void;
}
