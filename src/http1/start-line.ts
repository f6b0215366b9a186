// Reads the protocol version shared by request and status lines, and skips the empty lines a client
// may send between requests. Separate so both parsers agree on exactly one definition.

/** RFC 9112 §2.2: a server SHOULD ignore empty lines received before the request-line. */
export function skipLeadingEmptyLines(s: string): number {
  let pos = 0;
  while (s.charCodeAt(pos) === 13 && s.charCodeAt(pos + 1) === 10) pos += 2;
  return pos;
}

/** The minor version of "HTTP/1.0" or "HTTP/1.1" at s[at..at+8), or -1 for anything else (case-sensitive). */
export function readVersionMinor(s: string, at: number): number {
  if (!s.startsWith('HTTP/1.', at)) return -1;
  const minor = s.charCodeAt(at + 7) - 0x30;
  return minor === 0 || minor === 1 ? minor : -1;
}
