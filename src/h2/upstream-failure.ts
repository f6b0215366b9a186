// Which of Sluice's errors an upstream HTTP/2 (or undici) failure is. A session that fails cancels its
// streams with ERR_HTTP2_STREAM_CANCEL and the real reason in `cause`; a stream the pool's circuit
// breakers refused fails with ERR_SLUICE_OVERFLOW.
import type { ErrorCode } from '../errors.js';

/** The endpoint's certificate did not verify (OpenSSL's X509 verification results, and node's name check). */
const CERTIFICATE_REJECTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED',
  'CERT_REJECTED', 'CERT_REVOKED', 'INVALID_CA', 'INVALID_PURPOSE', 'PATH_LENGTH_EXCEEDED', 'CERT_CHAIN_TOO_LONG',
  'HOSTNAME_MISMATCH', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export function upstreamFailure(error: unknown): ErrorCode {
  const outer = error as { code?: string; cause?: { code?: string } } | undefined;
  const code = outer?.code === 'ERR_HTTP2_STREAM_CANCEL' ? outer.cause?.code : outer?.code;
  if (code !== undefined && CERTIFICATE_REJECTED.has(code)) return 'upstream_connect_failed';
  switch (code) {
    case 'ERR_SLUICE_OVERFLOW':
      return 'overflow';
    case 'ECONNREFUSED':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
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
