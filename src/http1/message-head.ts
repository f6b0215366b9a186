// The parsed shapes of HTTP/1.1 request and response heads, and the failure value a parser returns.
// Plain data only: the parsers build these, the engine and the serializers read them.

/** How the proxy treats a header when it forwards the message. */
export const enum HeaderKind {
  /** Forwarded as received. */
  Other = 0,
  /** Meaningful for one connection only; never forwarded (RFC 9110 §7.6.1). */
  HopByHop = 1,
  /** x-forwarded-for: replaced by the proxy, which appends the client address. */
  XForwardedFor = 2,
  /** x-forwarded-proto, x-forwarded-host, x-forwarded-port: replaced by the proxy's own values. */
  XForwardedOther = 3,
  /** Set by the proxy itself (trace context, request id, see src/tracing): the received value is not forwarded. */
  Replaced = 4,
}

export interface MessageHead {
  /** 0 or 1 (HTTP/1.0 or HTTP/1.1); other versions are rejected. */
  readonly versionMinor: number;
  /** Flat [name0, value0, name1, value1, ...]: names as received, values trimmed of OWS. */
  readonly headers: string[];
  /** One per header (headers.length / 2). */
  readonly kinds: HeaderKind[];
  /** -1 when absent (or overridden by Transfer-Encoding in a response). */
  readonly contentLength: number;
  /** Transfer-Encoding with chunked as the final coding. */
  readonly chunked: boolean;
  /** Whether the connection may carry another message after this one. */
  readonly keepAlive: boolean;
  /** The Upgrade header value when Connection lists "upgrade" (HTTP/1.1 only), else undefined. */
  readonly upgrade: string | undefined;
}

export interface RequestHead extends MessageHead {
  readonly method: string;
  readonly target: string;
  /** The Host header value. */
  readonly host: string | undefined;
  /** "Expect: 100-continue" in an HTTP/1.1 request. */
  readonly expectContinue: boolean;
  /** Incoming X-Forwarded-For value(s) joined with ", " (the engine appends the client). */
  readonly forwardedFor: string | undefined;
}

export interface ResponseHead extends MessageHead {
  /** 100..599. */
  readonly status: number;
  readonly reason: string;
  /** The body ends at connection close: no Content-Length, not chunked, and the status and method allow a body. */
  readonly closeDelimited: boolean;
}

export type ParseErrorCode = 'bad_request' | 'headers_too_large' | 'unsupported_transfer_coding';

export interface ParseFailure {
  readonly error: ParseErrorCode;
  readonly reason: string;
}

export function isParseFailure(x: object): x is ParseFailure {
  return (x as Partial<ParseFailure>).error !== undefined;
}

export function parseFailure(error: ParseErrorCode, reason: string): ParseFailure {
  return { error, reason };
}
