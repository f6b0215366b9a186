// Slow start: Envoy's ramp formula at injected times, and the balancer applying it only to endpoints
// that became available after the start and only inside their window.
import t from 'tap';
import { createBalancer, defaultBalancerOptions, type BalancerEndpoint, type BalancerOptions } from '../../src/balancing/balancer.js';
import { EndpointState, EndpointTable } from '../../src/balancing/endpoint-table.js';
import { seededRandom } from '../../src/balancing/random.js';
import { slowStartFactor } from '../../src/balancing/slow-start.js';
import type { BalancerName } from '../../src/snapshot.js';

const linear = { windowMs: 30_000, aggression: 1, minWeightFraction: 0.1 };

t.test("Envoy's formula: weight × max(minWeight, (max(elapsed, 1 s) / window)^(1/aggression))", async (t) => {
  t.equal(slowStartFactor(linear, 0, 0), 0.1, 'just available: 1/30 is below the 10 % floor');
  t.equal(slowStartFactor(linear, 0, 6_000), 0.2);
  t.equal(slowStartFactor(linear, 0, 15_000), 0.5);
  t.equal(slowStartFactor(linear, 0, 29_999), 29_999 / 30_000);
  t.equal(slowStartFactor(linear, 0, 30_000), 1, 'window over');
  const aggressive = { ...linear, aggression: 2 };
  t.equal(slowStartFactor(aggressive, 0, 7_500), 0.5, '(1/4)^(1/2)');
  t.equal(slowStartFactor({ ...linear, minWeightFraction: 0 }, 0, 500), 1_000 / 30_000, 'the 1 s floor of the elapsed time');
});

interface Named extends BalancerEndpoint { readonly name: string }
const EPOCH = 1_000_000;

/** b returned from an ejection at EPOCH + 60 s; picks `count` times at `now` (round robin: exact). */
function sharesAt(name: BalancerName, nowMs: number, returnedAtMs: number | undefined, count = 3000): Record<string, number> {
  const table = EndpointTable.create(2, EPOCH);
  if (returnedAtMs !== undefined) {
    table.setFlag(1, EndpointState.EJECTED);
    table.clearFlag(1, EndpointState.EJECTED, returnedAtMs);
  }
  const endpoints: Named[] = [{ name: 'a', slot: 0, weight: 2 }, { name: 'b', slot: 1, weight: 2 }];
  const options: BalancerOptions = { ...defaultBalancerOptions, slowStart: linear };
  const balancer = createBalancer(name, endpoints, { table, random: seededRandom(4), now: () => nowMs }, options);
  const counts: Record<string, number> = { a: 0, b: 0 };
  for (let i = 0; i < count; i++) counts[balancer.pick({ attempt: 0 })!.name]!++;
  return counts;
}

t.test('round robin: a returning endpoint ramps up; endpoints present since the start do not', async (t) => {
  t.same(sharesAt('round_robin', EPOCH + 75_000, EPOCH + 60_000), { a: 2000, b: 1000 }, '15 s of 30: weight 2 × 0.5');
  t.same(sharesAt('round_robin', EPOCH + 66_000, EPOCH + 60_000), { a: 2500, b: 500 }, '6 s: × 0.2');
  t.same(sharesAt('round_robin', EPOCH + 60_000, EPOCH + 60_000, 1100), { a: 1000, b: 100 }, 'just back: the 10 % floor');
  t.same(sharesAt('round_robin', EPOCH + 95_000, EPOCH + 60_000), { a: 1500, b: 1500 }, 'window over: full weight');
  t.same(sharesAt('round_robin', EPOCH + 5_000, undefined), { a: 1500, b: 1500 }, 'present since the start (stamped at the epoch): no slow start');
});

t.test('random and least_request ramp by the same factor (seeded, within 0.02)', async (t) => {
  for (const name of ['random', 'least_request'] as const) {
    const counts = sharesAt(name, EPOCH + 75_000, EPOCH + 60_000, 6000);
    t.ok(Math.abs(counts['b']! / 6000 - 1 / 3) < 0.02, `${name}: b took ${counts['b']} of 6000 (expected a third)`);
  }
});

t.test('the weights follow the clock while the view stays the same', async (t) => {
  const table = EndpointTable.create(2, EPOCH);
  table.setFlag(1, EndpointState.EJECTED);
  table.clearFlag(1, EndpointState.EJECTED, EPOCH + 60_000);
  let now = EPOCH + 63_000;
  const endpoints: Named[] = [{ name: 'a', slot: 0, weight: 1 }, { name: 'b', slot: 1, weight: 1 }];
  const balancer = createBalancer('round_robin', endpoints, { table, random: seededRandom(1), now: () => now }, { ...defaultBalancerOptions, slowStart: linear });
  const bShare = (picks: number) => {
    let b = 0;
    for (let i = 0; i < picks; i++) if (balancer.pick({ attempt: 0 })!.name === 'b') b++;
    return b;
  };
  t.equal(bShare(1100), 100, '3 s: factor 0.1');
  now = EPOCH + 84_000;
  t.equal(bShare(900), 400, '24 s: factor 0.8 (4 of every 9)');
  now = EPOCH + 91_000;
  t.equal(bShare(1000), 500, 'after the window: equal');
});
