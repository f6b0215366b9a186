// Finds where an HTTP/1.1 head ends in the bytes received so far; the engine calls it as bytes arrive.

const HEAD_TERMINATOR = Buffer.from('\r\n\r\n', 'latin1');

/** Index just past the CRLFCRLF that ends a head, searching buf[from..]; -1 if not there yet. */
export function findHeadEnd(buf: Buffer, from: number): number {
  const at = buf.indexOf(HEAD_TERMINATOR, from);
  return at < 0 ? -1 : at + 4;
}
