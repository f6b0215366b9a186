// Checks that span several entries or fields of the configuration: unique names and addresses, cluster
// references, `tls` exactly on https listeners (and on clusters only when they speak h2), no `h2` in ALPN while http2 is disabled, an https
// listener for `redirectToHttps`, and hashPolicy exactly with the hash balancers. They read the raw parsed data, so they report alongside the schema's
// problems, and they look only at the entries well-formed enough to compare (the schema reports the others).
import { parseEndpointAddress, parseListenerAddress } from './host-port.js';
import type { ConfigProblem } from './sluice-config.js';

type Fields = Readonly<Record<string, unknown>>;

export function crossCheck(data: unknown): ConfigProblem[] {
  if (!isFields(data)) return [];
  return [...checkListeners(data), ...checkListenerTls(data), ...checkAlpnOffersHttp2(data), ...checkRedirectsToHttps(data), ...checkClusters(data), ...checkClusterTls(data), ...checkClusterReferences(data), ...checkBalancing(data)];
}

function checkListeners(data: Fields): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const names = new Map<string, number>();
  const sockets = new Map<string, number>();
  for (const [index, listener] of entries(data['listeners'])) {
    const where = `listeners[${index}]`;
    const { name, address } = listener;
    if (typeof name === 'string') {
      const first = names.get(name);
      if (first === undefined) names.set(name, index);
      else problems.push({ path: `${where}.name`, message: `duplicate listener name "${name}": listeners[${first}] already has it` });
    }
    const parsed = typeof address === 'string' ? parseListenerAddress(address) : undefined;
    // Port 0 gets a fresh free port for every listener, so those never collide.
    if (parsed?.ok !== true || parsed.value.port === 0) continue;
    const socket = `${parsed.value.host}:${parsed.value.port}`;
    const first = sockets.get(socket);
    if (first === undefined) sockets.set(socket, index);
    else problems.push({ path: `${where}.address`, message: `duplicate address ${JSON.stringify(address)}: listeners[${first}] already listens on ${socket}` });
  }
  return problems;
}

function checkListenerTls(data: Fields): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const [index, listener] of entries(data['listeners'])) {
    const protocol = listener['protocol'] ?? 'http';
    const hasTls = listener['tls'] !== undefined;
    if (protocol === 'https' && !hasTls) {
      problems.push({ path: `listeners[${index}].tls`, message: 'required for an https listener: a tls mapping with at least one certificate' });
    } else if (protocol === 'http' && hasTls) {
      problems.push({ path: `listeners[${index}].tls`, message: 'allowed only on an https listener, and this one is http (set protocol: https, or remove tls)' });
    }
  }
  return problems;
}

function checkAlpnOffersHttp2(data: Fields): ConfigProblem[] {
  return entries(data['listeners']).flatMap(([index, listener]) => {
    const tls = listener['tls'];
    const http2 = listener['http2'];
    const offersH2 = isFields(tls) && Array.isArray(tls['alpn']) && tls['alpn'].includes('h2');
    const http2Disabled = isFields(http2) && http2['enabled'] === false;
    return offersH2 && http2Disabled ? [{ path: `listeners[${index}].tls.alpn`, message: 'h2 is offered but http2.enabled is false' }] : [];
  });
}

function checkRedirectsToHttps(data: Fields): ConfigProblem[] {
  const listeners = data['listeners'];
  // Without a well-formed list of listeners every redirect would be reported: leave that to the schema.
  if (!Array.isArray(listeners)) return [];
  if (entries(listeners).some(([, listener]) => listener['protocol'] === 'https')) return [];
  return entries(data['routes']).flatMap(([index, route]) =>
    route['redirectToHttps'] === true ? [{ path: `routes[${index}].redirectToHttps`, message: 'needs an https listener to redirect to, and no listener has protocol: https' }] : [],
  );
}

function checkClusters(data: Fields): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const names = new Map<string, number>();
  for (const [index, cluster] of entries(data['clusters'])) {
    const where = `clusters[${index}]`;
    const { name } = cluster;
    if (typeof name === 'string') {
      const first = names.get(name);
      if (first === undefined) names.set(name, index);
      else problems.push({ path: `${where}.name`, message: `duplicate cluster name "${name}": clusters[${first}] already has it` });
    }
    const addresses = new Map<string, number>();
    for (const [endpointIndex, endpoint] of entries(cluster['endpoints'])) {
      const { address } = endpoint;
      const parsed = typeof address === 'string' ? parseEndpointAddress(address) : undefined;
      if (parsed?.ok !== true) continue;
      // Compare the parsed form: [::1]:80 and [0::1]:80 are one endpoint.
      const identity = `${parsed.value.host} ${parsed.value.port}`;
      const first = addresses.get(identity);
      if (first === undefined) addresses.set(identity, endpointIndex);
      else problems.push({ path: `${where}.endpoints[${endpointIndex}].address`, message: `duplicate endpoint ${JSON.stringify(address)}: ${where}.endpoints[${first}] is the same address` });
    }
  }
  return problems;
}

/** Only h2 clusters connect with TLS; on http1 or h2c a `tls` block would silently do nothing. */
function checkClusterTls(data: Fields): ConfigProblem[] {
  return entries(data['clusters']).flatMap(([index, cluster]) => {
    const protocol = cluster['protocol'] ?? 'http1';
    if (cluster['tls'] === undefined || protocol === 'h2' || typeof protocol !== 'string') return [];
    return [{ path: `clusters[${index}].tls`, message: `allowed only on an h2 cluster (HTTP/2 over TLS), and this one is ${protocol} (set protocol: h2, or remove tls)` }];
  });
}

const HASH_BALANCERS: readonly unknown[] = ['ring_hash', 'maglev'];

/** hashPolicy goes with the hash balancers and only with them; ring sizes in order. */
function checkBalancing(data: Fields): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const [index, cluster] of entries(data['clusters'])) {
    const where = `clusters[${index}]`;
    const balancer = cluster['balancer'];
    const hashing = HASH_BALANCERS.includes(balancer);
    if (hashing && cluster['hashPolicy'] === undefined) {
      problems.push({ path: `${where}.hashPolicy`, message: `required with balancer ${String(balancer)}: { header: NAME }, { cookie: NAME } or { sourceIp: true }` });
    } else if (!hashing && cluster['hashPolicy'] !== undefined) {
      problems.push({ path: `${where}.hashPolicy`, message: `applies only to balancer ring_hash or maglev, and this cluster uses ${String(balancer ?? 'least_request')}` });
    }
    const ringHash = cluster['ringHash'];
    if (isFields(ringHash) && typeof ringHash['minRingSize'] === 'number' && typeof ringHash['maxRingSize'] === 'number' && ringHash['minRingSize'] > ringHash['maxRingSize']) {
      problems.push({ path: `${where}.ringHash.minRingSize`, message: `must not exceed maxRingSize (${ringHash['maxRingSize']}), found ${ringHash['minRingSize']}` });
    }
  }
  return problems;
}

function checkClusterReferences(data: Fields): ConfigProblem[] {
  const clusters = data['clusters'];
  // Without a well-formed list of clusters every reference would be reported: leave that to the schema.
  if (clusters !== undefined && !Array.isArray(clusters)) return [];
  const known = new Set(entries(clusters).flatMap(([, cluster]) => (typeof cluster['name'] === 'string' ? [cluster['name']] : [])));
  const problems: ConfigProblem[] = [];
  const check = (path: string, name: unknown): void => {
    if (typeof name !== 'string' || name === '' || known.has(name)) return;
    const hint = known.size === 0 ? 'no clusters are defined' : `defined clusters: ${[...known].join(', ')}`;
    problems.push({ path, message: `unknown cluster "${name}"; ${hint}` });
  };
  for (const [routeIndex, route] of entries(data['routes'])) {
    for (const [pathIndex, rule] of entries(route['paths'])) check(`routes[${routeIndex}].paths[${pathIndex}].cluster`, rule['cluster']);
  }
  check('defaultCluster', data['defaultCluster']);
  return problems;
}

/** The entries of a list that are mappings, with their index in the list. */
function entries(list: unknown): Array<[number, Fields]> {
  if (!Array.isArray(list)) return [];
  const found: Array<[number, Fields]> = [];
  list.forEach((item: unknown, index) => {
    if (isFields(item)) found.push([index, item]);
  });
  return found;
}

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
