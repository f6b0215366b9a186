// seededRandom: the reference mulberry32 sequence, deterministic per seed, always in [0, 1).
import t from 'tap';
import { seededRandom, systemRandom } from '../../src/balancing/random.js';

t.test('seed 1 gives the reference mulberry32 sequence', async (t) => {
  const random = seededRandom(1);
  t.same([random.next(), random.next(), random.next()], [0.6270739405881613, 0.002735721180215478, 0.5274470399599522]);
});

t.test('same seed, same sequence; another seed, another sequence', async (t) => {
  const draw = (seed: number): number[] => {
    const random = seededRandom(seed);
    return Array.from({ length: 5 }, () => random.next());
  };
  t.same(draw(42), draw(42));
  t.not(draw(42)[0], draw(43)[0]);
});

t.test('values stay in [0, 1)', async (t) => {
  for (const random of [seededRandom(7), seededRandom(-1), systemRandom]) {
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const value = random.next();
      if (!(value >= 0 && value < 1)) outside++;
    }
    t.equal(outside, 0);
  }
});
