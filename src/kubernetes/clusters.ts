// The clusters the translated routes use, one per `namespace/service:port`: the first (oldest) Ingress
// to use a cluster sets its protocol, and a younger one asking for another is told so; endpoints are
// read once per cluster, when the clusters are listed.
import type { BackendTarget } from './backends.js';
import { serviceEndpoints, type SliceIndex } from './endpoints.js';
import { compareText } from './object-fields.js';
import type { ObjectProblem, RawCluster } from './raw-config.js';

export interface ClusterSet {
  /** Records that `object` routes to the target at `field`; uses must come in age order. */
  use(target: BackendTarget, object: string, field: string): void;
  /** Every cluster used, by name. */
  list(): RawCluster[];
}

export function clusterSet(slices: SliceIndex, problems: ObjectProblem[]): ClusterSet {
  const used = new Map<string, { readonly target: BackendTarget; readonly object: string }>();
  return {
    use(target, object, field) {
      const first = used.get(target.cluster);
      if (first === undefined) used.set(target.cluster, { target, object });
      else if (first.target.protocol !== target.protocol) {
        // One Ingress always asks for one protocol per cluster, so `first` is another, older Ingress.
        problems.push({ object, field, message: `cluster ${target.cluster} speaks ${first.target.protocol}, as the older ${first.object} has it; ${target.protocol} is not used here` });
      }
    },
    list() {
      return [...used.values()]
        .sort((a, b) => compareText(a.target.cluster, b.target.cluster))
        .map(({ target }) => ({ name: target.cluster, protocol: target.protocol, endpoints: serviceEndpoints(target, slices, problems) }));
    },
  };
}
