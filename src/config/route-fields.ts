// The checks of a route's host and of a path rule's path, shared by the YAML schema and the Kubernetes
// translation: each answers with the problem in words, or undefined when the value is fine.
import { isIP } from 'node:net';
import { describeValue } from './describe-value.js';
import { isDnsName } from './host-port.js';

/** Kubernetes Ingress host rules: a DNS-1123 subdomain or `*.` plus one, never an IP address or a port; any case. */
export function routeHostProblem(host: string): string | undefined {
  const found = `found ${describeValue(host)}`;
  const lower = host.toLowerCase();
  const name = lower.startsWith('*.') ? lower.slice(2) : lower;
  if (isIP(name) !== 0) return `an IP address cannot be a route host (as in Kubernetes), ${found}`;
  if (name.includes(':')) return `a route host has no port, ${found}`;
  if (name.includes('*')) return `a wildcard is allowed only as the whole first label ("*.example.com"), ${found}`;
  if (!isDnsName(name)) return `expected a DNS name like foo.example.com or *.example.com, ${found}`;
  return undefined;
}

/** An absolute path with no spaces or control characters. */
export function routePathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return `a path must start with "/", found ${describeValue(path)}`;
  if (/[\s\x00-\x1f\x7f]/.test(path)) return `a path cannot contain spaces or control characters, found ${describeValue(path)}`;
  return undefined;
}
