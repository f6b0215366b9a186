// Parses one response head from an endpoint per RFC 9112 and decides how its body is delimited
// (RFC 9112 §6.3), which depends on the method of the request it answers.
import { hasForbiddenControl, SP } from './char-classes.js';
import {
  checkTransferCodings, endOfLine, fieldSection, markConnectionNames, parseFieldSection,
} from './field-section.js';
import { parseFailure, type ParseFailure, type ResponseHead } from './message-head.js';
import { readVersionMinor } from './start-line.js';

const badResponse = (reason: string): ParseFailure => parseFailure('bad_request', reason);

/** Whether a response with this status to this method can carry a body at all. */
function bodyAllowed(status: number, requestMethod: string): boolean {
  if (status < 200 || status === 204 || status === 304) return false;
  if (requestMethod === 'HEAD') return false;
  return !(requestMethod === 'CONNECT' && status < 300);
}

/** requestMethod decides bodilessness (HEAD, and 2xx to CONNECT); 1xx/204/304 never have a body. */
export function parseResponseHead(buf: Buffer, end: number, requestMethod: string): ResponseHead | ParseFailure {
  if (hasForbiddenControl(buf, end)) return badResponse('control character in head');
  const s = buf.toString('latin1', 0, end);
  const lineEnd = endOfLine(s, 0);
  if (lineEnd < 0) return badResponse('bare CR or LF in status line');
  if (lineEnd < 12) return badResponse('invalid status line');

  const versionMinor = readVersionMinor(s, 0);
  if (versionMinor < 0 || s.charCodeAt(8) !== SP) return badResponse('unsupported HTTP version');
  const d0 = s.charCodeAt(9) - 0x30;
  const d1 = s.charCodeAt(10) - 0x30;
  const d2 = s.charCodeAt(11) - 0x30;
  if (d0 < 1 || d0 > 5 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return badResponse('invalid status code');
  const status = d0 * 100 + d1 * 10 + d2;
  // status-line = HTTP-version SP status-code SP [ reason-phrase ]; a missing final SP is tolerated.
  let reason = '';
  if (lineEnd > 12) {
    if (s.charCodeAt(12) !== SP) return badResponse('invalid status code');
    reason = s.slice(13, lineEnd);
  }

  const malformed = parseFieldSection(s, lineEnd + 2) ?? checkTransferCodings();
  if (malformed !== undefined) return badResponse(malformed);
  const fields = fieldSection;
  markConnectionNames();

  const hasTransferEncoding = fields.transferEncoding;
  const chunked = hasTransferEncoding && fields.finalCodingChunked;
  // Transfer-Encoding overrides Content-Length (RFC 9112 §6.3 item 3); such a message may have been
  // meant to smuggle, so the connection is not reused. A non-chunked final coding reads until close.
  const contentLength = hasTransferEncoding ? -1 : fields.contentLength;
  const closeDelimited = !chunked && contentLength < 0 && bodyAllowed(status, requestMethod);
  const http11 = versionMinor === 1;
  const keepAlive = !fields.connectionClose && (http11 || fields.connectionKeepAlive) && !closeDelimited
    && !(hasTransferEncoding && (fields.contentLength >= 0 || !http11));
  return {
    versionMinor,
    headers: fields.headers,
    kinds: fields.kinds,
    contentLength,
    chunked,
    keepAlive,
    upgrade: http11 && fields.connectionUpgrade ? fields.upgrade : undefined,
    status,
    reason,
    closeDelimited,
  };
}
