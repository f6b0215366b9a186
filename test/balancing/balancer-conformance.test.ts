// One suite every registered policy must pass: empty clusters, availability (never an ejected or
// unhealthy endpoint while others are available), panic, exclusion of tried endpoints, the all-excluded
// fallback, and weights honoured over many picks at a fixed seed.
import t from 'tap';
import { policyFactories, createBalancer, type BalancerEndpoint } from '../../src/balancing/balancer.js';
import { EndpointState, EndpointTable } from '../../src/balancing/endpoint-table.js';
import { defaultBalancerOptions } from '../../src/balancing/balancer.js';
import { seededRandom } from '../../src/balancing/random.js';
import type { BalancerName } from '../../src/snapshot.js';

interface Named extends BalancerEndpoint { readonly name: string }

const endpoint = (name: string, slot: number, weight = 1): Named => ({ name, slot, weight });
const names = Object.keys(policyFactories) as BalancerName[];

/** Share tolerance of the weight tests: a 1024-point ring gives arcs a few percent off their weight. */
const tolerance: Readonly<Record<BalancerName, number>> = { least_request: 0.02, round_robin: 0.02, random: 0.02, maglev: 0.02, ring_hash: 0.05 };

/** A different request key per pick (the hash policies need one; the others ignore it). */
const keyOf = (i: number) => Math.imul(i + 1, 0x9e3779b1) >>> 0;

/**
 * Picks `picks` times, each pick starting a request that never ends; returns picks per endpoint name.
 * `unavailable`: slots flagged EJECTED or UNHEALTHY in the table first.
 */
function tally(
  name: BalancerName, endpoints: readonly Named[], picks: number, exclude?: ReadonlySet<number>,
  unavailable: readonly number[] = [], options = defaultBalancerOptions,
): Map<string, number> {
  const table = EndpointTable.create(16);
  unavailable.forEach((slot, i) => table.setFlag(slot, i % 2 === 0 ? EndpointState.EJECTED : EndpointState.UNHEALTHY));
  const balancer = createBalancer(name, endpoints, { table, random: seededRandom(42) }, options);
  const counts = new Map<string, number>();
  for (let i = 0; i < picks; i++) {
    const picked = balancer.pick({ attempt: 0, exclude, hash: keyOf(i) })!;
    table.beginRequest(picked.slot);
    counts.set(picked.name, (counts.get(picked.name) ?? 0) + 1);
  }
  return counts;
}

t.same([...names].sort(), ['least_request', 'maglev', 'random', 'ring_hash', 'round_robin'], 'every BalancerName is registered');

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
    const within = tolerance[name];
    t.test(`weights 5:3:2 are honoured within ${within} over 10000 picks (seed 42)`, async (t) => {
      const counts = tally(name, [endpoint('a', 0, 5), endpoint('b', 1, 3), endpoint('c', 2, 2)], 10_000);
      for (const [picked, share] of [['a', 0.5], ['b', 0.3], ['c', 0.2]] as const) {
        t.ok(Math.abs(counts.get(picked)! / 10_000 - share) <= within, `${picked}: ${counts.get(picked)} picks, expected share ${share}`);
      }
    });

    t.test(`with one excluded, the others keep their relative weights (3:2 within ${within})`, async (t) => {
      const counts = tally(name, [endpoint('a', 0, 5), endpoint('b', 1, 3), endpoint('c', 2, 2)], 10_000, new Set([0]));
      t.equal(counts.get('a'), undefined);
      t.ok(Math.abs(counts.get('b')! / 10_000 - 0.6) <= within, `b: ${counts.get('b')} picks, expected share 0.6`);
    });

    t.test(`equal weights spread evenly (within ${within} over 9000 picks)`, async (t) => {
      const counts = tally(name, [endpoint('a', 0, 4), endpoint('b', 1, 4), endpoint('c', 2, 4)], 9000);
      for (const picked of ['a', 'b', 'c']) {
        t.ok(Math.abs(counts.get(picked)! / 9000 - 1 / 3) <= within, `${picked}: ${counts.get(picked)} picks`);
      }
    });

    const four = [endpoint('a', 0), endpoint('b', 1), endpoint('c', 2), endpoint('d', 3)];

    t.test('an ejected or unhealthy endpoint gets nothing while others are available', async (t) => {
      t.same([...tally(name, four, 2000, undefined, [1]).keys()].sort(), ['a', 'c', 'd'], 'b ejected');
      t.same([...tally(name, four, 2000, undefined, [0, 3]).keys()].sort(), ['b', 'c'], 'a ejected, d unhealthy: 50 % available is not panic');
      t.same([...tally(name, four, 2000, new Set([2]), [0, 3]).keys()], ['b'], 'c tried, a and d out: only b');
      t.same([...tally(name, four, 2000, new Set([1, 2]), [0, 3]).keys()].sort(), ['b', 'c'], 'every available endpoint tried: they are tried again, never a and d');
    });

    t.test('panic: below the threshold every endpoint takes traffic again', async (t) => {
      t.same([...tally(name, four, 2000, undefined, [0, 1, 3]).keys()].sort(), ['a', 'b', 'c', 'd'], '25 % available < 50 %');
      t.same([...tally(name, four, 2000, undefined, [0, 1, 2, 3]).keys()].sort(), ['a', 'b', 'c', 'd'], 'none available');
      const never = { ...defaultBalancerOptions, panicThreshold: 0 };
      t.same([...tally(name, four, 2000, undefined, [0, 1, 3], never).keys()], ['c'], 'threshold 0: never panic');
      const strict = { ...defaultBalancerOptions, panicThreshold: 0.8 };
      t.same([...tally(name, four, 2000, undefined, [3], strict).keys()].sort(), ['a', 'b', 'c', 'd'], 'threshold 80 %: 75 % available panics');
    });

    t.test('the view follows the table: an endpoint returns when its flag clears', async (t) => {
      const table = EndpointTable.create(4);
      const balancer = createBalancer(name, four, { table, random: seededRandom(9) });
      const seen = () => new Set(Array.from({ length: 400 }, (_, i) => balancer.pick({ attempt: 0, hash: keyOf(i) })!.name));
      t.same([...seen()].sort(), ['a', 'b', 'c', 'd']);
      table.setFlag(2, EndpointState.EJECTED);
      t.same([...seen()].sort(), ['a', 'b', 'd'], 'ejected: out at once');
      table.clearFlag(2, EndpointState.EJECTED, Date.now());
      t.same([...seen()].sort(), ['a', 'b', 'c', 'd'], 'back');
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
  t.throws(() => createBalancer('fastest' as BalancerName, [], deps), /unknown balancer "fastest"; known: least_request, round_robin, random, ring_hash, maglev/);
  t.throws(() => createBalancer('toString' as BalancerName, [], deps), /unknown balancer "toString"/);
});
