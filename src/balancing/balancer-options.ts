// Compiles a cluster's balancing snapshot (plus where the proxy runs) into BalancerOptions, once per
// snapshot. Zone routing is on only when the cluster allows it and both the zone and the fleet are known.
import type { BalancingSnapshot, LocalitySnapshot } from '../snapshot.js';
import type { BalancerOptions } from './balancer.js';

export function balancerOptions(balancing: BalancingSnapshot, locality: LocalitySnapshot): BalancerOptions {
  const fleet = new Map(Object.entries(locality.fleet));
  const zoneKnown = locality.zone !== '' && fleet.size > 0;
  const slowStart = balancing.slowStart;
  return {
    choiceCount: balancing.choiceCount,
    activeRequestBias: balancing.activeRequestBias,
    panicThreshold: balancing.panicThresholdPercent / 100,
    ...(balancing.zoneAware.enabled && zoneKnown
      ? { zoneRouting: { localZone: locality.zone, fleet, minClusterSize: balancing.zoneAware.minClusterSize } }
      : {}),
    ...(slowStart === undefined
      ? {}
      : { slowStart: { windowMs: slowStart.windowMs, aggression: slowStart.aggression, minWeightFraction: slowStart.minWeightPercent / 100 } }),
    ringHash: balancing.ringHash,
    affinity: balancing.affinity !== undefined,
  };
}
