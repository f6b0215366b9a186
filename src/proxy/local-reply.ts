// Replies Sluice answers itself, one per error code, rendered to bytes once at start: the status,
// `x-sluice-error: <code>` and a one-line text body; and how a rendered head goes out with per-request
// fields (the request id) added, without rendering it again.
import { STATUS_CODES } from 'node:http';
import { errorTable, type ErrorCode } from '../errors.js';

export interface LocalReply {
  readonly status: number;
  /** Head that keeps the connection open, head that closes it, and the body. */
  readonly keepAliveHead: Buffer;
  readonly closeHead: Buffer;
  readonly body: Buffer;
}

function render(code: ErrorCode): LocalReply {
  const { status } = errorTable[code];
  const reason = STATUS_CODES[status] ?? 'Error';
  const body = Buffer.from(`${status} ${reason} (${code})\n`, 'latin1');
  const head = (connection: string) => Buffer.from(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\n` +
    `x-sluice-error: ${code}\r\ncache-control: no-store\r\nconnection: ${connection}\r\n\r\n`, 'latin1');
  return { status, keepAliveHead: head('keep-alive'), closeHead: head('close'), body };
}

export const localReplies: Readonly<Record<ErrorCode, LocalReply>> = Object.fromEntries(
  (Object.keys(errorTable) as ErrorCode[]).map((code) => [code, render(code)]),
) as Record<ErrorCode, LocalReply>;

/** Writes a rendered head with `fields` (header lines, each ending CRLF; '' for none) before its closing empty line. */
export function writeHeadWith(out: { write(chunk: Buffer | string): boolean }, head: Buffer | string, fields: string): void {
  if (fields === '') {
    out.write(head);
    return;
  }
  out.write(typeof head === 'string' ? head.slice(0, -2) : head.subarray(0, head.length - 2));
  out.write(`${fields}\r\n`);
}
