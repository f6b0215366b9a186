// Writes the heads Sluice forwards: the request for the endpoint and the response for the client.
// Hop-by-hop headers are dropped, forwarding headers replaced, and framing is written once by the
// proxy itself, so whatever framing the peer sent never reaches the other side as received.
import { equalsLower } from './char-classes.js';
import { HeaderKind, type RequestHead, type ResponseHead } from './message-head.js';

/** Content-Length is re-emitted from the parsed value: never twice, never as a list, never beside chunked. */
function isContentLength(name: string): boolean {
  return name.length === 14 && equalsLower(name, 0, 14, 'content-length');
}

function framing(chunked: boolean, contentLength: number): string {
  if (chunked) return 'transfer-encoding: chunked\r\n';
  return contentLength >= 0 ? `content-length: ${contentLength}\r\n` : '';
}

/**
 * Request head for the endpoint: the request line in the client's version (an HTTP/1.0 client's
 * endpoint then never answers chunked, which that client could not read), end-to-end headers as received, the
 * x-forwarded-* set (x-forwarded-for extended with the client, the others replaced), framing, and
 * `connection: keep-alive` (or the upgrade pair when the client asked for an upgrade). Latin1.
 * `proxyFields` are header lines the proxy adds (trace context, request id), each ending CRLF.
 */
export function serializeRequestHead(head: RequestHead, clientIp: string, proto: string, port: string, proxyFields = ''): string {
  const headers = head.headers;
  const kinds = head.kinds;
  let out = `${head.method} ${head.target} HTTP/1.${head.versionMinor}\r\n`;
  for (let k = 0; k < kinds.length; k++) {
    const name = headers[2 * k];
    if (kinds[k] === HeaderKind.Other && !isContentLength(name)) out += `${name}: ${headers[2 * k + 1]}\r\n`;
  }
  const forwardedFor = head.forwardedFor;
  out += `x-forwarded-for: ${forwardedFor === undefined ? clientIp : `${forwardedFor}, ${clientIp}`}\r\n`;
  out += `x-forwarded-proto: ${proto}\r\n`;
  if (head.host !== undefined) out += `x-forwarded-host: ${head.host}\r\n`;
  out += `x-forwarded-port: ${port}\r\n`;
  out += proxyFields;
  out += framing(head.chunked, head.contentLength);
  const upgrade = head.upgrade;
  out += upgrade === undefined ? 'connection: keep-alive\r\n\r\n' : `connection: upgrade\r\nupgrade: ${upgrade}\r\n\r\n`;
  return out;
}

/**
 * Response head for the client: status line as HTTP/1.1, every header that is not hop-by-hop as
 * received, framing (none for 1xx and 204), then the connection header: the upgrade pair for a 101,
 * `connection: close` when the connection ends after this response, `connection: keep-alive` for an
 * HTTP/1.0 client kept alive, nothing for an HTTP/1.1 client kept alive. Latin1. `proxyFields` as for
 * requests: the request id returned to the client (the endpoint's own must be marked `Replaced`), and
 * an affinity Set-Cookie (beside any the endpoint set).
 */
export function serializeResponseHead(head: ResponseHead, keepAlive: boolean, clientVersionMinor: number, proxyFields = ''): string {
  const headers = head.headers;
  const kinds = head.kinds;
  const status = head.status;
  let out = `HTTP/1.1 ${status} ${head.reason}\r\n`;
  for (let k = 0; k < kinds.length; k++) {
    const name = headers[2 * k];
    const kind = kinds[k];
    if (kind !== HeaderKind.HopByHop && kind !== HeaderKind.Replaced && !isContentLength(name)) out += `${name}: ${headers[2 * k + 1]}\r\n`;
  }
  out += proxyFields;
  if (status >= 200 && status !== 204) out += framing(head.chunked, head.contentLength);
  if (status === 101 && head.upgrade !== undefined) out += `connection: upgrade\r\nupgrade: ${head.upgrade}\r\n`;
  else if (!keepAlive) out += 'connection: close\r\n';
  else if (clientVersionMinor === 0) out += 'connection: keep-alive\r\n';
  return out + '\r\n';
}
