// The admin endpoint's optional bearer token: which requests must carry it, and the constant-time check
// of the Authorization field. Probes (/healthz, /readyz) stay open so orchestrators need no secret.
import { createHash, timingSafeEqual } from 'node:crypto';

/** Paths answered without the token: liveness and readiness probes. */
export const OPEN_ADMIN_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz']);

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Whether `authorization` (the request's field) carries `token` as `Bearer <token>`. */
export function bearerTokenMatches(authorization: string | undefined, token: string): boolean {
  const match = authorization === undefined ? null : /^Bearer +(\S+) *$/i.exec(authorization);
  // Comparing digests keeps the comparison constant-time whatever the lengths.
  return match !== null && timingSafeEqual(digest(match[1]!), digest(token));
}
