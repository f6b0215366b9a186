// The trailer section of a chunked HTTP/1.1 response as HTTP/2 trailers: field lines the chunked
// scanner has already validated, split into fields for node:http2. Knows nothing of bodies or streams.
import type { OutgoingHttpHeaders } from 'node:http2';
import { isOws } from '../http1/char-classes.js';

/**
 * Fields never relayed as HTTP/2 trailers: connection-specific ones (RFC 9113 §8.2.2, which node:http2
 * refuses to send) and those about framing or routing (RFC 9110 §6.5.1).
 */
const NOT_RELAYED = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'content-length', 'host',
]);

/**
 * HTTP/2 trailers from the field lines of a trailer section (`name: value\r\n` each, as ChunkedScanner
 * hands them over): names lower-cased, values trimmed of whitespace, a repeated name as a list.
 */
export function h2Trailers(parts: readonly Buffer[]): OutgoingHttpHeaders {
  const section = (parts.length === 1 ? parts[0]! : Buffer.concat(parts)).toString('latin1');
  const trailers: OutgoingHttpHeaders = {};
  let lineStart = 0;
  while (lineStart < section.length) {
    const lineEnd = section.indexOf('\r\n', lineStart);
    const colon = section.indexOf(':', lineStart);
    const name = section.slice(lineStart, colon).toLowerCase();
    lineStart = lineEnd + 2;
    if (NOT_RELAYED.has(name)) continue;
    // Only SP and HTAB are whitespace here (String#trim would also eat obs-text such as 0xA0).
    let valueStart = colon + 1;
    let valueEnd = lineEnd;
    while (valueStart < valueEnd && isOws(section.charCodeAt(valueStart))) valueStart++;
    while (valueEnd > valueStart && isOws(section.charCodeAt(valueEnd - 1))) valueEnd--;
    const value = section.slice(valueStart, valueEnd);
    const existing = trailers[name];
    if (existing === undefined) trailers[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else trailers[name] = [existing as string, value];
  }
  return trailers;
}
