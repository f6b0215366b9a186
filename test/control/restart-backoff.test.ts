// Worker restart back-off: 100 ms doubling to 5 s while workers keep dying, reset by a stable run.
import t from 'tap';
import { RestartBackoff } from '../../src/control/restart-backoff.js';

t.test('doubles while workers die young, capped', async (t) => {
  const backoff = new RestartBackoff({ initialMs: 100, maxMs: 5_000, stableMs: 10_000 });
  const delays = Array.from({ length: 9 }, () => backoff.delayAfterDeath(50));
  t.same(delays, [100, 200, 400, 800, 1_600, 3_200, 5_000, 5_000, 5_000]);
});

t.test('a worker that lived long enough resets the back-off', async (t) => {
  const backoff = new RestartBackoff({ initialMs: 100, maxMs: 5_000, stableMs: 10_000 });
  t.same([backoff.delayAfterDeath(10), backoff.delayAfterDeath(10), backoff.delayAfterDeath(9_999)], [100, 200, 400]);
  t.equal(backoff.delayAfterDeath(10_000), 100);
  t.equal(backoff.delayAfterDeath(10), 200);
});
