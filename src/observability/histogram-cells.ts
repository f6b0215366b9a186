// A Prometheus histogram as plain numbers: observing is a bucket search and three additions; the
// cumulative `_bucket`, `_sum` and `_count` samples are built only when metrics are gathered.
import { histogramSample, type Labels, type MetricSample } from './metric-json.js';

export class HistogramCells {
  readonly #bounds: readonly number[];
  /** Observations per bucket, not cumulative; the last slot is +Inf. */
  readonly #buckets: Float64Array;
  #sum = 0;
  #count = 0;

  constructor(bounds: readonly number[]) {
    this.#bounds = bounds;
    this.#buckets = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.#bounds;
    let bucket = 0;
    while (bucket < bounds.length && value > bounds[bucket]!) bucket++;
    this.#buckets[bucket]!++;
    this.#sum += value;
    this.#count++;
  }

  /** The samples of histogram `name` with `labels`; none before the first observation. */
  samples(name: string, labels: Labels): MetricSample[] {
    if (this.#count === 0) return [];
    const bounds = this.#bounds;
    const samples: MetricSample[] = [];
    let cumulative = 0;
    for (let bucket = 0; bucket <= bounds.length; bucket++) {
      cumulative += this.#buckets[bucket]!;
      samples.push(histogramSample(`${name}_bucket`, { ...labels, le: bucket < bounds.length ? bounds[bucket]! : '+Inf' }, cumulative));
    }
    samples.push(histogramSample(`${name}_sum`, labels, this.#sum));
    samples.push(histogramSample(`${name}_count`, labels, this.#count));
    return samples;
  }
}
