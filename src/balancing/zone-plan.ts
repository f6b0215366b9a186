// Envoy's zone-aware routing plan ("locality routing" in load_balancer_impl.cc): from the fleet's spread
// of proxies over zones and the available upstream endpoints per zone, how much traffic stays in the
// local zone and how the rest is spread over zones with spare capacity. Pure arithmetic in Envoy's
// integer units (1/10000); computed when membership or availability changes, never per request.
import type { Random } from './random.js';

/** Envoy's percentages are integers out of 10000 (basis points). */
export const PERCENT_UNITS = 10_000;

export interface ZoneRoutingInput {
  /** The proxy's own zone. */
  readonly localZone: string;
  /** Proxies per zone (the local cluster in Envoy's terms). */
  readonly fleet: ReadonlyMap<string, number>;
  /** Upstream zones in plan order: the local zone first when the cluster has endpoints there. */
  readonly zones: readonly string[];
  /** Available endpoints per zone, in the order of `zones`. */
  readonly available: readonly number[];
  readonly minClusterSize: number;
}

export interface ZonePlan {
  /** Everything goes to zone index 0 (the local zone). */
  readonly direct: boolean;
  /** Share of requests kept local, out of PERCENT_UNITS (only when not direct). */
  readonly localPercentToRoute: number;
  /** Cumulative residual capacity per zone index, in PERCENT_UNITS; the last entry is the total. */
  readonly residual: readonly number[];
}

/** Envoy's earlyExitNonLocalityRoutingNew, then regenerateLocalityRoutingStructures; undefined = no zone routing. */
export function planZoneRouting(input: ZoneRoutingInput): ZonePlan | undefined {
  const { localZone, fleet, zones, available, minClusterSize } = input;
  if (zones.length < 2) return undefined;
  let fleetZones = 0;
  let fleetTotal = 0;
  for (const count of fleet.values()) {
    if (count > 0) fleetZones++;
    fleetTotal += count;
  }
  if (fleetZones < 2 || (fleet.get(localZone) ?? 0) <= 0) return undefined;
  let upstreamTotal = 0;
  for (const count of available) upstreamTotal += count;
  if (upstreamTotal < minClusterSize) return undefined;

  const hasLocalZone = zones[0] === localZone;
  // calculateLocalityPercentagesNew: a zone with no available endpoint counts 0 on both sides.
  const localPercent = zones.map((zone, i) => (available[i] === 0 ? 0 : Math.floor((PERCENT_UNITS * (fleet.get(zone) ?? 0)) / fleetTotal)));
  const upstreamPercent = available.map((count) => (upstreamTotal > 0 ? Math.floor((PERCENT_UNITS * count) / upstreamTotal) : 0));

  if (hasLocalZone && upstreamPercent[0]! > 0 && upstreamPercent[0]! >= localPercent[0]!) {
    return { direct: true, localPercentToRoute: PERCENT_UNITS, residual: [] };
  }
  const localPercentToRoute = hasLocalZone && localPercent[0]! > 0
    ? Math.floor((upstreamPercent[0]! * PERCENT_UNITS) / localPercent[0]!)
    : 0;
  const residual: number[] = [];
  let last = 0;
  for (let i = 0; i < zones.length; i++) {
    // The local zone already took what it could; others take what they have beyond their fleet share.
    if (!(i === 0 && hasLocalZone) && upstreamPercent[i]! > localPercent[i]!) last += upstreamPercent[i]! - localPercent[i]!;
    residual.push(last);
  }
  return { direct: false, localPercentToRoute, residual };
}

/** Envoy's tryChooseLocalLocalityHosts: the zone index for one request (two draws at most). */
export function chooseZone(plan: ZonePlan, random: Random): number {
  if (plan.direct) return 0;
  if (Math.floor(random.next() * PERCENT_UNITS) < plan.localPercentToRoute) return 0;
  const residual = plan.residual;
  const total = residual[residual.length - 1]!;
  // Rounding can leave no residual capacity anywhere: then any zone, as Envoy does.
  if (total === 0) return Math.floor(random.next() * residual.length);
  const threshold = Math.floor(random.next() * total);
  let i = 0;
  while (threshold >= residual[i]!) i++;
  return i;
}
