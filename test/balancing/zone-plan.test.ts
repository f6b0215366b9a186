// Envoy's zone-aware routing: the plan (local share, residual capacity) on Envoy's documented examples
// and our own, the per-request zone choice with scripted draws, and the balancer following the plan.
import t from 'tap';
import { createBalancer, defaultBalancerOptions, type BalancerEndpoint } from '../../src/balancing/balancer.js';
import { EndpointState, EndpointTable } from '../../src/balancing/endpoint-table.js';
import { seededRandom, type Random } from '../../src/balancing/random.js';
import { chooseZone, planZoneRouting, type ZonePlan } from '../../src/balancing/zone-plan.js';

const fleetOf = (spread: Record<string, number>) => new Map(Object.entries(spread));
const plan = (fleet: Record<string, number>, zones: string[], available: number[], minClusterSize = 1, localZone = 'a') =>
  planZoneRouting({ localZone, fleet: fleetOf(fleet), zones, available, minClusterSize });

t.test('local zone with at least its fleet share of endpoints: everything local', async (t) => {
  t.same(plan({ a: 1, b: 1 }, ['a', 'b'], [3, 1]), { direct: true, localPercentToRoute: 10_000, residual: [] });
  t.same(plan({ a: 1, b: 1 }, ['a', 'b'], [2, 2]), { direct: true, localPercentToRoute: 10_000, residual: [] }, 'equal shares');
});

t.test('fleet a:1 b:1, upstream a:1 b:3: half local, the rest to b', async (t) => {
  // local 50 %, upstream 25 % → 25/50 of the traffic stays; b has 75 − 50 = 25 % residual.
  t.same(plan({ a: 1, b: 1 }, ['a', 'b'], [1, 3]), { direct: false, localPercentToRoute: 5_000, residual: [0, 2_500] });
});

t.test("Envoy's example: local 40/40/20 %, upstream 25/50/25 %", async (t) => {
  // load_balancer_impl.cc: residual capacity 0, 10, 5 (cumulative 0, 10, 15); local share 25/40.
  t.same(plan({ a: 4, b: 4, c: 2 }, ['a', 'b', 'c'], [1, 2, 1]), { direct: false, localPercentToRoute: 6_250, residual: [0, 1_000, 1_500] });
});

t.test("Envoy's doc example: 20 % local proxies, 10 % local upstream → 50 % local", async (t) => {
  t.same(plan({ a: 1, b: 4 }, ['a', 'b'], [1, 9]), { direct: false, localPercentToRoute: 5_000, residual: [0, 1_000] });
});

t.test('no zone routing: small cluster, one zone, unknown local zone', async (t) => {
  t.equal(plan({ a: 1, b: 1 }, ['a', 'b'], [2, 3], 6), undefined, '5 available < minClusterSize 6');
  t.not(plan({ a: 1, b: 1 }, ['a', 'b'], [3, 3], 6), undefined, '6 available');
  t.equal(plan({ a: 1, b: 1 }, ['a'], [6]), undefined, 'one upstream zone');
  t.equal(plan({ a: 3 }, ['a', 'b'], [3, 3]), undefined, 'fleet in one zone');
  t.equal(plan({ b: 1, c: 1 }, ['a', 'b'], [3, 3]), undefined, 'the local zone is not in the fleet');
});

t.test('the local zone has no endpoint (or none available): everything goes to the residual zones', async (t) => {
  t.same(plan({ a: 1, b: 1, c: 2 }, ['b', 'c'], [1, 1]), { direct: false, localPercentToRoute: 0, residual: [2_500, 2_500] }, 'b has 50 − 25');
  t.same(plan({ a: 1, b: 1 }, ['a', 'b'], [0, 4]), { direct: false, localPercentToRoute: 0, residual: [0, 5_000] }, 'a configured, none available: b has 100 − 50');
});

function scripted(draws: readonly number[]): Random {
  let used = 0;
  return { next: () => { if (used >= draws.length) throw new Error('extra draw'); return draws[used++]!; } };
}

t.test('chooseZone: the local draw, then the residual draw (Envoy tryChooseLocalLocalityHosts)', async (t) => {
  const residual: ZonePlan = { direct: false, localPercentToRoute: 6_250, residual: [0, 1_000, 1_500] };
  t.equal(chooseZone(residual, scripted([0.6])), 0, '6000 < 6250: local');
  t.equal(chooseZone(residual, scripted([0.7, 0.5])), 1, 'threshold 750 → b');
  t.equal(chooseZone(residual, scripted([0.7, 0.8])), 2, 'threshold 1200 → c');
  t.equal(chooseZone({ direct: true, localPercentToRoute: 10_000, residual: [] }, scripted([])), 0, 'direct: no draw');
  t.equal(chooseZone({ direct: false, localPercentToRoute: 0, residual: [0, 0] }, scripted([0.1, 0.6])), 1, 'no residual left: any zone');
});

t.test('zone shares over 100000 choices match the plan within 0.01 (seed 3)', async (t) => {
  const random = seededRandom(3);
  const plan40 = plan({ a: 4, b: 4, c: 2 }, ['a', 'b', 'c'], [1, 2, 1])!;
  const counts = [0, 0, 0];
  for (let i = 0; i < 100_000; i++) counts[chooseZone(plan40, random)]!++;
  // a: 62.5 %; the other 37.5 % split 10:5 between b and c.
  for (const [zone, share] of [[0, 0.625], [1, 0.25], [2, 0.125]] as const) {
    t.ok(Math.abs(counts[zone]! / 100_000 - share) < 0.01, `zone ${zone}: ${counts[zone]}`);
  }
});

interface Zoned extends BalancerEndpoint { readonly name: string }

function zonedCluster(layout: Record<string, number>): Zoned[] {
  let slot = 0;
  return Object.entries(layout).flatMap(([zone, count]) => Array.from({ length: count }, (_, i) => ({ name: `${zone}${i}`, slot: slot++, weight: 1, zone })));
}

function zoneCounts(endpoints: Zoned[], fleet: Record<string, number>, picks: number, prepare?: (table: EndpointTable) => void, minClusterSize = 1): Record<string, number> {
  const table = EndpointTable.create(endpoints.length);
  prepare?.(table);
  const options = { ...defaultBalancerOptions, zoneRouting: { localZone: 'a', fleet: fleetOf(fleet), minClusterSize } };
  const balancer = createBalancer('least_request', endpoints, { table, random: seededRandom(17) }, options);
  const counts: Record<string, number> = {};
  for (let i = 0; i < picks; i++) {
    const zone = balancer.pick({ attempt: 0 })!.zone!;
    counts[zone] = (counts[zone] ?? 0) + 1;
  }
  return counts;
}

t.test('the balancer follows the plan and runs P2C inside the chosen zone', async (t) => {
  t.same(zoneCounts(zonedCluster({ a: 3, b: 3, c: 3 }), { a: 1, b: 1, c: 1 }, 3000), { a: 3000 }, 'enough local capacity: 100 % local');
  const split = zoneCounts(zonedCluster({ a: 1, b: 3 }), { a: 1, b: 1 }, 20_000);
  t.ok(Math.abs(split['a']! / 20_000 - 0.5) < 0.01, `a:1 b:3 with fleet a:1 b:1 → half local: ${JSON.stringify(split)}`);
  t.same(
    zoneCounts(zonedCluster({ a: 3, b: 3, c: 3 }), { a: 1, b: 1, c: 1 }, 3000, (table) => { for (let slot = 0; slot < 3; slot++) table.beginRequest(slot); }),
    { a: 3000 }, 'load in zone a does not move picks out of it (P2C runs within the zone)',
  );
});

t.test('fail open and panic: zone routing never fails a request', async (t) => {
  const ejectA = (table: EndpointTable) => { for (let slot = 0; slot < 3; slot++) table.setFlag(slot, EndpointState.EJECTED); };
  const spilled = zoneCounts(zonedCluster({ a: 3, b: 3, c: 3 }), { a: 1, b: 1, c: 1 }, 3000, ejectA);
  t.equal(spilled['a'], undefined, 'zone a all ejected: nothing to a');
  t.equal((spilled['b'] ?? 0) + (spilled['c'] ?? 0), 3000, 'everything spills to b and c');
  const small = zoneCounts(zonedCluster({ a: 1, b: 2 }), { a: 1, b: 1 }, 3000, undefined, 6);
  t.ok(small['a']! > 800 && small['a']! < 1200, `below minClusterSize: plain P2C over all (${JSON.stringify(small)})`);
  const panic = zoneCounts(zonedCluster({ a: 2, b: 2 }), { a: 1, b: 1 }, 4000, (table) => { table.setFlag(0, 1); table.setFlag(1, 1); table.setFlag(2, 1); });
  t.ok(panic['a']! > 1600, `panic (1 of 4 available): all endpoints, no zone routing (${JSON.stringify(panic)})`);
});
