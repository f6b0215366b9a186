// Settles which Ingress serves each host and path rule: the first claim in age order wins (the oldest
// Ingress by creationTimestamp, then namespace/name; within one Ingress, the first rule), as in
// ingress-nginx. A later claim on a rule the router treats as the same is reported, naming the winner,
// and left out, so the merged routes never depend on the order they are listed in.
import { describeValue } from '../config/describe-value.js';
import { pathRuleKey } from '../routing/path-matcher.js';
import type { PathType } from '../snapshot.js';
import type { ObjectProblem } from './raw-config.js';

export interface OwnedPath {
  readonly object: string;
  readonly host: string | undefined;
  readonly path: string;
  readonly pathType: PathType;
  /** `spec.rules[0].http.paths[1]`. */
  readonly field: string;
}

/** Claims must come in age order; true when this one wins. */
export function pathOwnership(problems: ObjectProblem[]): (claim: OwnedPath) => boolean {
  const owners = new Map<string, OwnedPath>();
  return (claim) => {
    const key = `${claim.host ?? ''} ${pathRuleKey(claim)}`;
    const owner = owners.get(key);
    if (owner === undefined) {
      owners.set(key, claim);
      return true;
    }
    const where = owner.object === claim.object ? `${owner.field} of this Ingress (the first rule wins)` : `${owner.object} at ${owner.field} (the oldest Ingress wins)`;
    const host = claim.host === undefined ? 'any host' : `host ${describeValue(claim.host)}`;
    problems.push({ object: claim.object, field: claim.field, message: `${host}, ${claim.pathType} path ${describeValue(claim.path)} is already routed by ${where}; this path is left out` });
    return false;
  };
}
