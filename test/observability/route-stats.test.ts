// RouteStats: per-request numbers become exactly the Prometheus series prom-client would have made,
// and two workers' JSON merge by summing.
import t from 'tap';
import { AggregatorRegistry } from 'prom-client';
import { RouteStatsSet } from '../../src/observability/route-stats.js';

t.test('counts by status class and buckets durations cumulatively', async (t) => {
  const set = new RouteStatsSet();
  const stats = set.for('*/api', 'api');
  t.equal(set.for('*/api', 'api'), stats, 'same labels, same accumulator');
  stats.record(200, 0.0007);
  stats.record(204, 0.003);
  stats.record(503, 42);
  stats.count(400);
  stats.record(0, 0.02);
  const [requests, durations] = set.toJson();
  t.same(requests!.values, [
    { labels: { route: '*/api', cluster: 'api', code_class: 'other' }, value: 1 },
    { labels: { route: '*/api', cluster: 'api', code_class: '2xx' }, value: 2 },
    { labels: { route: '*/api', cluster: 'api', code_class: '4xx' }, value: 1 },
    { labels: { route: '*/api', cluster: 'api', code_class: '5xx' }, value: 1 },
  ]);
  const buckets = Object.fromEntries(durations!.values
    .filter((v) => (v as { metricName?: string }).metricName!.endsWith('_bucket'))
    .map((v) => [String(v.labels.le), v.value]));
  t.same(buckets, {
    '0.001': 1, '0.0025': 1, '0.005': 2, '0.01': 2, '0.025': 3, '0.05': 3, '0.1': 3, '0.25': 3, '0.5': 3,
    '1': 3, '2.5': 3, '5': 3, '10': 3, '30': 3, '+Inf': 4,
  });
  const sum = durations!.values.find((v) => (v as { metricName?: string }).metricName === 'sluice_request_duration_seconds_sum');
  t.equal(Math.round(sum!.value * 1e4) / 1e4, 42.0237);
});

t.test('two workers merge into sums', async (t) => {
  const workers = [new RouteStatsSet(), new RouteStatsSet()];
  workers[0]!.for('*/', 'web').record(200, 0.01);
  workers[1]!.for('*/', 'web').record(200, 0.01);
  workers[1]!.for('*/', 'web').record(200, 0.5);
  const text = await AggregatorRegistry.aggregate(workers.map((w) => w.toJson())).metrics();
  t.match(text, 'sluice_requests_total{route="*/",cluster="web",code_class="2xx"} 3');
  t.match(text, 'sluice_request_duration_seconds_bucket{route="*/",cluster="web",le="0.01"} 2');
  t.match(text, 'sluice_request_duration_seconds_count{route="*/",cluster="web"} 3');
});
