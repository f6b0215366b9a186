// Envoy's success-rate and failure-percentage tests on Envoy's own example and a few of ours.
import t from 'tap';
import { statisticalOutliers } from '../../src/outlier/success-rate.js';
import { OUTLIER_DEFAULTS } from './fixtures.js';

const sample = (slot: number, successes: number, total = 100) => ({ slot, successes, total });

t.test("Envoy's example: rates 50,100,100,100,100 → mean 90, stdev 20, threshold 52 (factor 1.9)", async (t) => {
  const samples = [sample(0, 50), sample(1, 100), sample(2, 100), sample(3, 100), sample(4, 100)];
  const result = statisticalOutliers(samples, 5, OUTLIER_DEFAULTS);
  t.equal(result.mean, 90);
  t.equal(result.threshold, 90 - 1.9 * 20);
  t.same(result.successRate, [0]);
});

t.test('too few hosts with enough volume: no success-rate verdict', async (t) => {
  const samples = [sample(0, 50), sample(1, 100), sample(2, 100), sample(3, 100), sample(4, 99, 99)];
  t.same(statisticalOutliers(samples, 5, OUTLIER_DEFAULTS).successRate, [], 'one host below requestVolume 100 leaves 4 < minimumHosts 5');
  t.same(statisticalOutliers(samples.slice(0, 4), 4, OUTLIER_DEFAULTS), { successRate: [], failurePercentage: [] }, 'cluster below both minimums');
});

t.test('failure percentage: at or above the threshold, with its own volume', async (t) => {
  const samples = [sample(0, 9, 60), sample(1, 10, 60), sample(2, 60, 60), sample(3, 0, 49), sample(4, 50, 50), sample(5, 50, 50)];
  const result = statisticalOutliers(samples, 6, OUTLIER_DEFAULTS);
  t.same(result.failurePercentage, [0], '85% failures is at the threshold; 83% is not; 49 requests are too few');
});

t.test('a uniform cluster has no success-rate outlier (stdev 0, nobody below the mean)', async (t) => {
  const samples = [0, 1, 2, 3, 4].map((slot) => sample(slot, 90));
  t.same(statisticalOutliers(samples, 5, OUTLIER_DEFAULTS).successRate, []);
});
