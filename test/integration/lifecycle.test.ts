// The process around the data plane: both workers accept, reloads lose no request, SIGTERM lets
// in-flight requests finish.
import t from 'tap';
import { Agent, request } from 'undici';
import { adminJson, adminText, eventually, metricValue } from '../helpers/admin.js';
import { startBackend, type Backend } from '../helpers/backend.js';
import { startSluice } from '../helpers/sluice-process.js';

const configWith = (backends: Backend[], weights: number[] = backends.map(() => 1)) => `
listeners: [{ name: web, address: "127.0.0.1:0", protocol: http }]
routes: [{ paths: [{ path: /, pathType: Prefix, cluster: app }] }]
clusters:
  - name: app
    endpoints:
${backends.map((b, i) => `      - { address: "${b.address}", weight: ${weights[i]} }`).join('\n')}
`;

t.test('both workers accept connections', async (t) => {
  const backend = await startBackend(t, 'b');
  const sluice = await startSluice(t, configWith([backend]), { workers: 2 });
  for (let i = 0; i < 200; i++) {
    const response = await request(sluice.url('/'), { reset: true }); // a new connection each time
    await response.body.text();
  }
  const { text } = await adminText(sluice.admin, '/metrics');
  const perWorker = [0, 1].map((w) => metricValue(text, `sluice_worker_connections_total{worker="${w}"}`) ?? 0);
  t.equal(perWorker[0]! + perWorker[1]!, 200, 'every connection counted once');
  t.ok(perWorker[0]! > 0 && perWorker[1]! > 0, `both workers accepted (${perWorker.join(' / ')})`);
  t.equal(metricValue(text, 'sluice_requests_total{listener="web",route="*/",cluster="app",method="GET",code_class="2xx"}'), 200,
    'request counts from both workers sum exactly');
  await sluice.stop();
});

t.test('config reloads under continuous load fail no request', async (t) => {
  const backends = await Promise.all(['r1', 'r2', 'r3'].map((name) => startBackend(t, name)));
  const sluice = await startSluice(t, configWith(backends.slice(0, 2)), { workers: 2 });
  const agent = new Agent({ connections: 8 });
  t.teardown(() => agent.close());
  let stop = false;
  let ok = 0;
  const failures: string[] = [];
  const loop = async () => {
    while (!stop) {
      try {
        const response = await request(sluice.url('/'), { dispatcher: agent });
        await response.body.text();
        if (response.statusCode === 200) ok++;
        else failures.push(`status ${response.statusCode} ${response.headers['x-sluice-error']}`);
      } catch (error) {
        failures.push(String(error));
      }
    }
  };
  const loops = Array.from({ length: 6 }, loop);
  const variants = [
    configWith(backends, [1, 1, 1]),
    configWith(backends.slice(1), [2, 1]),
    configWith([backends[0]!, backends[2]!]),
    configWith(backends, [1, 3, 1]),
    configWith(backends.slice(0, 2)),
  ];
  let version = (await adminJson<{ version: number }>(sluice.admin, '/config')).version;
  for (const [i, variant] of variants.entries()) {
    sluice.writeConfig(variant);
    if (i % 2 === 1) sluice.child.kill('SIGHUP');
    const expected = version + 1;
    await eventually(async () => {
      const config = await adminJson<{ version: number; workers: { version: number }[] }>(sluice.admin, '/config');
      return config.version === expected && config.workers.every((w) => w.version === expected);
    }, 20_000, `version ${expected} everywhere`);
    version = expected;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  stop = true;
  await Promise.all(loops);
  t.same(failures, [], 'no failed request');
  t.ok(ok > 100, `${ok} requests succeeded during ${variants.length} reloads`);
  t.ok(backends[2]!.requests > 0, 'an endpoint added by a reload took traffic');

  sluice.writeConfig('listeners: [{ name: web, address: "nope", protocol: http }]\n');
  await eventually(async () => (await adminJson<{ lastReloadError: unknown }>(sluice.admin, '/config')).lastReloadError !== null,
    20_000, 'the invalid reload to be reported');
  const response = await request(sluice.url('/'));
  await response.body.text();
  t.equal(response.statusCode, 200, 'an invalid config leaves the last good one serving');
  t.equal(await sluice.stop(), 0);
});

t.test('SIGTERM lets in-flight slow requests complete, then exits 0', async (t) => {
  let started = 0;
  const slow = await startBackend(t, 'slow', (req, res) => {
    started++;
    req.resume();
    setTimeout(() => res.end('done'), 1_500);
  });
  const sluice = await startSluice(t, configWith([slow]), { workers: 2 });
  const inFlight = Array.from({ length: 6 }, async () => {
    const response = await request(sluice.url('/'), { reset: true });
    return { status: response.statusCode, body: await response.body.text() };
  });
  await eventually(() => started === 6, 10_000, 'all requests to reach the backend');
  const exit = sluice.stop('SIGTERM');
  const results = await Promise.all(inFlight);
  t.same(results, Array.from({ length: 6 }, () => ({ status: 200, body: 'done' })), 'every in-flight request completed');
  t.equal(await exit, 0, 'exit code 0');
});
