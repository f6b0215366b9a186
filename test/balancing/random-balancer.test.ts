// random: weighted draws mapped through cumulative weights, with scripted draws.
import t from 'tap';
import { createBalancer, type BalancerEndpoint } from '../../src/balancing/balancer.js';
import { EndpointTable } from '../../src/balancing/endpoint-table.js';
import type { Random } from '../../src/balancing/random.js';

interface Named extends BalancerEndpoint { readonly name: string }

function pickWith(draw: number, weights: readonly number[], exclude?: ReadonlySet<number>): string {
  const endpoints: Named[] = weights.map((weight, slot) => ({ name: 'abcdefgh'[slot]!, slot, weight }));
  let draws = 0;
  const random: Random = { next: () => (draws++ === 0 ? draw : Number.NaN) };
  const picked = createBalancer('random', endpoints, { table: EndpointTable.create(weights.length), random }).pick({ attempt: 0, exclude })!;
  if (draws !== 1) throw new Error(`expected one draw, got ${draws}`);
  return picked.name;
}

t.test('a draw lands in the endpoint whose weight range holds draw × total', async (t) => {
  // weights 1,3: a owns [0,1), b owns [1,4).
  t.equal(pickWith(0.2, [1, 3]), 'a', 'x=0.8');
  t.equal(pickWith(0.24, [1, 3]), 'a', 'x=0.96');
  t.equal(pickWith(0.25, [1, 3]), 'b', 'x=1.0, range start belongs to b');
  t.equal(pickWith(0.9999, [1, 3]), 'b', 'x just under the total');
  t.equal(pickWith(0, [2, 5, 1]), 'a');
  t.equal(pickWith(0.9, [2, 5, 1]), 'c', 'x=7.2 in [7,8)');
});

t.test('equal weights: a uniform index', async (t) => {
  t.equal(pickWith(0.5, [2, 2, 2]), 'b', 'floor(1.5)');
  t.equal(pickWith(0.99, [2, 2, 2]), 'c');
});

t.test('with exclusion, the draw spans only the weight left', async (t) => {
  // a=1, b=3 (excluded), c=1: available weight 2, a owns [0,1), c owns [1,2).
  t.equal(pickWith(0.49, [1, 3, 1], new Set([1])), 'a', 'x=0.98');
  t.equal(pickWith(0.5, [1, 3, 1], new Set([1])), 'c', 'x=1.0');
});
