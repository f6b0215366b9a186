// Turns a raw Host header value into the name host rules are keyed by, and finds the parent domain a
// one-label wildcard is keyed by. Pure string work; allocates only when the value must change.

const OPEN_BRACKET = 0x5b; // [
const DOT = 0x2e;

/**
 * The host name of a Host header value: port removed (an IPv6 literal keeps its brackets: `[::1]:8080`
 * → `[::1]`), one trailing dot removed (`example.com.` → `example.com`), lower-cased.
 */
export function requestHostName(host: string): string {
  let end: number;
  if (host.charCodeAt(0) === OPEN_BRACKET) {
    const close = host.indexOf(']');
    end = close < 0 ? host.length : close + 1;
  } else {
    const colon = host.indexOf(':');
    end = colon < 0 ? host.length : colon;
    if (end > 0 && host.charCodeAt(end - 1) === DOT) end--;
  }
  // toLowerCase returns its receiver unchanged when there is nothing to lower, so the common
  // already-lower-case name costs no copy.
  return (end === host.length ? host : host.slice(0, end)).toLowerCase();
}

/**
 * The domain a `*.parent` rule must name to cover `name`: everything after the first label
 * (`a.example.com` → `example.com`). Undefined when the first label is empty or there is no parent, so a
 * wildcard covers exactly one extra, non-empty label.
 */
export function wildcardParent(name: string): string | undefined {
  const dot = name.indexOf('.');
  return dot > 0 && dot < name.length - 1 ? name.slice(dot + 1) : undefined;
}
