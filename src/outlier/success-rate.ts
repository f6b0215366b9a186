// Envoy's two statistical outlier tests over one interval's outcomes: success rate (mean minus
// stdevFactor standard deviations) and failure percentage. Pure functions; ejecting is not their job.
import type { OutlierDetectionSnapshot } from '../snapshot.js';

/** One endpoint's last interval: successes and total requests. */
export interface IntervalSample {
  readonly slot: number;
  readonly successes: number;
  readonly total: number;
}

export interface StatisticalOutliers {
  /** Slots below the success-rate threshold (empty when too few endpoints had enough requests). */
  readonly successRate: number[];
  /** Slots at or above the failure-percentage threshold. */
  readonly failurePercentage: number[];
  /** The success-rate mean and ejection threshold (percent), when they were computed. */
  readonly mean?: number;
  readonly threshold?: number;
}

type Knobs = Pick<OutlierDetectionSnapshot, 'successRate' | 'failurePercentage'>;

/**
 * `samples`: the endpoints not ejected, with at least one request; `hostCount`: every endpoint of the
 * cluster (Envoy skips the sweep when it is below both minimum-host settings).
 */
export function statisticalOutliers(samples: readonly IntervalSample[], hostCount: number, knobs: Knobs): StatisticalOutliers {
  const { successRate: sr, failurePercentage: fp } = knobs;
  if (hostCount < sr.minimumHosts && hostCount < fp.minimumHosts) return { successRate: [], failurePercentage: [] };
  const rateOf = (sample: IntervalSample): number => (sample.successes * 100) / sample.total;
  const srHosts = samples.filter((sample) => sample.total >= sr.requestVolume);
  const fpHosts = samples.filter((sample) => sample.total >= fp.requestVolume);

  let mean: number | undefined;
  let threshold: number | undefined;
  let successRate: number[] = [];
  if (srHosts.length > 0 && srHosts.length >= sr.minimumHosts) {
    const rates = srHosts.map(rateOf);
    mean = rates.reduce((sum, rate) => sum + rate, 0) / rates.length;
    const variance = rates.reduce((sum, rate) => sum + (rate - mean!) ** 2, 0) / rates.length;
    threshold = mean - sr.stdevFactor * Math.sqrt(variance);
    successRate = srHosts.filter((_, index) => rates[index]! < threshold!).map((sample) => sample.slot);
  }
  const failurePercentage = fpHosts.length > 0 && fpHosts.length >= fp.minimumHosts
    ? fpHosts.filter((sample) => 100 - rateOf(sample) >= fp.threshold).map((sample) => sample.slot)
    : [];
  return { successRate, failurePercentage, ...(mean === undefined ? {} : { mean, threshold }) };
}
