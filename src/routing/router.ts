// The Router: Kubernetes Ingress host and path matching, compiled once per snapshot into Maps and
// sorted lists so that `match` is a few lookups and string compares. See docs/routing.md.
import type { PathRuleSnapshot, RouteSnapshot } from '../snapshot.js';
import { compilePathMatcher, pathPrecedence, type IndexedPathRule, type PathMatcher } from './path-matcher.js';
import { requestHostName, wildcardParent } from './request-host.js';

export interface Router<T> {
  /** host: raw Host header value (may carry a port, any case, IPv6 "[::1]:8080", or be undefined);
   *  target: raw origin-form request-target ("/path?query"); may also be "*" (OPTIONS) → only the default. */
  match(host: string | undefined, target: string): T | undefined;
}

const SLASH = 0x2f;

export function compileRouter<T>(
  routes: readonly RouteSnapshot[],
  targetOf: (rule: PathRuleSnapshot, host: string | undefined) => T, // called once per rule at compile time
  defaultTarget?: T, // returned when nothing matches
): Router<T> {
  const targets: T[] = [];
  const rulesByHost = groupByHost(routes);
  // In configuration order, as `targetOf` has always been called.
  const inOrder = [...rulesByHost.values()].flat().sort((a, b) => a.index - b.index);
  for (const { rule, host, index } of inOrder) targets[index] = targetOf(rule, host);

  const exactHosts = new Map<string, PathMatcher>();
  const wildcardHosts = new Map<string, PathMatcher>(); // keyed by the parent: `*.example.com` → `example.com`
  let anyHost: PathMatcher | undefined;
  for (const [host, rules] of rulesByHost) {
    const paths = compilePathMatcher(rules);
    if (host === undefined) anyHost = paths;
    else if (host.startsWith('*.')) wildcardHosts.set(host.slice(2), paths);
    else exactHosts.set(host, paths);
  }
  const hasNamedHosts = exactHosts.size > 0 || wildcardHosts.size > 0;
  const hasWildcardHosts = wildcardHosts.size > 0;

  /** The most specific host group for the request: exact, else one-label wildcard, else any host. */
  function pathsFor(host: string | undefined): PathMatcher | undefined {
    if (!hasNamedHosts || host === undefined || host === '') return anyHost;
    const name = requestHostName(host);
    const exact = exactHosts.get(name);
    if (exact !== undefined) return exact;
    if (hasWildcardHosts) {
      const parent = wildcardParent(name);
      const wildcard = parent === undefined ? undefined : wildcardHosts.get(parent);
      if (wildcard !== undefined) return wildcard;
    }
    return anyHost;
  }

  return {
    match(host, target) {
      // `*` (OPTIONS) and anything else that is not origin-form names no path: only the default serves it.
      if (target.charCodeAt(0) !== SLASH) return defaultTarget;
      const paths = pathsFor(host);
      // No fall-through: when the chosen host group has no matching path, a less specific group is not tried.
      const index = paths === undefined ? -1 : paths(target);
      return index < 0 ? defaultTarget : targets[index];
    },
  };
}

/** A path rule with the host it was configured under (as written), as `targetOf` receives it. */
interface HostedRule extends IndexedPathRule {
  readonly host: string | undefined;
}

/** Routes naming the same host merge into one group, their rules kept in configuration order; indexes count rules in configuration order. */
function groupByHost(routes: readonly RouteSnapshot[]): Map<string | undefined, HostedRule[]> {
  const rulesByHost = new Map<string | undefined, HostedRule[]>();
  let index = 0;
  for (const route of routes) {
    // The snapshot promises lower case; lowering again costs nothing here and keeps a stray capital
    // from making a host unreachable.
    const host = route.host === undefined || route.host === '' ? undefined : route.host.toLowerCase();
    let group = rulesByHost.get(host);
    if (group === undefined) rulesByHost.set(host, (group = []));
    for (const rule of route.paths) group.push({ rule, host: route.host, index: index++ });
  }
  return rulesByHost;
}

export interface RouteTableEntry {
  /** Lower-case host, `*.` wildcard, or undefined for any host. */
  readonly host: string | undefined;
  readonly path: string;
  readonly pathType: PathRuleSnapshot['pathType'];
  readonly cluster: string;
}

/**
 * The rules in the order the router tries them: host groups exact, then wildcard, then any host; in a
 * group, Exact paths, then prefixes longest first. Duplicates that can never match are left out.
 */
export function routeTable(routes: readonly RouteSnapshot[]): RouteTableEntry[] {
  const groups = [...groupByHost(routes)];
  const rank = (host: string | undefined) => (host === undefined ? 2 : host.startsWith('*.') ? 1 : 0);
  groups.sort(([a], [b]) => rank(a) - rank(b));
  return groups.flatMap(([host, rules]) => {
    const { exact, prefixes } = pathPrecedence(rules);
    return [...exact, ...prefixes.map(({ entry }) => entry)].map(({ rule }) =>
      ({ host, path: rule.path, pathType: rule.pathType, cluster: rule.cluster }));
  });
}
