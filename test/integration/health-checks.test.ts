// Active health checks end to end (2 workers, 3 real backends with a switchable /healthz): no traffic
// before an endpoint's first pass, marked down (no traffic) when its checks fail, back when they pass.
import t from 'tap';
import { request } from 'undici';
import { adminJson, adminText, eventually, metricValue } from '../helpers/admin.js';
import { startBackend, type Backend } from '../helpers/backend.js';
import { startSluice } from '../helpers/sluice-process.js';

interface Checked { backend: Backend; healthy: boolean; traffic: number }

async function checkedBackend(t: { teardown(fn: () => unknown): void }, name: string, healthy: boolean): Promise<Checked> {
  const checked: Checked = { backend: undefined!, healthy, traffic: 0 };
  checked.backend = await startBackend(t, name, (req, res) => {
    req.resume();
    if (req.url === '/healthz') {
      res.statusCode = checked.healthy ? 200 : 503;
      return res.end();
    }
    checked.traffic++;
    res.end(name);
  });
  return checked;
}

t.test('no traffic before the first pass; down (no traffic) when failing, up when recovered', async (t) => {
  const a = await checkedBackend(t, 'a', true);
  const b = await checkedBackend(t, 'b', false);
  const c = await checkedBackend(t, 'c', true); // keeps the cluster above any panic threshold
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0" }]
routes: [{ paths: [{ path: /, pathType: Prefix, cluster: app }] }]
clusters:
  - name: app
    balancer: round_robin
    endpoints: [{ address: "${a.backend.address}" }, { address: "${b.backend.address}" }, { address: "${c.backend.address}" }]
    healthCheck: { path: /healthz, interval: 100ms, timeout: 1s, healthyThreshold: 2, unhealthyThreshold: 2 }
`, { workers: 2 });
  const send = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const response = await request(sluice.url('/'));
      t.equal(response.statusCode, 200);
      await response.body.text();
    }
  };
  const healthOf = async (backend: Backend) =>
    (await adminJson<{ address: string; health: string }[]>(sluice.admin, '/endpoints')).find((e) => e.address === backend.address)!.health;

  await eventually(async () => (await healthOf(a.backend)) === 'healthy' && (await healthOf(c.backend)) === 'healthy', 20_000, 'a and c to pass');
  await eventually(async () => b.backend.requests >= 3, 20_000, 'b to be checked a few times');
  t.equal(await healthOf(b.backend), 'unhealthy', 'b failed twice in a row without ever passing');
  await send(10);
  t.equal(b.traffic, 0, 'b never passed a check: no traffic');
  t.equal(a.traffic + c.traffic, 10);

  b.healthy = true;
  await eventually(async () => (await healthOf(b.backend)) === 'healthy', 20_000, 'b to come up');
  await send(10);
  t.ok(b.traffic > 0, 'b takes traffic once healthy');

  a.healthy = false;
  await eventually(async () => (await healthOf(a.backend)) === 'unhealthy', 20_000, 'a to go down');
  const aBefore = a.traffic;
  await send(10);
  t.equal(a.traffic, aBefore, 'no traffic to a while it is down');

  a.healthy = true;
  await eventually(async () => (await healthOf(a.backend)) === 'healthy', 20_000, 'a to come back');
  await send(10);
  t.ok(a.traffic > aBefore, 'a takes traffic again');

  const metrics = (await adminText(sluice.admin, '/metrics')).text;
  t.ok((metricValue(metrics, 'sluice_health_checks_total{cluster="app",result="fail"}') ?? 0) >= 4, 'failed checks counted');
  t.ok((metricValue(metrics, 'sluice_health_checks_total{cluster="app",result="pass"}') ?? 0) >= 4, 'passed checks counted');
  t.equal(metricValue(metrics, `sluice_endpoint_healthy{cluster="app",endpoint="${a.backend.address}",zone=""}`), 1);
});
