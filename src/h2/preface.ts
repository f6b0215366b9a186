// Recognises the HTTP/2 connection preface a prior-knowledge (h2c) client opens with, so one
// cleartext port serves HTTP/1.1 and h2c (RFC 9113 §3.4).

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export type PrefaceMatch = 'h2' | 'http1' | 'undecided';

/** 'undecided' while `buf` is a proper prefix of the preface (wait for more bytes). */
export function matchH2Preface(buf: Buffer): PrefaceMatch {
  if (buf.length === 0 || buf[0] !== PREFACE[0]) return 'http1';
  const length = Math.min(buf.length, PREFACE.length);
  if (buf.compare(PREFACE, 0, length, 0, length) !== 0) return 'http1';
  return length === PREFACE.length ? 'h2' : 'undecided';
}
