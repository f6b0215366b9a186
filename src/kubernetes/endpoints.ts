// The endpoints of one Service port: from the Service's EndpointSlices (ready endpoints; serving and
// terminating ones only when none is ready, as the EndpointSlice documentation says), or the one name of
// an ExternalName Service. Deduplicated and sorted; what cannot be used is reported against the
// EndpointSlice or Service holding it, and only that part is skipped.
import { isIP } from 'node:net';
import type { V1EndpointSlice } from '@kubernetes/client-node';
import { describeValue } from '../config/describe-value.js';
import { parseEndpointAddress } from '../config/host-port.js';
import type { BackendTarget } from './backends.js';
import { compareText, describeObject, keyOf, labelOf, listOf, textOf } from './object-fields.js';
import { isPortNumber } from './object-names.js';
import type { ObjectProblem, RawEndpoint } from './raw-config.js';

/** EndpointSlices by the `namespace/name` of their Service, each list in name order. */
export type SliceIndex = ReadonlyMap<string, readonly V1EndpointSlice[]>;

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export function indexSlices(slices: readonly V1EndpointSlice[]): SliceIndex {
  const index = new Map<string, V1EndpointSlice[]>();
  for (const slice of slices) {
    const service = labelOf(slice?.metadata, SERVICE_NAME_LABEL);
    const namespace = textOf(slice?.metadata?.namespace);
    if (service === undefined || namespace === undefined) continue;
    const key = `${namespace}/${service}`;
    index.set(key, [...(index.get(key) ?? []), slice]);
  }
  for (const list of index.values()) list.sort((a, b) => compareText(keyOf(a.metadata), keyOf(b.metadata)));
  return index;
}

interface Candidate {
  readonly address: string;
  readonly zone: string | undefined;
  readonly ready: boolean;
}

export function serviceEndpoints(target: BackendTarget, slices: SliceIndex, problems: ObjectProblem[]): RawEndpoint[] {
  if (target.service.spec?.type === 'ExternalName') return externalNameEndpoint(target, problems);
  const candidates = (slices.get(keyOf(target.service.metadata)) ?? []).flatMap((slice) => sliceCandidates(slice, target.portName, problems));
  // Candidates are ready or serving-and-terminating: the latter serve only when no endpoint is ready.
  const anyReady = candidates.some((candidate) => candidate.ready);
  const serving = candidates.filter((candidate) => candidate.ready === anyReady);
  // The same address in two slices (while endpoints move between them) is one endpoint: the first by address, then zone.
  serving.sort((a, b) => compareText(a.address, b.address) || compareText(a.zone ?? '', b.zone ?? ''));
  const endpoints: RawEndpoint[] = [];
  for (const { address, zone } of serving) {
    if (endpoints.at(-1)?.address !== address) endpoints.push(zone === undefined ? { address } : { address, zone });
  }
  return endpoints;
}

/** Endpoints that may serve: `ready` ones (absent counts as ready) and, as a fallback, serving and terminating ones. */
function sliceCandidates(slice: V1EndpointSlice, portName: string, problems: ObjectProblem[]): Candidate[] {
  const object = describeObject('EndpointSlice', slice.metadata);
  const family = slice.addressType === 'IPv4' ? 4 : slice.addressType === 'IPv6' ? 6 : undefined;
  if (family === undefined) {
    const message = slice.addressType === 'FQDN'
      ? 'FQDN endpoints are not supported, only IPv4 and IPv6; this slice is skipped'
      : `expected IPv4 or IPv6, found ${describeValue(slice.addressType)}; this slice is skipped`;
    problems.push({ object, field: 'addressType', message });
    return [];
  }
  const ports = listOf(slice.ports);
  const portIndex = ports.findIndex((port) => (textOf(port?.name) ?? '') === portName);
  if (portIndex < 0) return [];
  const port = ports[portIndex]?.port;
  if (!isPortNumber(port)) {
    problems.push({ object, field: `ports[${portIndex}].port`, message: `expected a port number from 1 to 65535, found ${describeValue(port)}; this slice is skipped` });
    return [];
  }
  const candidates: Candidate[] = [];
  listOf(slice.endpoints).forEach((endpoint, endpointIndex) => {
    const conditions = endpoint?.conditions;
    const ready = conditions?.ready !== false;
    if (!ready && !(conditions?.serving === true && conditions.terminating === true)) return;
    const zone = textOf(endpoint?.zone);
    listOf(endpoint?.addresses).forEach((address, addressIndex) => {
      const parsed = isIP(typeof address === 'string' ? address : '') === family ? parseEndpointAddress(family === 6 ? `[${address}]:${port}` : `${address}:${port}`) : undefined;
      if (parsed?.ok !== true) {
        const why = parsed === undefined ? `expected an IPv${family} address, found ${describeValue(address)}` : parsed.reason;
        problems.push({ object, field: `endpoints[${endpointIndex}].addresses[${addressIndex}]`, message: `${why}; this address is skipped` });
        return;
      }
      const { host } = parsed.value;
      candidates.push({ address: family === 6 ? `[${host}]:${port}` : `${host}:${port}`, zone, ready });
    });
  });
  return candidates;
}

/** One endpoint, `externalName:port`: a DNS name (one trailing dot allowed) or an IP address. */
function externalNameEndpoint(target: BackendTarget, problems: ObjectProblem[]): RawEndpoint[] {
  const externalName: unknown = target.service.spec?.externalName;
  const host = typeof externalName === 'string' ? externalName.replace(/\.$/, '') : '';
  const parsed = parseEndpointAddress(isIP(host) === 6 ? `[${host}]:${target.portNumber}` : `${host}:${target.portNumber}`);
  if (!parsed.ok) {
    problems.push({ object: describeObject('Service', target.service.metadata), field: 'spec.externalName', message: `expected a DNS name like db.example.com, found ${describeValue(externalName)}; the cluster has no endpoints` });
    return [];
  }
  const { host: name, port } = parsed.value;
  return [{ address: isIP(name) === 6 ? `[${name}]:${port}` : `${name}:${port}` }];
}
