// One suite every registered policy must pass: empty clusters, exclusion of tried endpoints, the
// all-excluded fallback, and weights honoured over many picks at a fixed seed.
import t from 'tap';
import { balancerFactories, createBalancer, type BalancerEndpoint } from '../../src/balancing/balancer.js';
import { EndpointTable } from '../../src/balancing/endpoint-table.js';
import { seededRandom } from '../../src/balancing/random.js';
import type { BalancerName } from '../../src/snapshot.js';

interface Named extends BalancerEndpoint { readonly name: string }

const endpoint = (name: string, slot: number, weight = 1): Named => ({ name, slot, weight });
const names = Object.keys(balancerFactories) as BalancerName[];

/** Picks `picks` times, each pick starting a request that never ends; returns picks per endpoint name. */
function tally(name: BalancerName, endpoints: readonly Named[], picks: number, exclude?: ReadonlySet<number>): Map<string, number> {
  const table = EndpointTable.create(16);
  const balancer = createBalancer(name, endpoints, { table, random: seededRandom(42) });
  const counts = new Map<string, number>();
  for (let i = 0; i < picks; i++) {
    const picked = balancer.pick({ attempt: 0, exclude })!;
    table.beginRequest(picked.slot);
    counts.set(picked.name, (counts.get(picked.name) ?? 0) + 1);
  }
  return counts;
}

t.same([...names].sort(), ['least_request', 'random', 'round_robin'], 'every BalancerName is registered');

for (const name of names) {
  t.test(name, async (t) => {
    t.test('no endpoints → undefined', async (t) => {
      const balancer = createBalancer(name, [], { table: EndpointTable.create(1), random: seededRandom(1) });
      t.equal(balancer.pick({ attempt: 0 }), undefined);
      t.equal(balancer.pick({ attempt: 1, exclude: new Set([0]) }), undefined);
    });

    t.test('one endpoint → that endpoint, excluded or not', async (t) => {
      const only = endpoint('a', 3);
      const balancer = createBalancer(name, [only], { table: EndpointTable.create(4), random: seededRandom(1) });
      t.equal(balancer.pick({ attempt: 0 }), only);
      t.equal(balancer.pick({ attempt: 1, exclude: new Set([3]) }), only);
    });

    t.test('excluded endpoints are skipped while another remains', async (t) => {
      const endpoints = [endpoint('a', 10, 5), endpoint('b', 11, 1), endpoint('c', 12, 5)];
      t.same([...tally(name, endpoints, 300, new Set([10, 12]))], [['b', 300]]);
      t.same([...tally(name, endpoints, 300, new Set([11])).keys()].sort(), ['a', 'c'], 'both others still used');
    });

    t.test('all endpoints excluded → the exclusion is ignored', async (t) => {
      const endpoints = [endpoint('a', 0), endpoint('b', 1), endpoint('c', 2)];
      t.same([...tally(name, endpoints, 300, new Set([0, 1, 2])).keys()].sort(), ['a', 'b', 'c']);
    });

    t.test('slots outside the cluster in the exclusion change nothing', async (t) => {
      const endpoints = [endpoint('a', 0, 2), endpoint('b', 1, 1)];
      t.same(tally(name, endpoints, 3000, new Set([7, 8])), tally(name, endpoints, 3000));
    });

    // Each pick's request stays in flight, so least_request's shares follow the weights too.
    t.test('weights 5:3:2 are honoured within 0.02 over 10000 picks (seed 42)', async (t) => {
      const counts = tally(name, [endpoint('a', 0, 5), endpoint('b', 1, 3), endpoint('c', 2, 2)], 10_000);
      for (const [picked, share] of [['a', 0.5], ['b', 0.3], ['c', 0.2]] as const) {
        t.ok(Math.abs(counts.get(picked)! / 10_000 - share) <= 0.02, `${picked}: ${counts.get(picked)} picks, expected share ${share}`);
      }
    });

    t.test('with one excluded, the others keep their relative weights (3:2 within 0.02)', async (t) => {
      const counts = tally(name, [endpoint('a', 0, 5), endpoint('b', 1, 3), endpoint('c', 2, 2)], 10_000, new Set([0]));
      t.equal(counts.get('a'), undefined);
      t.ok(Math.abs(counts.get('b')! / 10_000 - 0.6) <= 0.02, `b: ${counts.get('b')} picks, expected share 0.6`);
    });

    t.test('equal weights spread evenly (within 0.02 over 9000 picks)', async (t) => {
      const counts = tally(name, [endpoint('a', 0, 4), endpoint('b', 1, 4), endpoint('c', 2, 4)], 9000);
      for (const picked of ['a', 'b', 'c']) {
        t.ok(Math.abs(counts.get(picked)! / 9000 - 1 / 3) <= 0.02, `${picked}: ${counts.get(picked)} picks`);
      }
    });

    t.test('a weight that is not a positive number is refused at creation', async (t) => {
      const deps = { table: EndpointTable.create(2), random: seededRandom(1) };
      t.throws(() => createBalancer(name, [endpoint('a', 0), endpoint('b', 1, 0)], deps), /slot 1 has weight 0; weights must be positive/);
      t.throws(() => createBalancer(name, [endpoint('a', 0, Number.NaN)], deps), /weight NaN/);
    });
  });
}

t.test('an unknown policy name is refused with the known ones listed', async (t) => {
  const deps = { table: EndpointTable.create(1), random: seededRandom(1) };
  t.throws(() => createBalancer('fastest' as BalancerName, [], deps), /unknown balancer "fastest"; known: least_request, round_robin, random/);
  t.throws(() => createBalancer('toString' as BalancerName, [], deps), /unknown balancer "toString"/);
});
