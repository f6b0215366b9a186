// RouteStats: per-request numbers become exactly the Prometheus series prom-client would have made,
// and two workers' JSON merge by summing.
import t from 'tap';
import { AggregatorRegistry } from 'prom-client';
import { methodIndex } from '../../src/observability/method-index.js';
import { RouteStatsSet } from '../../src/observability/route-stats.js';

const GET = methodIndex('GET');
const POST = methodIndex('POST');

t.test('method index: the standard methods by name, anything else is other', async (t) => {
  t.same(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND', 'get', undefined].map(methodIndex), [0, 1, 2, 3, 4, 5, 6, 7, 7, 7]);
});

t.test('counts by method and status class, buckets durations cumulatively, sums body bytes', async (t) => {
  const set = new RouteStatsSet();
  const stats = set.for('web', '*/api', 'api');
  t.equal(set.for('web', '*/api', 'api'), stats, 'same labels, same accumulator');
  t.not(set.for('admin', '*/api', 'api'), stats, 'another listener, another accumulator');
  stats.record(GET, 200, 0.0007, 0, 120);
  stats.record(POST, 204, 0.003, 50, 0);
  stats.record(GET, 503, 42, 0, 16);
  stats.count(400);
  stats.record(GET, 0, 0.02, 10, 0);
  const [requests, durations, bytesIn, bytesOut] = set.toJson();
  const labels = { listener: 'web', route: '*/api', cluster: 'api' };
  t.same(requests!.values, [
    { labels: { ...labels, method: 'GET', code_class: 'other' }, value: 1 },
    { labels: { ...labels, method: 'GET', code_class: '2xx' }, value: 1 },
    { labels: { ...labels, method: 'GET', code_class: '5xx' }, value: 1 },
    { labels: { ...labels, method: 'POST', code_class: '2xx' }, value: 1 },
    { labels: { ...labels, method: 'other', code_class: '4xx' }, value: 1 },
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
  t.same(bytesIn!.values, [{ labels, value: 60 }]);
  t.same(bytesOut!.values, [{ labels, value: 136 }]);
});

t.test('two workers merge into sums', async (t) => {
  const workers = [new RouteStatsSet(), new RouteStatsSet()];
  workers[0]!.for('web', '*/', 'web').record(GET, 200, 0.01, 3, 5);
  workers[1]!.for('web', '*/', 'web').record(GET, 200, 0.01, 0, 5);
  workers[1]!.for('web', '*/', 'web').record(GET, 200, 0.5, 4, 5);
  const text = await AggregatorRegistry.aggregate(workers.map((w) => w.toJson())).metrics();
  t.match(text, 'sluice_requests_total{listener="web",route="*/",cluster="web",method="GET",code_class="2xx"} 3');
  t.match(text, 'sluice_request_duration_seconds_bucket{listener="web",route="*/",cluster="web",le="0.01"} 2');
  t.match(text, 'sluice_request_duration_seconds_count{listener="web",route="*/",cluster="web"} 3');
  t.match(text, 'sluice_request_body_bytes_total{listener="web",route="*/",cluster="web"} 7');
  t.match(text, 'sluice_response_body_bytes_total{listener="web",route="*/",cluster="web"} 15');
});
