// The one way an endpoint gets ejected, whether a worker saw consecutive errors or the main thread saw
// a poor success rate: Envoy's max-ejection-percent gate, the enforcement roll, the EJECTED flag and
// the back-off count. It does not decide who is an outlier, nor when an endpoint returns.
import { EndpointState, type EndpointTable } from '../balancing/endpoint-table.js';
import type { Random } from '../balancing/random.js';
import type { OutlierDetectionSnapshot } from '../snapshot.js';

/** What became of a detected outlier. */
export type EjectionResult = 'ejected' | 'overflow' | 'not_enforced' | 'already_ejected';

type EjectionPolicy = Pick<OutlierDetectionSnapshot, 'maxEjectionPercent' | 'alwaysEjectOneHost' | 'baseEjectionTimeMs' | 'maxEjectionTimeMs'>;

/** Envoy's `featureEnabled(percent)`: 100 always, 0 never, else by chance. */
export function enforces(percent: number, random: Random): boolean {
  if (percent >= 100) return true;
  if (percent <= 0) return false;
  return random.next() * 100 < percent;
}

/**
 * Ejects `slot` (one of `clusterSlots`) if the cluster may lose it: the ejected share after this one
 * must stay within maxEjectionPercent (or, with alwaysEjectOneHost, nothing is ejected yet). Two
 * threads ejecting different endpoints at the same instant may both pass the gate; setFlag makes sure
 * one endpoint is ejected once.
 */
export function eject(table: EndpointTable, clusterSlots: readonly number[], slot: number, policy: EjectionPolicy, enforced: boolean): EjectionResult {
  if ((table.state(slot) & EndpointState.EJECTED) !== 0) return 'already_ejected';
  let ejected = 0;
  for (let i = 0; i < clusterSlots.length; i++) if ((table.state(clusterSlots[i]!) & EndpointState.EJECTED) !== 0) ejected++;
  const withinLimit = (100 * (ejected + 1)) / clusterSlots.length <= policy.maxEjectionPercent;
  if (!withinLimit && !(policy.alwaysEjectOneHost && ejected === 0)) return 'overflow';
  if (!enforced) return 'not_enforced';
  if (!table.setFlag(slot, EndpointState.EJECTED)) return 'already_ejected';
  // Envoy's back-off: the count grows while base × count stays below max + base, so the ejection
  // time reaches the cap and stops there.
  const count = table.ejectionCount(slot);
  if (count * policy.baseEjectionTimeMs < policy.maxEjectionTimeMs + policy.baseEjectionTimeMs) table.setEjectionCount(slot, count + 1);
  return 'ejected';
}

/** How long an ejection with back-off `count` lasts. */
export function ejectionDurationMs(count: number, policy: Pick<OutlierDetectionSnapshot, 'baseEjectionTimeMs' | 'maxEjectionTimeMs'>): number {
  return Math.min(policy.baseEjectionTimeMs * count, policy.maxEjectionTimeMs);
}
