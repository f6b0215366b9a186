// Compiles the configured access log fields into one function that renders an entry as a JSON line,
// fields in the configured order. Built once per snapshot; it runs only for requests that are logged.
import { performance } from 'node:perf_hooks';
import type { AccessLogField } from '../../snapshot.js';
import type { AccessLogEntry } from './access-log-entry.js';

/** Renders `entry`, which ended at `endedAt` (`performance.now()`), as one line with its newline. */
export type AccessLogLine = (entry: AccessLogEntry, endedAt: number) => string;

type Part = (entry: AccessLogEntry, endedAt: number) => string;

const text = (value: string | undefined): string => (value === undefined ? 'null' : JSON.stringify(value));
const milliseconds = (value: number | undefined): string => (value === undefined ? 'null' : String(Math.round(value * 1000) / 1000));

const parts: Record<AccessLogField, Part> = {
  time: (entry) => `"time":"${new Date(performance.timeOrigin + entry.startedAt).toISOString()}"`,
  requestId: (entry) => `"requestId":${text(entry.requestId || undefined)}`,
  traceId: (entry) => `"traceId":${text(entry.traceId || undefined)}`,
  clientAddress: (entry) => `"clientAddress":${text(entry.clientAddress)}`,
  method: (entry) => `"method":${text(entry.method || undefined)}`,
  host: (entry) => `"host":${text(entry.host)}`,
  path: (entry) => `"path":${text(entry.path || undefined)}`,
  protocol: (entry) => `"protocol":"${entry.protocol}"`,
  status: (entry) => `"status":${entry.status}`,
  bytesIn: (entry) => `"bytesIn":${entry.bytesIn}`,
  bytesOut: (entry) => `"bytesOut":${entry.bytesOut}`,
  durationMs: (entry, endedAt) => `"durationMs":${milliseconds(endedAt - entry.startedAt)}`,
  upstream: (entry) => `"upstream":${text(entry.upstream)}`,
  upstreamMs: (entry) => `"upstreamMs":${milliseconds(entry.upstreamMs)}`,
  route: (entry) => `"route":${text(entry.route)}`,
  cluster: (entry) => `"cluster":${text(entry.cluster)}`,
  retries: (entry) => `"retries":${entry.retries ?? 'null'}`,
  errorCode: (entry) => `"errorCode":${text(entry.errorCode)}`,
};

export function compileAccessLogLine(fields: readonly AccessLogField[]): AccessLogLine {
  const selected = fields.map((field) => parts[field]);
  return (entry, endedAt) => {
    let line = '{';
    for (let i = 0; i < selected.length; i++) {
      if (i > 0) line += ',';
      line += selected[i]!(entry, endedAt);
    }
    return line + '}\n';
  };
}
