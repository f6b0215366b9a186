// Compiles the path rules of one host group into an exact-path Map and a longest-first prefix list,
// and matches a request-target against them. Knows nothing of hosts or of what a rule leads to:
// it answers with the rule's index.
import type { PathRuleSnapshot } from '../snapshot.js';

/** A path rule with its position in configuration order (the index the router keeps its target at). */
export interface IndexedPathRule {
  readonly rule: PathRuleSnapshot;
  readonly index: number;
}

/** Index of the rule that wins for an origin-form request-target, or -1 when none matches. */
export type PathMatcher = (target: string) => number;

const SLASH = 0x2f;

/** The rules of one host group in the order they are tried; later duplicates of a path are left out (they never match). */
export interface PathPrecedence {
  /** Exact rules, first definition of each path, in configuration order (a Map lookup: order is not precedence). */
  readonly exact: readonly IndexedPathRule[];
  /** Prefix and ImplementationSpecific rules, longest prefix first; `prefix` is the path without trailing slashes. */
  readonly prefixes: readonly { readonly prefix: string; readonly entry: IndexedPathRule }[];
}

export function pathPrecedence(rules: readonly IndexedPathRule[]): PathPrecedence {
  const exact = new Map<string, IndexedPathRule>();
  const prefixes = new Map<string, IndexedPathRule>();
  for (const entry of rules) {
    // The first definition of a path wins: later duplicates are never set.
    if (entry.rule.pathType === 'Exact') {
      if (!exact.has(entry.rule.path)) exact.set(entry.rule.path, entry);
    } else {
      // Prefix and ImplementationSpecific: element-wise prefix; `/foo/` and `/foo` are the same rule.
      const prefix = withoutTrailingSlashes(entry.rule.path);
      if (!prefixes.has(prefix)) prefixes.set(prefix, entry);
    }
  }
  // Longest first, so the first prefix that matches is the longest one. Distinct prefixes of equal
  // length cannot both match one path, so their relative order does not matter.
  const ordered = [...prefixes].map(([prefix, entry]) => ({ prefix, entry })).sort((a, b) => b.prefix.length - a.prefix.length);
  return { exact: [...exact.values()], prefixes: ordered };
}

export function compilePathMatcher(rules: readonly IndexedPathRule[]): PathMatcher {
  const precedence = pathPrecedence(rules);
  const exactPaths = new Map(precedence.exact.map(({ rule, index }) => [rule.path, index]));
  const prefixes = precedence.prefixes.map(({ prefix }) => prefix);
  const prefixIndexes = precedence.prefixes.map(({ entry }) => entry.index);
  const hasExactPaths = exactPaths.size > 0;

  return (target) => {
    const pathEnd = pathLength(target);
    if (hasExactPaths) {
      const exact = exactPaths.get(pathEnd === target.length ? target : target.slice(0, pathEnd));
      if (exact !== undefined) return exact;
    }
    for (let i = 0; i < prefixes.length; i++) {
      const prefix = prefixes[i]!;
      const length = prefix.length;
      // A match must end at a path-element boundary: `/foo` matches `/foo` and `/foo/bar`, not `/foobar`.
      if (length <= pathEnd && target.startsWith(prefix) && (length === pathEnd || target.charCodeAt(length) === SLASH)) {
        return prefixIndexes[i]!;
      }
    }
    return -1;
  };
}

/** Equal for two rules the router treats as one (the first defined wins): Prefix and ImplementationSpecific alike, trailing slashes ignored. */
export function pathRuleKey(rule: Pick<PathRuleSnapshot, 'path' | 'pathType'>): string {
  return rule.pathType === 'Exact' ? `Exact ${rule.path}` : `Prefix ${withoutTrailingSlashes(rule.path)}`;
}

/** `/foo/` → `/foo`; `/` → `` (the empty prefix, which every path starting with `/` matches). */
function withoutTrailingSlashes(path: string): string {
  let end = path.length;
  while (end > 0 && path.charCodeAt(end - 1) === SLASH) end--;
  return path.slice(0, end);
}

/** Length of the path part of a request-target: it ends at the first `?` (query) or `#` (fragment). */
function pathLength(target: string): number {
  const query = target.indexOf('?');
  const fragment = target.indexOf('#');
  if (query < 0) return fragment < 0 ? target.length : fragment;
  return fragment < 0 || query < fragment ? query : fragment;
}
