// Parses one request head strictly per RFC 9112: request line, field lines, then the framing and
// connection rules that keep a proxy safe from request smuggling. Never throws on bad input.
import { parseAbsoluteForm } from './absolute-form.js';
import { hasForbiddenControl, SP, TOKEN } from './char-classes.js';
import {
  checkTransferCodings, endOfLine, fieldSection, joinedForwardedFor, markConnectionNames, parseFieldSection,
} from './field-section.js';
import { HeaderKind, parseFailure, type ParseFailure, type RequestHead } from './message-head.js';
import { readVersionMinor, skipLeadingEmptyLines } from './start-line.js';

const badRequest = (reason: string): ParseFailure => parseFailure('bad_request', reason);

/** buf[0..end) is one complete head ending in CRLFCRLF (end from findHeadEnd). */
export function parseRequestHead(buf: Buffer, end: number): RequestHead | ParseFailure {
  if (hasForbiddenControl(buf, end)) return badRequest('control character in head');
  const s = buf.toString('latin1', 0, end);
  const start = skipLeadingEmptyLines(s);
  const lineEnd = endOfLine(s, start);
  if (lineEnd < 0) return badRequest('bare CR or LF in request line');

  // request-line = method SP request-target SP HTTP-version, nothing else (RFC 9112 §3).
  let i = start;
  while (i < lineEnd && TOKEN[s.charCodeAt(i)] === 1) i++;
  if (i === start || s.charCodeAt(i) !== SP) return badRequest('invalid method');
  const methodEnd = i;
  const targetStart = i + 1;
  const targetEnd = s.indexOf(' ', targetStart);
  if (targetEnd <= targetStart || targetEnd > lineEnd) return badRequest('invalid request target');
  const tab = s.indexOf('\t', targetStart);
  if (tab >= 0 && tab < targetEnd) return badRequest('invalid request target');
  const versionMinor = lineEnd - targetEnd === 9 ? readVersionMinor(s, targetEnd + 1) : -1;
  if (versionMinor < 0) return badRequest('unsupported HTTP version');

  const malformed = parseFieldSection(s, lineEnd + 2) ?? checkTransferCodings();
  if (malformed !== undefined) return badRequest(malformed);
  const fields = fieldSection;
  if (fields.hostCount > 1) return badRequest('more than one Host');
  if (fields.hostCount === 0 && versionMinor === 1) return badRequest('HTTP/1.1 request without Host');
  if (fields.transferEncoding) {
    if (versionMinor === 0) return badRequest('Transfer-Encoding in an HTTP/1.0 request');
    if (fields.contentLength >= 0) return badRequest('both Transfer-Encoding and Content-Length');
    if (!fields.finalCodingChunked) return parseFailure('unsupported_transfer_coding', 'final transfer coding is not chunked');
  }
  markConnectionNames();

  let target = s.slice(targetStart, targetEnd);
  let host = fields.host;
  const absolute = parseAbsoluteForm(target);
  if (typeof absolute === 'string') return badRequest(absolute);
  if (absolute !== undefined) {
    target = absolute.target;
    host = absolute.authority;
    if (fields.hostIndex >= 0) {
      fields.headers[fields.hostIndex] = host;
    } else {
      fields.headers.push('host', host);
      fields.kinds.push(HeaderKind.Other);
    }
  }

  const http11 = versionMinor === 1;
  return {
    versionMinor,
    headers: fields.headers,
    kinds: fields.kinds,
    contentLength: fields.contentLength,
    chunked: fields.transferEncoding,
    keepAlive: !fields.connectionClose && (http11 || fields.connectionKeepAlive),
    // RFC 9110 §7.8 and §10.1.1: Upgrade and 100-continue are ignored in HTTP/1.0 requests.
    upgrade: http11 && fields.connectionUpgrade ? fields.upgrade : undefined,
    method: s.slice(start, methodEnd),
    target,
    host,
    expectContinue: http11 && fields.expectContinue,
    forwardedFor: joinedForwardedFor(),
  };
}
