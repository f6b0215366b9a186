// Envoy's fully jittered exponential back-off at a fixed seed, and its cap.
import t from 'tap';
import { seededRandom, type Random } from '../../src/balancing/random.js';
import { retryBackoffMs } from '../../src/resilience/backoff.js';

const fixed = (value: number): Random => ({ next: () => value });

t.test('the interval doubles from base and stops at max; the wait is uniform below it', async (t) => {
  // Just below 1: the wait is one less than the interval.
  t.same([0, 1, 2, 3, 4, 5].map((retry) => retryBackoffMs(retry, 25, 250, fixed(0.99999))), [24, 49, 99, 199, 249, 249]);
  t.same([0, 1, 2].map((retry) => retryBackoffMs(retry, 25, 250, fixed(0))), [0, 0, 0]);
  t.same([0, 1, 2].map((retry) => retryBackoffMs(retry, 100, 250, fixed(0.5))), [50, 100, 125]);
});

t.test('seeded sequence', async (t) => {
  const random = seededRandom(42);
  const waits = [0, 1, 2, 3, 4, 5].map((retry) => retryBackoffMs(retry, 25, 250, random));
  const again = seededRandom(42);
  const draws = [0, 1, 2, 3, 4, 5].map(() => again.next());
  t.same(waits, draws.map((draw, retry) => Math.floor(draw * Math.min(25 * 2 ** retry, 250))));
  t.same(waits, [15, 22, 85, 133, 43, 131]);
});
