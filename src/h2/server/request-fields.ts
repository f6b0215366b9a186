// A request's decoded header list, checked as RFC 9113 §8.2–§8.3 requires of a server (a list that
// fails is a malformed request: the stream is reset with PROTOCOL_ERROR, nothing reaches an endpoint)
// and turned into the header object node:http2 would have built, so one exchange serves both codecs.
import type { IncomingHttpHeaders } from 'node:http2';

/** Fields only HTTP/1.1 has: their presence makes an HTTP/2 request malformed (§8.2.2). */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/** Repeats of these keep the first value, as node:http2 does (a list would not mean anything). */
const SINGLE_VALUE = new Set([
  'content-type', 'content-length', 'user-agent', 'referer', 'host', 'authorization', 'proxy-authorization',
  'if-modified-since', 'if-unmodified-since', 'from', 'location', 'max-forwards', 'retry-after', 'etag',
  'last-modified', 'server', 'age', 'expires',
]);

const enum Pseudo { Method = 1, Scheme = 2, Authority = 4, Path = 8 }

function pseudoBit(name: string): number {
  switch (name) {
    case ':method': return Pseudo.Method;
    case ':scheme': return Pseudo.Scheme;
    case ':authority': return Pseudo.Authority;
    case ':path': return Pseudo.Path;
    default: return 0;
  }
}

/** §8.2.1: lower-case tchar only (a pseudo-field's leading ':' is checked by the caller). */
function validName(name: string, from: number): boolean {
  if (name.length === from) return false;
  for (let index = from; index < name.length; index++) {
    const code = name.charCodeAt(index);
    if (code <= 0x20 || code >= 0x7f || (code >= 0x41 && code <= 0x5a) || code === 0x3a) return false;
  }
  return true;
}

/** §8.2.1: no NUL, CR or LF, and no whitespace at either end. */
function validValue(value: string): boolean {
  const length = value.length;
  if (length === 0) return true;
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(length - 1);
  if (first === 0x20 || first === 0x09 || last === 0x20 || last === 0x09) return false;
  for (let index = 0; index < length; index++) {
    const code = value.charCodeAt(index);
    if (code === 0x00 || code === 0x0a || code === 0x0d) return false;
  }
  return true;
}

/** :method is a token; :path, :scheme and :authority have no whitespace or controls. Either would
 *  otherwise reach an HTTP/1.1 endpoint's request line or Host as something else (request smuggling). */
function validPseudoValue(bit: number, value: string): boolean {
  if (value.length === 0) return bit === Pseudo.Authority;
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code <= 0x20 || code === 0x7f) return false;
    if (bit === Pseudo.Method && !isTokenChar(code)) return false;
  }
  return true;
}

/** RFC 9110 §5.6.2 tchar. */
function isTokenChar(code: number): boolean {
  if ((code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)) return true;
  return code < 0x7f && "!#$%&'*+-.^_`|~".includes(String.fromCharCode(code));
}

/** A content-length of digits only (-1: none); NaN: malformed. */
function contentLengthOf(value: string): number {
  if (value.length === 0 || value.length > 15) return Number.NaN;
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code < 0x30 || code > 0x39) return Number.NaN;
  }
  return Number(value);
}

export interface RequestFields {
  readonly headers: IncomingHttpHeaders;
  /** The declared body length, -1 when none was declared. */
  readonly contentLength: number;
}

/** The request's header object, or undefined when the list is malformed. `raw` is name, value, name… */
export function requestFields(raw: readonly string[]): RequestFields | undefined {
  const headers: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  let pseudo = 0;
  let regularSeen = false;
  let contentLength = -1;
  for (let index = 0; index < raw.length; index += 2) {
    const name = raw[index]!;
    const value = raw[index + 1]!;
    if (!validValue(value)) return undefined;
    if (name.charCodeAt(0) === 0x3a /* ':' */) {
      const bit = pseudoBit(name);
      // Unknown, repeated, or after a regular field (§8.3).
      if (bit === 0 || (pseudo & bit) !== 0 || regularSeen || !validPseudoValue(bit, value)) return undefined;
      pseudo |= bit;
      headers[name] = value;
      continue;
    }
    regularSeen = true;
    if (!validName(name, 0) || CONNECTION_SPECIFIC.has(name)) return undefined;
    if (name === 'te' && value !== 'trailers') return undefined;
    if (name === 'content-length') {
      const length = contentLengthOf(value);
      if (Number.isNaN(length) || (contentLength >= 0 && length !== contentLength)) return undefined;
      contentLength = length;
    }
    const existing = headers[name];
    if (existing === undefined) headers[name] = name === 'set-cookie' ? [value] : value;
    else if (name === 'cookie') headers[name] = `${existing as string}; ${value}`;
    else if (Array.isArray(existing)) existing.push(value);
    else if (!SINGLE_VALUE.has(name)) headers[name] = `${existing}, ${value}`;
  }
  // §8.3.1: CONNECT names only its authority; every other method its scheme and a non-empty path.
  if (headers[':method'] === 'CONNECT') {
    if (pseudo !== (Pseudo.Method | Pseudo.Authority)) return undefined;
  } else if ((pseudo & (Pseudo.Method | Pseudo.Scheme | Pseudo.Path)) !== (Pseudo.Method | Pseudo.Scheme | Pseudo.Path)
    || headers[':path'] === '') {
    return undefined;
  }
  return { headers: headers as IncomingHttpHeaders, contentLength };
}

/** Trailers a client sends after its body: regular fields only (§8.1). */
export function validTrailers(raw: readonly string[]): boolean {
  for (let index = 0; index < raw.length; index += 2) {
    const name = raw[index]!;
    if (!validName(name, 0) || CONNECTION_SPECIFIC.has(name) || !validValue(raw[index + 1]!)) return false;
  }
  return true;
}
