// gRPC's view of Sluice's own errors: status codes, the trailers-only reply for a local error (and the
// trailers that end a response already under way), and the request-side header checks (content type,
// grpc-timeout). Pure functions; no I/O, no session state.
import type { ErrorCode } from '../errors.js';

/** The canonical gRPC status codes (https://github.com/grpc/grpc/blob/master/doc/statuscodes.md). */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

export type GrpcStatusCode = (typeof GrpcStatus)[keyof typeof GrpcStatus];

/**
 * grpc-status per Sluice error. Where only an HTTP status describes the error, this follows gRPC's
 * http-grpc-status-mapping.md (400 → INTERNAL, 404 → UNIMPLEMENTED, 502/503/504 → UNAVAILABLE, any
 * status it does not list → UNKNOWN); where gRPC has a code for the cause itself, that code wins:
 * an upstream that missed its deadline is DEADLINE_EXCEEDED, an oversized head is RESOURCE_EXHAUSTED
 * (what gRPC libraries answer for metadata over their limit).
 */
export const grpcStatusByErrorCode = {
  bad_request: GrpcStatus.INTERNAL,
  no_route: GrpcStatus.UNIMPLEMENTED,
  headers_too_large: GrpcStatus.RESOURCE_EXHAUSTED,
  request_header_timeout: GrpcStatus.UNKNOWN,
  unsupported_transfer_coding: GrpcStatus.UNKNOWN,
  upstream_connect_failed: GrpcStatus.UNAVAILABLE,
  upstream_reset: GrpcStatus.UNAVAILABLE,
  upstream_bad_response: GrpcStatus.UNAVAILABLE,
  no_healthy_endpoint: GrpcStatus.UNAVAILABLE,
  overflow: GrpcStatus.UNAVAILABLE,
  connect_timeout: GrpcStatus.UNAVAILABLE,
  upstream_timeout: GrpcStatus.DEADLINE_EXCEEDED,
} as const satisfies Record<ErrorCode, GrpcStatusCode>;

export function grpcStatusFor(code: ErrorCode): GrpcStatusCode {
  return grpcStatusByErrorCode[code];
}

// The grpc-status header value per error code, built once.
const grpcStatusText = Object.fromEntries(
  Object.entries(grpcStatusByErrorCode).map(([code, status]) => [code, String(status)]),
) as Record<ErrorCode, string>;

// application/grpc, its +format suffixes and parameters, and the grpc-web variants; media types are
// case-insensitive. `test` allocates nothing, so this is fine per request.
const grpcContentType = /^application\/grpc(?:-web(?:-text)?)?(?:[+;\s]|$)/i;

/** True for content-type application/grpc, application/grpc+proto, application/grpc-web… (the gRPC family). */
export function isGrpcContentType(contentType: string | undefined): boolean {
  return contentType !== undefined && grpcContentType.test(contentType);
}

const DIGIT_ZERO = 0x30;
const MAX_TIMEOUT_DIGITS = 8;

/** Milliseconds per unit as [multiplier, divisor], so every unit converts in exact integer arithmetic. */
const millisecondsPerUnit: Readonly<Record<string, readonly [multiplier: number, divisor: number] | undefined>> = {
  H: [3_600_000, 1],
  M: [60_000, 1],
  S: [1_000, 1],
  m: [1, 1],
  u: [1, 1_000],
  n: [1, 1_000_000],
};

/** grpc-timeout header (1*8DIGIT unit H M S m u n) → milliseconds (rounded up, at least 1), undefined when absent or malformed. */
export function parseGrpcTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const digits = value.length - 1;
  if (digits < 1 || digits > MAX_TIMEOUT_DIGITS) return undefined;
  const scale = millisecondsPerUnit[value[digits]!];
  if (scale === undefined) return undefined;
  let amount = 0;
  for (let i = 0; i < digits; i++) {
    const digit = value.charCodeAt(i) - DIGIT_ZERO;
    if (digit < 0 || digit > 9) return undefined;
    amount = amount * 10 + digit;
  }
  return Math.max(1, Math.ceil((amount * scale[0]) / scale[1]));
}

const HEX = '0123456789ABCDEF';

/**
 * Percent-encodes a grpc-message value as the gRPC HTTP/2 spec requires: bytes of the UTF-8 encoding
 * outside space..tilde, and '%' itself, become %XX.
 */
export function percentEncodeGrpcMessage(message: string): string {
  let encoded = '';
  for (const byte of Buffer.from(message, 'utf8')) {
    if (byte >= 0x20 && byte <= 0x7e && byte !== 0x25) encoded += String.fromCharCode(byte);
    else encoded += '%' + HEX[byte >> 4]! + HEX[byte & 0xf]!;
  }
  return encoded;
}

/** The status fields naming one of Sluice's errors: the trailers that end a gRPC response already under way. */
export function grpcErrorTrailers(code: ErrorCode, message: string): Record<string, string> {
  return {
    'grpc-status': grpcStatusText[code],
    'grpc-message': percentEncodeGrpcMessage(message),
    'x-sluice-error': code,
  };
}

/** Headers of a trailers-only gRPC response for one of Sluice's errors. */
export function grpcErrorHeaders(code: ErrorCode, message: string): Record<string, string | number> {
  return { ':status': 200, 'content-type': 'application/grpc', ...grpcErrorTrailers(code, message) };
}
