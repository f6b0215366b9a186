// The admin endpoint of a real sluice process (2 workers): health, readiness, /config, /endpoints,
// /metrics, 404 for the rest, and a clean exit on SIGTERM.
import t from 'tap';
import { request } from 'undici';
import { adminJson, adminText, metricValue, untilNoneActive } from '../helpers/admin.js';
import { startBackend } from '../helpers/backend.js';
import { startSluice } from '../helpers/sluice-process.js';

t.test('admin endpoint reports the running proxy', async (t) => {
  const backend = await startBackend(t, 'one');
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0", protocol: http }]
routes: [{ paths: [{ path: /, pathType: Prefix, cluster: app }] }]
clusters:
  - name: app
    endpoints: [{ address: "${backend.address}", zone: zone-a, weight: 3 }]
`, { workers: 2 });

  t.same(await adminText(sluice.admin, '/healthz'), { status: 200, text: 'ok\n' });
  t.same(await adminText(sluice.admin, '/readyz'), { status: 200, text: 'ready\n' });

  const config = await adminJson<{
    version: number; hash: string; snapshot: { version: number; hash: string };
    workers: { index: number; version: number }[]; lastReloadError: unknown;
    listeners: { name: string; address: string }[];
  }>(sluice.admin, '/config');
  t.equal(config.version, 1);
  t.equal(config.snapshot.version, 1);
  t.equal(config.hash, config.snapshot.hash);
  t.match(config.hash, /^[0-9a-f]{64}$/);
  t.same(config.workers, [{ index: 0, version: 1, lastError: null }, { index: 1, version: 1, lastError: null }]);
  t.equal(config.lastReloadError, null);
  t.match(config.listeners, [{ name: 'web', address: sluice.listeners.web }]);

  const response = await request(sluice.url('/'));
  t.equal(await response.body.text(), 'one');
  await untilNoneActive(sluice.admin);
  t.same(await adminJson(sluice.admin, '/endpoints'), [
    { cluster: 'app', address: backend.address, zone: 'zone-a', weight: 3, slot: 0, active: 0, total: 1, connections: 1 },
  ]);

  const { status, text } = await adminText(sluice.admin, '/metrics');
  t.equal(status, 200);
  t.equal(metricValue(text, 'sluice_config_version'), 1);
  t.equal(metricValue(text, 'sluice_workers'), 2);
  t.equal(metricValue(text, `sluice_endpoint_active_requests{cluster="app",endpoint="${backend.address}",zone="zone-a"}`), 0);
  t.equal(metricValue(text, 'sluice_requests_total{listener="web",route="*/",cluster="app",method="GET",code_class="2xx"}'), 1, 'worker metrics are gathered');

  const missing = await adminText(sluice.admin, '/nope');
  t.equal(missing.status, 404);
  t.match(JSON.parse(missing.text), { error: 'not_found' });

  t.equal(await sluice.stop('SIGTERM'), 0);
});

t.test('an invalid reload counts as failed and is reported; the version stays', async (t) => {
  const backend = await startBackend(t, 'one');
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0", protocol: http }]
routes: [{ paths: [{ path: /, pathType: Prefix, cluster: app }] }]
clusters: [{ name: app, endpoints: [{ address: "${backend.address}" }] }]
`, { workers: 1 });
  sluice.writeConfig('listeners: [{ name: web, address: "127.0.0.1:0", protocol: http }]\nclusters: 7\n');
  sluice.child.kill('SIGHUP');
  await sluice.waitForLog((line) => line.level === 'error' && String(line.problems).includes('clusters'));
  const config = await adminJson<{ version: number; lastReloadError: { message: string } | null }>(sluice.admin, '/config');
  t.equal(config.version, 1);
  t.match(config.lastReloadError?.message, `${sluice.configFile}: clusters`);
  const { text } = await adminText(sluice.admin, '/metrics');
  t.ok((metricValue(text, 'sluice_config_reloads_total{result="failed"}') ?? 0) >= 1);
  t.equal(await sluice.stop('SIGTERM'), 0);
});
