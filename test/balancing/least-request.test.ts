// least_request: exact power-of-two-choices duels over the EndpointTable's active counts, equal and
// unequal weights, with scripted and seeded random draws.
import t from 'tap';
import { createBalancer, defaultBalancerOptions, type BalancerEndpoint } from '../../src/balancing/balancer.js';
import { EndpointTable } from '../../src/balancing/endpoint-table.js';
import { seededRandom, type Random } from '../../src/balancing/random.js';

interface Named extends BalancerEndpoint { readonly name: string }

/** Returns the given draws in order and fails the test if the balancer asks for more. */
function scripted(draws: readonly number[]): Random & { readonly used: number } {
  let used = 0;
  return {
    get used() { return used; },
    next() {
      if (used >= draws.length) throw new Error(`random asked for draw ${used + 1} of ${draws.length}`);
      return draws[used++]!;
    },
  };
}

/** Recorded at seed 42; the first duel is e(4) vs d(1). */
const SEQUENCE_8 = 'd e b f d b f b f e';

/** A cluster whose endpoints sit in slots 0..n-1 with the given active counts. */
function cluster(weights: readonly number[], active: readonly number[]): { table: EndpointTable; endpoints: Named[] } {
  const table = EndpointTable.create(weights.length);
  const endpoints = weights.map((weight, slot) => ({ name: 'abcdefgh'[slot]!, slot, weight }));
  active.forEach((count, slot) => { for (let i = 0; i < count; i++) table.beginRequest(slot); });
  return { table, endpoints };
}

function pickWith(
  draws: readonly number[], weights: readonly number[], active: readonly number[], exclude?: ReadonlySet<number>,
  options = defaultBalancerOptions,
): string {
  const { table, endpoints } = cluster(weights, active);
  const random = scripted(draws);
  const picked = createBalancer('least_request', endpoints, { table, random }, options).pick({ attempt: 0, exclude })!;
  if (random.used !== draws.length) throw new Error(`used ${random.used} of ${draws.length} draws`);
  return picked.name;
}

t.test('equal weights: two distinct uniform draws, fewer active wins, a tie goes to the first', async (t) => {
  const weights = [1, 1, 1, 1];
  const active = [3, 1, 2, 0];
  // first = floor(r1 * 4); second = floor(r2 * 3), stepped past first when >= first.
  t.equal(pickWith([0.1, 0.5], weights, active), 'c', 'a(3) vs c(2)');
  t.equal(pickWith([0.6, 0.1], weights, active), 'c', 'c(2) vs a(3)');
  t.equal(pickWith([0.3, 0.9], weights, active), 'd', 'b(1) vs d(0)');
  t.equal(pickWith([0.99, 0], weights, active), 'd', 'd(0) vs a(3)');
  t.equal(pickWith([0.6, 0.5], weights, [0, 0, 0, 0]), 'c', 'c(0) vs b(0): first drawn');
  t.equal(pickWith([0.3, 0.4], weights, [0, 0, 0, 0]), 'b', 'b(0) vs c(0): first drawn');
});

t.test('unequal weights: draws proportional to weight, higher weight / (active + 1) wins', async (t) => {
  // weights a=3, b=1: the first draw covers [0,4); the second covers the other endpoint's weight only.
  t.equal(pickWith([0.5, 0.5], [3, 1], [2, 0]), 'a', 'a 3/3 vs b 1/1: tie, first drawn');
  t.equal(pickWith([0.5, 0.5], [3, 1], [3, 0]), 'b', 'a 3/4 vs b 1/1');
  t.equal(pickWith([0.9, 0.3], [3, 1], [3, 0]), 'b', 'b 1/1 vs a 3/4');
  t.equal(pickWith([0.9, 0.3], [3, 1], [1, 0]), 'a', 'b 1/1 vs a 3/2');
  // weights a=1, b=2, c=1: first b (x=2); the second draw spans 2 and steps over b's range [1,3).
  t.equal(pickWith([0.5, 0.25], [1, 2, 1], [0, 5, 0]), 'a', 'second x=0.5 → a');
  t.equal(pickWith([0.5, 0.75], [1, 2, 1], [0, 5, 1]), 'c', 'second x=1.5+2 → c, 1/2 beats b 2/6');
});

t.test('exclusion: the duel runs among the endpoints not yet tried', async (t) => {
  t.equal(pickWith([0.2, 0.9], [1, 1, 1], [0, 5, 1], new Set([0])), 'c', 'b(5) vs c(1); a excluded although idle');
  t.equal(pickWith([0.7], [1, 1, 1], [0, 0, 0], new Set([0, 1])), 'c', 'one left: no second draw');
});

t.test('exact pick sequence at seed 42 with fixed active counts', async (t) => {
  const { table, endpoints } = cluster([1, 1, 1, 1], [3, 1, 2, 0]);
  const balancer = createBalancer('least_request', endpoints, { table, random: seededRandom(42) });
  const sequence = Array.from({ length: 12 }, () => balancer.pick({ attempt: 0 })!.name).join(' ');
  // The first duels: c(2) vs b(1) → b; d(0) vs c(2) → d; a(3) vs c(2) → c.
  t.equal(sequence, 'b d c b d d c c b c d c');
});

t.test('exact weighted pick sequence at seed 7 with fixed active counts', async (t) => {
  const { table, endpoints } = cluster([4, 2, 1], [3, 0, 0]);
  const balancer = createBalancer('least_request', endpoints, { table, random: seededRandom(7) });
  const sequence = Array.from({ length: 12 }, () => balancer.pick({ attempt: 0 })!.name).join(' ');
  // Scores weight / (active + 1): a 4/4, b 2/1, c 1/1. a vs b → b; a vs c → a tie at 1, the first drawn;
  // b vs c → equal load (both idle), the first drawn (the draw was in proportion to weight).
  t.equal(sequence, 'b c b b a b b b b a a b');
});

t.test('an idle weighted cluster follows the weights (equal load keeps the weighted draw)', async (t) => {
  const { table, endpoints } = cluster([3, 1], [0, 0]);
  const balancer = createBalancer('least_request', endpoints, { table, random: seededRandom(5) });
  let heavy = 0;
  for (let i = 0; i < 4000; i++) if (balancer.pick({ attempt: 0 })!.name === 'a') heavy++;
  t.ok(Math.abs(heavy / 4000 - 0.75) < 0.02, `weight 3 of 4 took ${(heavy / 40).toFixed(1)}% (expected 75 ± 2)`);
});

t.test('prefers the less loaded: the most loaded endpoint never wins a duel', async (t) => {
  const { table, endpoints } = cluster([1, 1, 1], [4, 0, 9]);
  // Counts written through another view of the buffer, as a worker thread would.
  const balancer = createBalancer('least_request', endpoints, { table: new EndpointTable(table.buffer), random: seededRandom(3) });
  const counts = { a: 0, b: 0, c: 0 } as Record<string, number>;
  for (let i = 0; i < 3000; i++) counts[balancer.pick({ attempt: 0 })!.name]!++;
  t.equal(counts.c, 0, 'most loaded never picked');
  t.ok(counts.b! > 1800 && counts.b! < 2200, `least loaded in about 2/3 of duels: ${counts.b}`);
});

t.test('load moves picks away as it rises (requests left in flight)', async (t) => {
  const { table, endpoints } = cluster([1, 1], [0, 0]);
  const balancer = createBalancer('least_request', endpoints, { table, random: seededRandom(11) });
  for (let i = 0; i < 6; i++) table.beginRequest(balancer.pick({ attempt: 0 })!.slot);
  t.same([table.active(0), table.active(1)], [3, 3], 'two endpoints: every duel sends to the idler one');
});

t.test('choiceCount 3: each further draw is distinct from the best so far; the least loaded wins', async (t) => {
  const three = { ...defaultBalancerOptions, choiceCount: 3 };
  const active = [3, 1, 2, 0];
  t.equal(pickWith([0.1, 0.5, 0.1], [1, 1, 1, 1], active, undefined, three), 'c', 'a(3) vs c(2) → c; then a(3) → c');
  t.equal(pickWith([0.1, 0.5, 0.9], [1, 1, 1, 1], active, undefined, three), 'd', 'then d(0) → d');
  t.equal(pickWith([0.2, 0.9, 0.9], [1, 1, 1], [0, 5, 1], new Set([0]), three), 'c', 'with exclusion: b(5) vs c(1); no third left');
  t.throws(() => createBalancer('least_request', [], { table: EndpointTable.create(1), random: seededRandom(1) }, { ...defaultBalancerOptions, choiceCount: 1 }), /choiceCount must be an integer of at least 2/);
});

t.test('activeRequestBias: weight / (active + 1)^bias decides unequal weights', async (t) => {
  // a (weight 3, 3 active) drawn first, then b (weight 1, idle).
  const duel = (bias: number) => pickWith([0.5, 0.5], [3, 1], [3, 0], undefined, { ...defaultBalancerOptions, activeRequestBias: bias });
  t.equal(duel(1), 'b', 'bias 1: 3/4 < 1/1');
  t.equal(duel(0.5), 'a', 'bias 0.5: 3/2 > 1/1');
  t.equal(duel(0), 'a', 'bias 0: weight alone');
  t.equal(duel(2), 'b', 'bias 2: 3/16 < 1');
  t.equal(pickWith([0.5, 0.5], [1, 1], [3, 0], undefined, { ...defaultBalancerOptions, activeRequestBias: 0 }), 'b', 'equal weights: the less loaded, whatever the bias');
});

t.test('exact pick sequence at seed 42 over 8 endpoints with mixed load', async (t) => {
  const { table, endpoints } = cluster(Array.from({ length: 8 }, () => 1), [5, 0, 3, 1, 4, 2, 6, 0]);
  const balancer = createBalancer('least_request', endpoints, { table, random: seededRandom(42) });
  const sequence = Array.from({ length: 10 }, () => balancer.pick({ attempt: 0 })!.name).join(' ');
  t.equal(sequence, SEQUENCE_8);
});
