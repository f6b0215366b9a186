// Admin introspection on a real proxy (2 workers): /clusters with live counters, /routes in precedence
// order, /logging changing the level of the main thread and every worker, and the bearer token
// (the command line's wins over the file's; probes stay open).
import t from 'tap';
import { request } from 'undici';
import { adminJson, eventually, untilNoneActive } from '../helpers/admin.js';
import { startBackend } from '../helpers/backend.js';
import { send } from '../helpers/http-request.js';
import { startSluice } from '../helpers/sluice-process.js';

t.test('/clusters, /routes and /logging', async (t) => {
  const one = await startBackend(t, 'one');
  const two = await startBackend(t, 'two');
  const config = (extra = '') => `
listeners: [{ name: web, address: "127.0.0.1:0" }]
routes:
  - paths: [{ path: /, pathType: Prefix, cluster: app }]
  - host: "*.example.com"
    paths: [{ path: /api, pathType: Prefix, cluster: api }]
  - host: shop.example.com
    paths:
      - { path: /a, pathType: Prefix, cluster: app }
      - { path: /a/b, pathType: Prefix, cluster: api }
      - { path: /a, pathType: Exact, cluster: api }
clusters:
  - { name: app, balancer: round_robin, endpoints: [{ address: "${one.address}", zone: z1, weight: 2 }] }
  - { name: api, endpoints: [{ address: "${two.address}", zone: z2 }] }
${extra}`;
  const sluice = await startSluice(t, config(), { workers: 2 });
  for (let i = 0; i < 3; i++) t.equal((await send(sluice.listeners.web!, { host: 'x.test' })).body, 'one');
  await untilNoneActive(sluice.admin);

  const clusters = await adminJson<Record<string, unknown>[]>(sluice.admin, '/clusters');
  t.match(clusters, [
    {
      name: 'app', protocol: 'http1', balancer: 'round_robin',
      endpoints: [{ address: one.address, zone: 'z1', weight: 2, health: 'healthy', ejected: false, ejectionCount: 0, available: true, active: 0, total: 3 }],
    },
    {
      name: 'api', protocol: 'http1', balancer: 'least_request',
      endpoints: [{ address: two.address, zone: 'z2', weight: 1, health: 'healthy', ejected: false, ejectionCount: 0, available: true, active: 0, total: 0, connections: 0 }],
    },
  ]);

  t.same(await adminJson(sluice.admin, '/routes'), {
    routes: [
      { host: 'shop.example.com', path: '/a', pathType: 'Exact', cluster: 'api' },
      { host: 'shop.example.com', path: '/a/b', pathType: 'Prefix', cluster: 'api' },
      { host: 'shop.example.com', path: '/a', pathType: 'Prefix', cluster: 'app' },
      { host: '*.example.com', path: '/api', pathType: 'Prefix', cluster: 'api' },
      { host: null, path: '/', pathType: 'Prefix', cluster: 'app' },
    ],
    defaultCluster: null,
  });

  t.same(await adminJson(sluice.admin, '/logging'), { level: 'info' });
  const isWorkerDebug = (line: Record<string, unknown>) => line.level === 'debug' && String(line.component).startsWith('worker-');
  t.notOk(sluice.logs.some(isWorkerDebug), 'no debug lines at level info');
  const bad = await request(`http://${sluice.admin}/logging?level=loud`, { method: 'POST' });
  t.equal(bad.statusCode, 400);
  t.match(await bad.body.json(), { error: 'bad_request', message: 'level must be one of debug, info, warn, error, got "loud"' });
  const set = await request(`http://${sluice.admin}/logging?level=debug`, { method: 'PUT' });
  t.same([set.statusCode, await set.body.json()], [200, { level: 'debug' }]);
  t.same(await adminJson(sluice.admin, '/logging'), { level: 'debug' });
  sluice.writeConfig(config('drainTimeout: 20s\n'));
  for (const worker of ['worker-0', 'worker-1']) {
    await sluice.waitForLog((line) => isWorkerDebug(line) && line.component === worker && line.msg === 'snapshot applied' && line.version === 2);
  }
  t.pass('both workers log at debug after /logging');
  const deleted = await request(`http://${sluice.admin}/logging`, { method: 'DELETE' });
  t.same([deleted.statusCode, deleted.headers.allow], [405, 'GET, HEAD, POST, PUT']);
  await deleted.body.dump();
  t.equal(await sluice.stop(), 0);
});

t.test('bearer token: 401 without it, 200 with it; the flag beats the file; probes stay open', async (t) => {
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0" }]
admin: { token: from-file }
`, { workers: 1, args: ['--admin-token', 'from-flag'] });
  const get = async (path: string, token?: string) => {
    const response = await request(`http://${sluice.admin}${path}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
    await response.body.dump();
    return { status: response.statusCode, challenge: response.headers['www-authenticate'] };
  };
  t.same(await get('/config'), { status: 401, challenge: 'Bearer realm="sluice-admin"' });
  t.same(await get('/metrics', 'from-file'), { status: 401, challenge: 'Bearer realm="sluice-admin"' });
  t.same(await get('/config', 'from-flag'), { status: 200, challenge: undefined });
  t.same(await get('/logging', 'from-flag'), { status: 200, challenge: undefined });
  t.same(await get('/healthz'), { status: 200, challenge: undefined });
  await eventually(async () => (await get('/readyz')).status === 200, 20_000, 'ready without a token');
  t.equal(await sluice.stop(), 0);
});
