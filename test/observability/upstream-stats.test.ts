// UpstreamStats: requests per endpoint by status class (or per cluster with endpoint labels off),
// timeouts and connect times per cluster, kept across snapshots for endpoints that stay, dropped for
// those that leave; two workers' JSON merge by summing.
import t from 'tap';
import { AggregatorRegistry } from 'prom-client';
import { UpstreamStatsSet } from '../../src/observability/upstream-stats.js';
import type { ClusterSnapshot } from '../../src/snapshot.js';

const cluster = (name: string, addresses: string[]) =>
  ({ name, endpoints: addresses.map((address, slot) => ({ slot, address })) }) as unknown as ClusterSnapshot;

t.test('per endpoint, by status class; timeouts and connect times per cluster', async (t) => {
  const set = new UpstreamStatsSet();
  const statsOf = set.update([cluster('api', ['10.0.0.1:80', '10.0.0.2:80'])], true);
  statsOf('api', '10.0.0.1:80').record(200);
  statsOf('api', '10.0.0.1:80').record(201);
  statsOf('api', '10.0.0.2:80').record(504, 'upstream_timeout');
  set.cluster('api').connectTimes.observe(0.0004);
  set.cluster('api').connectTimes.observe(0.003);
  const [requests, timeouts, connect] = set.toJson();
  t.same(requests!.values, [
    { labels: { cluster: 'api', endpoint: '10.0.0.1:80', code_class: '2xx' }, value: 2 },
    { labels: { cluster: 'api', endpoint: '10.0.0.2:80', code_class: '5xx' }, value: 1 },
  ]);
  t.same(timeouts!.values, [{ labels: { cluster: 'api' }, value: 1 }]);
  const count = connect!.values.find((v) => (v as { metricName?: string }).metricName === 'sluice_upstream_connect_duration_seconds_count');
  const firstBucket = connect!.values.find((v) => v.labels.le === 0.0005);
  t.equal(count!.value, 2);
  t.equal(firstBucket!.value, 1);
});

t.test('endpoint labels off: one series per cluster', async (t) => {
  const set = new UpstreamStatsSet();
  const statsOf = set.update([cluster('big', ['10.0.0.1:80', '10.0.0.2:80'])], false);
  t.equal(statsOf('big', '10.0.0.1:80'), statsOf('big', '10.0.0.2:80'));
  statsOf('big', '10.0.0.1:80').record(200);
  statsOf('big', '10.0.0.2:80').record(200);
  t.same(set.toJson()[0]!.values, [{ labels: { cluster: 'big', code_class: '2xx' }, value: 2 }]);
});

t.test('a reload keeps the counts of endpoints that stay and drops those that left', async (t) => {
  const set = new UpstreamStatsSet();
  const first = set.update([cluster('api', ['a:1', 'b:1'])], true);
  first('api', 'a:1').record(200);
  first('api', 'b:1').record(200);
  const second = set.update([cluster('api', ['a:1'])], true);
  t.equal(second('api', 'a:1'), first('api', 'a:1'), 'same accumulator');
  t.same(set.toJson()[0]!.values, [{ labels: { cluster: 'api', endpoint: 'a:1', code_class: '2xx' }, value: 1 }]);
});

t.test('two workers merge into sums', async (t) => {
  const workers = [new UpstreamStatsSet(), new UpstreamStatsSet()];
  for (const [index, worker] of workers.entries()) {
    const statsOf = worker.update([cluster('api', ['a:1'])], true);
    for (let i = 0; i <= index; i++) statsOf('api', 'a:1').record(200);
    worker.cluster('api').countTimeout();
  }
  const text = await AggregatorRegistry.aggregate(workers.map((w) => w.toJson())).metrics();
  t.match(text, 'sluice_upstream_requests_total{cluster="api",endpoint="a:1",code_class="2xx"} 3');
  t.match(text, 'sluice_upstream_timeouts_total{cluster="api"} 2');
});
