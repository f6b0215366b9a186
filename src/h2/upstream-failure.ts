// Which of Sluice's errors an upstream HTTP/2 (or undici) failure is. A session that fails cancels its
// streams with ERR_HTTP2_STREAM_CANCEL and the real reason in `cause`.
import type { ErrorCode } from '../errors.js';

export function upstreamFailure(error: unknown): ErrorCode {
  const outer = error as { code?: string; cause?: { code?: string } } | undefined;
  const code = outer?.code === 'ERR_HTTP2_STREAM_CANCEL' ? outer.cause?.code : outer?.code;
  switch (code) {
    case 'ECONNREFUSED':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return 'upstream_connect_failed';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connect_timeout';
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return 'upstream_timeout';
    default:
      return 'upstream_reset';
  }
}
