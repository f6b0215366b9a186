// Parses the field lines of a head (shared by requests and responses): validates each line, classifies
// each header for forwarding and gathers what framing and connection handling need. Knows nothing of
// request or status lines; decides nothing that differs between requests and responses.
import {
  COLON, HOST, HTAB, SEMICOLON, SP, TOKEN, equalsLower, isOws,
} from './char-classes.js';
import { HeaderKind } from './message-head.js';

/** What a field section says; one instance is reused for every parse (parsing is synchronous). */
export interface FieldSection {
  headers: string[];
  kinds: HeaderKind[];
  /** -1 when absent. */
  contentLength: number;
  transferEncoding: boolean;
  codingCount: number;
  chunkedCount: number;
  finalCodingChunked: boolean;
  connectionClose: boolean;
  connectionKeepAlive: boolean;
  connectionUpgrade: boolean;
  /** Other tokens of Connection, lower-cased: the headers they name are hop-by-hop. */
  connectionNames: string[] | undefined;
  upgrade: string | undefined;
  host: string | undefined;
  /** Index of the Host value in `headers`, -1 without one. */
  hostIndex: number;
  hostCount: number;
  expectContinue: boolean;
  forwardedForCount: number;
}

export const fieldSection: FieldSection = {
  headers: [],
  kinds: [],
  contentLength: -1,
  transferEncoding: false,
  codingCount: 0,
  chunkedCount: 0,
  finalCodingChunked: false,
  connectionClose: false,
  connectionKeepAlive: false,
  connectionUpgrade: false,
  connectionNames: undefined,
  upgrade: undefined,
  host: undefined,
  hostIndex: -1,
  hostCount: 0,
  expectContinue: false,
  forwardedForCount: 0,
};

const enum Field {
  Other, Host, Expect, ContentLength, TransferEncoding, Connection, Upgrade, HopByHop, XForwardedFor, XForwardedOther,
}

/** Recognises the names that matter by length first, so most names cost one switch and one compare. */
function classify(s: string, start: number, end: number): Field {
  switch (end - start) {
    case 2: return equalsLower(s, start, end, 'te') ? Field.HopByHop : Field.Other;
    case 4: return equalsLower(s, start, end, 'host') ? Field.Host : Field.Other;
    case 6: return equalsLower(s, start, end, 'expect') ? Field.Expect : Field.Other;
    case 7:
      if (equalsLower(s, start, end, 'upgrade')) return Field.Upgrade;
      return equalsLower(s, start, end, 'trailer') ? Field.HopByHop : Field.Other;
    case 10:
      if (equalsLower(s, start, end, 'connection')) return Field.Connection;
      return equalsLower(s, start, end, 'keep-alive') ? Field.HopByHop : Field.Other;
    case 14: return equalsLower(s, start, end, 'content-length') ? Field.ContentLength : Field.Other;
    case 15: return equalsLower(s, start, end, 'x-forwarded-for') ? Field.XForwardedFor : Field.Other;
    case 16:
      if (equalsLower(s, start, end, 'x-forwarded-host') || equalsLower(s, start, end, 'x-forwarded-port')) {
        return Field.XForwardedOther;
      }
      return equalsLower(s, start, end, 'proxy-connection') ? Field.HopByHop : Field.Other;
    case 17:
      if (equalsLower(s, start, end, 'transfer-encoding')) return Field.TransferEncoding;
      return equalsLower(s, start, end, 'x-forwarded-proto') ? Field.XForwardedOther : Field.Other;
    case 18: return equalsLower(s, start, end, 'proxy-authenticate') ? Field.HopByHop : Field.Other;
    case 19: return equalsLower(s, start, end, 'proxy-authorization') ? Field.HopByHop : Field.Other;
    default: return Field.Other;
  }
}

/** endOfLine result: no LF at all after the position. */
export const NO_LINE_END = -1;
/** endOfLine result: a CR not followed by LF, or an LF not preceded by CR. */
export const BARE_CR_OR_LF = -2;

/** Index of the CR of the CRLF ending the line that starts at `pos`. */
export function endOfLine(s: string, pos: number): number {
  const lf = s.indexOf('\n', pos);
  if (lf < 0) return NO_LINE_END;
  return s.indexOf('\r', pos) === lf - 1 ? lf - 1 : BARE_CR_OR_LF;
}

/**
 * Parses the field lines of s from `pos` (the start of the line after the start line) to the empty
 * line that must end s. Fills `fieldSection`; returns why the section is malformed, or undefined.
 * The caller has checked the bytes with hasForbiddenControl; CR and LF are checked here, line by line.
 */
export function parseFieldSection(s: string, pos: number): string | undefined {
  const fields = fieldSection;
  fields.headers = [];
  fields.kinds = [];
  fields.contentLength = -1;
  fields.transferEncoding = false;
  fields.codingCount = 0;
  fields.chunkedCount = 0;
  fields.finalCodingChunked = false;
  fields.connectionClose = false;
  fields.connectionKeepAlive = false;
  fields.connectionUpgrade = false;
  fields.connectionNames = undefined;
  fields.upgrade = undefined;
  fields.host = undefined;
  fields.hostIndex = -1;
  fields.hostCount = 0;
  fields.expectContinue = false;
  fields.forwardedForCount = 0;
  const headers = fields.headers;
  const kinds = fields.kinds;
  for (;;) {
    const lineEnd = endOfLine(s, pos);
    if (lineEnd < 0) return lineEnd === NO_LINE_END ? 'head does not end with an empty line' : 'bare CR or LF';
    if (lineEnd === pos) return lineEnd + 2 === s.length ? undefined : 'data after the empty line ending the head';
    const first = s.charCodeAt(pos);
    if (first === SP || first === HTAB) return 'obsolete line folding';

    let i = pos;
    while (i < lineEnd && TOKEN[s.charCodeAt(i)] === 1) i++;
    if (i === pos || s.charCodeAt(i) !== COLON) return 'invalid field name';
    const nameEnd = i;
    i++;
    while (i < lineEnd && isOws(s.charCodeAt(i))) i++;
    const valueStart = i;
    let valueEnd = lineEnd;
    while (valueEnd > valueStart && isOws(s.charCodeAt(valueEnd - 1))) valueEnd--;

    const value = s.slice(valueStart, valueEnd);
    headers.push(s.slice(pos, nameEnd), value);
    let kind = HeaderKind.Other;
    switch (classify(s, pos, nameEnd)) {
      case Field.Other:
        break;
      case Field.Host:
        if (!validHost(value)) return 'invalid Host';
        fields.host = value;
        fields.hostIndex = headers.length - 1;
        fields.hostCount++;
        break;
      case Field.Expect:
        if (equalsLower(value, 0, value.length, '100-continue')) fields.expectContinue = true;
        break;
      case Field.ContentLength: {
        const failure = readContentLength(value);
        if (failure !== undefined) return failure;
        break;
      }
      case Field.TransferEncoding: {
        kind = HeaderKind.HopByHop;
        const failure = readTransferCodings(value);
        if (failure !== undefined) return failure;
        break;
      }
      case Field.Connection:
        kind = HeaderKind.HopByHop;
        readConnectionTokens(value);
        break;
      case Field.Upgrade:
        kind = HeaderKind.HopByHop;
        if (value.length > 0) fields.upgrade = fields.upgrade === undefined ? value : `${fields.upgrade}, ${value}`;
        break;
      case Field.HopByHop:
        kind = HeaderKind.HopByHop;
        break;
      case Field.XForwardedFor:
        kind = HeaderKind.XForwardedFor;
        fields.forwardedForCount++;
        break;
      case Field.XForwardedOther:
        kind = HeaderKind.XForwardedOther;
        break;
    }
    kinds.push(kind);
    pos = lineEnd + 2;
  }
}

function validHost(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    if (HOST[value.charCodeAt(i)] !== 1) return false;
  }
  return true;
}

/**
 * Calls `visit(start, end)` for each non-empty, OWS-trimmed element of a comma-separated field value
 * (RFC 9110 §5.6.1); stops at, and returns, the first problem `visit` reports.
 */
function eachListElement(value: string, visit: (start: number, end: number) => string | undefined): string | undefined {
  let start = 0;
  while (start <= value.length) {
    let end = value.indexOf(',', start);
    if (end < 0) end = value.length;
    let a = start;
    let b = end;
    while (a < b && isOws(value.charCodeAt(a))) a++;
    while (b > a && isOws(value.charCodeAt(b - 1))) b--;
    if (a < b) {
      const problem = visit(a, b);
      if (problem !== undefined) return problem;
    }
    start = end + 1;
  }
  return undefined;
}

/** Content-Length: 1*DIGIT, or a list of identical such values; repeated headers must agree too. */
function readContentLength(value: string): string | undefined {
  const fields = fieldSection;
  let elements = 0;
  const problem = eachListElement(value, (a, b) => {
    let length = 0;
    for (let i = a; i < b; i++) {
      const digit = value.charCodeAt(i) - 0x30;
      if (digit < 0 || digit > 9) return 'Content-Length is not a number';
      length = length * 10 + digit;
      if (length > Number.MAX_SAFE_INTEGER) return 'Content-Length is too large';
    }
    if (fields.contentLength >= 0 && fields.contentLength !== length) return 'conflicting Content-Length values';
    fields.contentLength = length;
    elements++;
    return undefined;
  });
  return problem ?? (elements === 0 ? 'empty Content-Length' : undefined);
}

/** Transfer-Encoding: a list of codings (with parameters) across every such header. */
function readTransferCodings(value: string): string | undefined {
  const fields = fieldSection;
  fields.transferEncoding = true;
  let start = 0;
  while (start <= value.length) {
    let end = value.indexOf(',', start);
    if (end < 0) end = value.length;
    let a = start;
    while (a < end && isOws(value.charCodeAt(a))) a++;
    let nameEnd = a;
    while (nameEnd < end && TOKEN[value.charCodeAt(nameEnd)] === 1) nameEnd++;
    let rest = nameEnd;
    while (rest < end && isOws(value.charCodeAt(rest))) rest++;
    if (a === nameEnd) {
      // An empty list element is allowed (RFC 9110 §5.6.1); anything else without a name is not.
      if (rest !== end) return 'invalid transfer coding';
    } else {
      if (rest !== end && value.charCodeAt(rest) !== SEMICOLON) return 'invalid transfer coding';
      const chunked = equalsLower(value, a, nameEnd, 'chunked');
      if (chunked) {
        if (rest !== end) return 'chunked with parameters';
        fields.chunkedCount++;
      }
      fields.codingCount++;
      fields.finalCodingChunked = chunked;
    }
    start = end + 1;
  }
  return undefined;
}

function readConnectionTokens(value: string): void {
  const fields = fieldSection;
  eachListElement(value, (a, b) => {
    if (equalsLower(value, a, b, 'close')) fields.connectionClose = true;
    else if (equalsLower(value, a, b, 'keep-alive')) fields.connectionKeepAlive = true;
    else if (equalsLower(value, a, b, 'upgrade')) fields.connectionUpgrade = true;
    else (fields.connectionNames ??= []).push(value.slice(a, b).toLowerCase());
    return undefined;
  });
}

/**
 * Framing-level checks shared by both directions: chunked at most once, and only as the final coding.
 * Returns why the codings are malformed, or undefined.
 */
export function checkTransferCodings(): string | undefined {
  const fields = fieldSection;
  if (!fields.transferEncoding) return undefined;
  if (fields.chunkedCount > 1) return 'chunked applied more than once';
  if (fields.chunkedCount === 1 && !fields.finalCodingChunked) return 'chunked is not the final coding';
  if (fields.codingCount === 0) return 'empty Transfer-Encoding';
  return undefined;
}

/**
 * Headers named by Connection are hop-by-hop (RFC 9110 §7.6.1). Host and Content-Length are exempt:
 * routing and framing depend on them, and a client must not be able to strip them on the way through.
 */
export function markConnectionNames(): void {
  const fields = fieldSection;
  const names = fields.connectionNames;
  if (names === undefined) return;
  const headers = fields.headers;
  const kinds = fields.kinds;
  for (let k = 0; k < kinds.length; k++) {
    const kind = kinds[k];
    if (kind === HeaderKind.HopByHop) continue;
    const name = headers[2 * k];
    if (!names.includes(name.toLowerCase())) continue;
    const field = classify(name, 0, name.length);
    if (field === Field.Host || field === Field.ContentLength) continue;
    if (kind === HeaderKind.XForwardedFor) fields.forwardedForCount--;
    kinds[k] = HeaderKind.HopByHop;
  }
}

/** The non-empty values of every header still of kind XForwardedFor, joined with ", "; undefined when none. */
export function joinedForwardedFor(): string | undefined {
  const fields = fieldSection;
  if (fields.forwardedForCount === 0) return undefined;
  const headers = fields.headers;
  const kinds = fields.kinds;
  let joined: string | undefined;
  for (let k = 0; k < kinds.length; k++) {
    const value = headers[2 * k + 1];
    if (kinds[k] !== HeaderKind.XForwardedFor || value.length === 0) continue;
    joined = joined === undefined ? value : `${joined}, ${value}`;
  }
  return joined;
}
