// What an exchange tells the access log about one request, read through getters when (and only when)
// a line is written, so a request that is not logged costs nothing here.
import type { ErrorCode } from '../../errors.js';

export interface AccessLogEntry {
  /** `performance.now()` when the request head arrived. */
  readonly startedAt: number;
  readonly clientAddress: string;
  readonly method: string;
  readonly host: string | undefined;
  /** The request-target as received (path and query). */
  readonly path: string;
  /** `HTTP/1.0`, `HTTP/1.1` or `HTTP/2`. */
  readonly protocol: string;
  /** 0 when no response started (the client went away first). */
  readonly status: number;
  /** Request body bytes received. */
  readonly bytesIn: number;
  /** Response body bytes sent. */
  readonly bytesOut: number;
  /** `host:port` of the endpoint picked, if any. */
  readonly upstream: string | undefined;
  /** Milliseconds from sending the request to the endpoint until its response head. */
  readonly upstreamMs: number | undefined;
  /** The route's label as in metrics (`host/path` or `default`); undefined when no route matched. */
  readonly route: string | undefined;
  readonly cluster: string | undefined;
  /** The error code of a reply Sluice made itself, or of the failure that cut the response short. */
  readonly errorCode: ErrorCode | undefined;
  // Provided by exchanges that track them; absent (or empty) fields log as null.
  readonly retries?: number;
  /** The request's x-request-id (tracing). */
  readonly requestId?: string | undefined;
  /** The trace id sent upstream; '' while tracing is off. */
  readonly traceId?: string;
}
