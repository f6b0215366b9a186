// What the access log says about a request head Sluice refused (malformed, too large, too slow): only
// the client, the time, Sluice's reply and the request id it was given are known. Made per refusal,
// never for a request that parses.
import type { ErrorCode } from '../errors.js';
import type { AccessLogEntry } from '../observability/access-log/access-log-entry.js';
import type { LocalReply } from '../proxy/local-reply.js';

export function rejectedHeadEntry(
  clientAddress: string, startedAt: number, reply: LocalReply, errorCode: ErrorCode, requestId: string | undefined,
): AccessLogEntry {
  return {
    startedAt, clientAddress, status: reply.status, errorCode, requestId,
    // Nothing of the head is trusted: no method, target or host is logged.
    method: '', host: undefined, path: '', protocol: 'HTTP/1.1',
    bytesIn: 0, bytesOut: reply.body.length, upstream: undefined, upstreamMs: undefined, route: undefined, cluster: undefined,
    retries: 0, traceId: '',
  };
}
