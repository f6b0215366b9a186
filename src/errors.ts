// The one table of errors Sluice answers on its own (local replies). Codes are a contract: they are
// sent in the `x-sluice-error` header, counted in metrics and listed in docs/errors.md (a test keeps
// the two in step). Expected failures travel as values of ProxyError, never as exceptions.

export const errorTable = {
  bad_request: { status: 400, retryable: false, description: 'The request is malformed (request line, header syntax, or message framing per RFC 9112).' },
  no_route: { status: 404, retryable: false, description: 'No route matches the host and path, and no default cluster is configured.' },
  headers_too_large: { status: 431, retryable: false, description: 'The request head is larger than the listener\'s `maxHeaderBytes`.' },
  request_header_timeout: { status: 408, retryable: false, description: 'The client did not send a complete request head within the listener\'s `timeouts.headers`.' },
  unsupported_transfer_coding: { status: 501, retryable: false, description: 'The request uses a transfer coding other than chunked as its final coding.' },
  upstream_connect_failed: { status: 502, retryable: true, description: 'The connection to the endpoint was refused or failed, or (h2 clusters) its TLS certificate did not verify.' },
  upstream_reset: { status: 502, retryable: true, description: 'The endpoint closed or reset the connection before a complete response head.' },
  upstream_bad_response: { status: 502, retryable: false, description: 'The endpoint sent a response Sluice cannot parse (status line, headers, or framing).' },
  no_healthy_endpoint: { status: 503, retryable: false, description: 'The cluster has no endpoint available to take the request.' },
  overflow: { status: 503, retryable: false, description: 'A circuit breaker of the cluster is open: too many requests, pending requests or connections (`circuitBreakers`).' },
  connect_timeout: { status: 504, retryable: true, description: 'The connection to the endpoint was not established within the cluster\'s `timeouts.connect`.' },
  upstream_timeout: { status: 504, retryable: false, description: 'The endpoint did not answer within the cluster\'s `timeouts.request`.' },
} as const satisfies Record<string, { status: number; retryable: boolean; description: string }>;

export type ErrorCode = keyof typeof errorTable;

export interface ProxyError {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  readonly cause?: unknown;
}

export function proxyError(code: ErrorCode, cause?: unknown): ProxyError {
  const entry = errorTable[code];
  return { code, status: entry.status, retryable: entry.retryable, cause };
}
