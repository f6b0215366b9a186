// The affinity cookie's value for an endpoint: a 32-bit hash of cluster and address in 8 hex digits,
// so a client can be pinned without learning the endpoint's address. Computed once per snapshot.
import type { AffinityCookieSnapshot } from '../snapshot.js';
import { hashString } from './hash.js';

export function affinityToken(cluster: string, address: string): number {
  return hashString(`${cluster}/${address}`);
}

/** The Set-Cookie value pinning a client to the endpoint with `token`. */
export function affinitySetCookie(cookie: AffinityCookieSnapshot, token: number): string {
  const maxAge = cookie.ttlMs === undefined ? '' : `; Max-Age=${Math.ceil(cookie.ttlMs / 1000)}`;
  return `${cookie.name}=${token.toString(16).padStart(8, '0')}; Path=${cookie.path}${maxAge}; HttpOnly`;
}
