// Absolute-form request targets (`GET http://example.com/path HTTP/1.1`): RFC 9112 §3.2.2 says a
// server must accept them and take the host from the target, ignoring Host. Sluice rewrites such a
// request to origin-form with that host, so routing and the endpoint see one consistent request.
import { equalsLower, HOST } from './char-classes.js';

export interface OriginForm {
  readonly authority: string;
  /** path-abempty plus query, never empty ("/" when the target has no path). */
  readonly target: string;
}

/** undefined: not absolute-form; a string: why the absolute-form target is invalid. */
export function parseAbsoluteForm(target: string): OriginForm | string | undefined {
  const schemeEnd = target.indexOf('://');
  if (schemeEnd < 0 || target.charCodeAt(0) === 0x2f /* '/' */) return undefined;
  if (!equalsLower(target, 0, schemeEnd, 'http') && !equalsLower(target, 0, schemeEnd, 'https')) return 'unsupported scheme in request target';
  const authorityStart = schemeEnd + 3;
  let authorityEnd = authorityStart;
  while (authorityEnd < target.length) {
    const c = target.charCodeAt(authorityEnd);
    if (c === 0x2f || c === 0x3f /* '?' */ || c === 0x23 /* '#' */) break;
    if (c === 0x40 /* '@' */ || HOST[c] !== 1) return 'invalid authority in request target';
    authorityEnd++;
  }
  if (authorityEnd === authorityStart) return 'empty authority in request target';
  const rest = target.slice(authorityEnd);
  return {
    authority: target.slice(authorityStart, authorityEnd),
    target: rest.length === 0 || rest.charCodeAt(0) !== 0x2f ? '/' + rest : rest,
  };
}
