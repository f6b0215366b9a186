// round_robin: nginx's smooth weighted round robin, exact sequences, exclusion and per-balancer state.
import t from 'tap';
import { createBalancer, type BalancerEndpoint, type PickContext } from '../../src/balancing/balancer.js';
import { EndpointTable } from '../../src/balancing/endpoint-table.js';
import { seededRandom } from '../../src/balancing/random.js';

interface Named extends BalancerEndpoint { readonly name: string }

function roundRobin(weights: readonly number[]) {
  const endpoints: Named[] = weights.map((weight, slot) => ({ name: 'abcdefgh'[slot]!, slot, weight }));
  return createBalancer('round_robin', endpoints, { table: EndpointTable.create(weights.length), random: seededRandom(1) });
}

const picks = (balancer: ReturnType<typeof roundRobin>, count: number, ctx: PickContext = { attempt: 0 }): string =>
  Array.from({ length: count }, () => balancer.pick(ctx)!.name).join(' ');

t.test('weights 5,1,1 give nginx\'s smooth sequence, repeating every 7 picks', async (t) => {
  t.equal(picks(roundRobin([5, 1, 1]), 14), 'a a b a c a a a a b a c a a');
});

t.test('equal weights cycle in order', async (t) => {
  t.equal(picks(roundRobin([2, 2, 2]), 7), 'a b c a b c a');
});

t.test('weights 3,2 interleave', async (t) => {
  t.equal(picks(roundRobin([3, 2]), 10), 'a b a b a a b a b a');
});

t.test('excluded endpoints are skipped and do not gain weight (nginx skips tried peers)', async (t) => {
  const balancer = roundRobin([5, 1, 1]);
  t.equal(picks(balancer, 2), 'a a');
  t.equal(picks(balancer, 4, { attempt: 1, exclude: new Set([0]) }), 'b c b c');
  // a's current weight stayed at -4 while excluded (b and c at 2): b leads the next round, then a catches up.
  t.equal(picks(balancer, 5), 'b a c a a');
});

t.test('each balancer keeps its own schedule', async (t) => {
  const first = roundRobin([5, 1, 1]);
  const second = roundRobin([5, 1, 1]);
  const interleaved: string[] = [];
  for (let i = 0; i < 7; i++) interleaved.push(first.pick({ attempt: 0 })!.name, second.pick({ attempt: 0 })!.name);
  t.equal(interleaved.join(' '), 'a a a a b b a a c c a a a a');
});
