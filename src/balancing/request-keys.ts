// Reads, once per request, what the balancer needs from it: the hash of the hashPolicy's header, cookie
// or client address (ring_hash, maglev) and the endpoint token of the affinity cookie. Compiled per
// cluster; allocation-free beyond what reading a header costs; never builds strings.
import type { IncomingHttpHeaders } from 'node:http2';
import { equalsLower } from '../http1/char-classes.js';
import type { HashPolicySnapshot } from '../snapshot.js';
import { hashString } from './hash.js';

/** The per-request pick context the exchanges reuse: `attempt` and the keys change per request. */
export interface RequestPick {
  attempt: number;
  hash: number | undefined;
  affinity: number | undefined;
}

const NOT_FOUND = -1;

export class RequestKeys {
  readonly #header: string | undefined;
  readonly #cookie: string | undefined;
  readonly #sourceIp: boolean;
  readonly #affinityCookie: string | undefined;
  /** Something to read at all: most clusters have neither a hash policy nor affinity. */
  readonly #reads: boolean;

  constructor(hashPolicy: HashPolicySnapshot | undefined, affinityCookie: string | undefined) {
    this.#header = hashPolicy !== undefined && 'header' in hashPolicy ? hashPolicy.header : undefined;
    this.#cookie = hashPolicy !== undefined && 'cookie' in hashPolicy ? hashPolicy.cookie : undefined;
    this.#sourceIp = hashPolicy !== undefined && 'sourceIp' in hashPolicy;
    this.#affinityCookie = affinityCookie;
    this.#reads = hashPolicy !== undefined || affinityCookie !== undefined;
  }

  /** HTTP/1.1: `headers` is the parsed head's flat [name, value, …] list. */
  fromH1(headers: readonly string[], clientIp: string, pick: RequestPick): void {
    pick.hash = this.#sourceIp ? hashString(clientIp) : undefined;
    pick.affinity = undefined;
    if (!this.#reads) return;
    const header = this.#header;
    for (let k = 0; k < headers.length; k += 2) {
      const name = headers[k]!;
      if (header !== undefined && pick.hash === undefined && equalsLower(name, 0, name.length, header)) pick.hash = hashString(headers[k + 1]!);
      else if (name.length === 6 && equalsLower(name, 0, 6, 'cookie')) this.#readCookies(headers[k + 1]!, pick);
    }
  }

  /** HTTP/2: node joins repeated cookie fields with "; ". */
  fromH2(headers: IncomingHttpHeaders, clientIp: string, pick: RequestPick): void {
    pick.hash = this.#sourceIp ? hashString(clientIp) : undefined;
    pick.affinity = undefined;
    if (!this.#reads) return;
    if (this.#header !== undefined) {
      const value = headers[this.#header];
      const first = Array.isArray(value) ? value[0] : value;
      if (first !== undefined) pick.hash = hashString(first);
    }
    const cookies = headers.cookie;
    if (cookies !== undefined) this.#readCookies(cookies, pick);
  }

  #readCookies(cookies: string, pick: RequestPick): void {
    if (this.#cookie !== undefined && pick.hash === undefined) {
      const start = findCookie(cookies, this.#cookie);
      if (start !== NOT_FOUND) pick.hash = hashString(cookies, start, cookieEnd(cookies, start));
    }
    if (this.#affinityCookie !== undefined && pick.affinity === undefined) {
      const start = findCookie(cookies, this.#affinityCookie);
      if (start !== NOT_FOUND) pick.affinity = parseToken(cookies, start, cookieEnd(cookies, start));
    }
  }
}

/** Where the value of cookie `name` starts in a Cookie header ("a=1; b=2"), or NOT_FOUND. */
export function findCookie(cookies: string, name: string): number {
  let at = 0;
  while (at < cookies.length) {
    while (cookies.charCodeAt(at) === 0x20) at++;
    if (cookies.startsWith(name, at) && cookies.charCodeAt(at + name.length) === 0x3d /* = */) return at + name.length + 1;
    const next = cookies.indexOf(';', at);
    if (next < 0) return NOT_FOUND;
    at = next + 1;
  }
  return NOT_FOUND;
}

function cookieEnd(cookies: string, start: number): number {
  const end = cookies.indexOf(';', start);
  return end < 0 ? cookies.length : end;
}

/** The 32-bit token of an affinity cookie value: exactly 8 hex digits, else undefined. */
function parseToken(text: string, start: number, end: number): number | undefined {
  if (end - start !== 8) return undefined;
  let token = 0;
  for (let i = start; i < end; i++) {
    const digit = hexDigit(text.charCodeAt(i));
    if (digit < 0) return undefined;
    token = token * 16 + digit;
  }
  return token;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}
