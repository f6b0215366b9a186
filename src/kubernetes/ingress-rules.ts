// An Ingress's rules as path claims: each host, path and pathType checked as networking.k8s.io/v1 defines
// them, with the backend it names and its field path. What is invalid is reported and left out; a rule
// without http is skipped. Knows nothing of Services or of other Ingresses.
import type { V1Ingress } from '@kubernetes/client-node';
import { describeValue } from '../config/describe-value.js';
import { routeHostProblem, routePathProblem } from '../config/route-fields.js';
import type { PathType } from '../snapshot.js';
import { listOf } from './object-fields.js';
import type { ObjectProblem } from './raw-config.js';

export interface PathClaim {
  /** Undefined: any host. */
  readonly host: string | undefined;
  readonly path: string;
  readonly pathType: PathType;
  /** As the Ingress gives it: checked by backends.ts. */
  readonly backend: unknown;
  /** `spec.rules[0].http.paths[1]`. */
  readonly field: string;
}

const PATH_TYPES: readonly unknown[] = ['Exact', 'Prefix', 'ImplementationSpecific'] satisfies PathType[];

export function pathClaims(ingress: V1Ingress, object: string, problems: ObjectProblem[]): PathClaim[] {
  const claims: PathClaim[] = [];
  listOf(ingress.spec?.rules).forEach((rule, ruleIndex) => {
    const ruleField = `spec.rules[${ruleIndex}]`;
    const host: unknown = rule?.host;
    const hostProblem = host === undefined || host === null || host === '' ? undefined : checkHost(host);
    if (hostProblem !== undefined) {
      problems.push({ object, field: `${ruleField}.host`, message: hostProblem });
      return;
    }
    listOf(rule?.http?.paths).forEach((entry, pathIndex) => {
      const field = `${ruleField}.http.paths[${pathIndex}]`;
      const pathType: unknown = entry?.pathType;
      if (!PATH_TYPES.includes(pathType)) {
        const message = pathType === undefined || pathType === null
          ? 'required by networking.k8s.io/v1: Exact, Prefix or ImplementationSpecific'
          : `expected Exact, Prefix or ImplementationSpecific, found ${describeValue(pathType)}`;
        problems.push({ object, field: `${field}.pathType`, message });
        return;
      }
      const path = pathOf(entry.path, pathType as PathType);
      if (!path.ok) {
        problems.push({ object, field: `${field}.path`, message: path.problem });
        return;
      }
      claims.push({ host: typeof host === 'string' && host !== '' ? host : undefined, path: path.value, pathType: pathType as PathType, backend: entry.backend, field });
    });
  });
  return claims;
}

/** The API keeps hosts lower case; a capital would make the host unreachable in Kubernetes' eyes. */
function checkHost(host: unknown): string | undefined {
  if (typeof host !== 'string') return `expected a DNS name like foo.example.com or *.example.com, found ${describeValue(host)}`;
  return routeHostProblem(host) ?? (host === host.toLowerCase() ? undefined : `a host must be lower case, as Kubernetes requires, found ${describeValue(host)}`);
}

/** A missing path means `/` for Prefix and ImplementationSpecific; Exact needs one. */
function pathOf(path: unknown, pathType: PathType): { ok: true; value: string } | { ok: false; problem: string } {
  if (path === undefined || path === null || path === '') {
    return pathType === 'Exact' ? { ok: false, problem: 'an Exact path needs a path starting with "/", found nothing' } : { ok: true, value: '/' };
  }
  if (typeof path !== 'string') return { ok: false, problem: `expected a path starting with "/", found ${describeValue(path)}` };
  const problem = routePathProblem(path);
  return problem === undefined ? { ok: true, value: path } : { ok: false, problem };
}
