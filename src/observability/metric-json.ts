// The JSON shapes prom-client's `getMetricsAsJSON` produces and its AggregatorRegistry merges: what the
// typed-array stats of a worker are exported as. Builders only; no counting here.
import type { MetricObjectWithValues, MetricValue } from 'prom-client';

export type MetricJson = MetricObjectWithValues<MetricValue<string>>;
export type MetricSample = MetricValue<string>;
export type Labels = Readonly<Record<string, string | number>>;

/** A metric whose series are summed across workers (counters, histograms, additive gauges). */
export function summedMetric(name: string, help: string, type: 'counter' | 'gauge' | 'histogram', values: MetricSample[]): MetricJson {
  // prom-client's typings describe the live objects, not their JSON form.
  return { name, help, type, aggregator: 'sum', values } as unknown as MetricJson;
}

/** A sample of a histogram's `_bucket`, `_sum` or `_count` series. */
export function histogramSample(metricName: string, labels: Labels, value: number): MetricSample {
  return { labels, value, metricName } as MetricSample;
}
