// Outlier detection end to end (2 workers, 4 real backends, one answering 500): ejected at its fifth
// consecutive 500 — by whichever worker saw it — while the others keep serving, shown by the admin,
// counted as detected and enforced, and back in service after the ejection time; with retries on,
// concurrent clients see fewer than 1 % errors while that happens.
import t, { type Test } from 'tap';
import { request } from 'undici';
import { adminJson, adminText, eventually, metricValue } from '../helpers/admin.js';
import { startBackend } from '../helpers/backend.js';
import { startSluice } from '../helpers/sluice-process.js';

interface EndpointJson { address: string; ejected: boolean; ejectionCount: number; ejectedUntil?: string }

/** Three good backends and one answering 500 behind Sluice (2 workers); `clusterLines` tune cluster `app`. */
async function fourBackends(t: Test, clusterLines: string) {
  const good = await Promise.all(['a', 'b', 'c'].map((name) => startBackend(t, name)));
  const bad = await startBackend(t, 'bad', (req, res) => {
    req.resume();
    res.statusCode = 500;
    res.end('broken');
  });
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0" }]
routes: [{ paths: [{ path: /, pathType: Prefix, cluster: app }] }]
clusters:
  - name: app
    endpoints:
${[...good, bad].map((backend) => `      - address: "${backend.address}"`).join('\n')}
${clusterLines}
`, { workers: 2 });
  return { good, bad, sluice };
}

t.test('one of four backends answering 500 is ejected at its fifth request and returns after the ejection time', async (t) => {
  const { bad, sluice } = await fourBackends(t, `    balancer: round_robin
    outlierDetection: { consecutive5xx: 5, interval: 100ms, baseEjectionTime: 1s, maxEjectionPercent: 25 }`);

  const badView = async () => (await adminJson<EndpointJson[]>(sluice.admin, '/endpoints')).find((endpoint) => endpoint.address === bad.address)!;
  // One request at a time: the bad backend's fifth request is the one that ejects it.
  for (let sent = 0; bad.requests < 5 && sent < 100; sent++) {
    const response = await request(sluice.url('/'));
    await response.body.text();
    if (bad.requests < 5) t.equal((await badView()).ejected, false, `still in after ${bad.requests} of its requests`);
  }
  t.equal(bad.requests, 5);
  for (let i = 0; i < 20; i++) {
    const response = await request(sluice.url('/'));
    t.equal(response.statusCode, 200, 'the others keep serving');
    await response.body.text();
  }
  t.equal(bad.requests, 5, 'no traffic to the ejected backend, from either worker');
  const endpoints = await adminJson<EndpointJson[]>(sluice.admin, '/endpoints');
  const ejected = endpoints.find((endpoint) => endpoint.address === bad.address)!;
  t.match(ejected, { ejected: true, ejectionCount: 1 }, 'ejected at its fifth consecutive 500');
  t.ok(ejected.ejectedUntil, 'the admin says until when');
  t.same(endpoints.filter((endpoint) => endpoint.ejected).length, 1);

  const metrics = (await adminText(sluice.admin, '/metrics')).text;
  t.equal(metricValue(metrics, 'sluice_outlier_ejections_detected_total{cluster="app",reason="consecutive_5xx"}'), 1);
  t.equal(metricValue(metrics, 'sluice_outlier_ejections_enforced_total{cluster="app",reason="consecutive_5xx"}'), 1);
  t.equal(metricValue(metrics, `sluice_endpoint_ejected{cluster="app",endpoint="${bad.address}",zone=""}`), 1);

  await eventually(async () => !(await badView()).ejected, 20_000, 'the bad backend to return');
  t.ok(Date.now() >= Date.parse(ejected.ejectedUntil!), 'not back before its ejection time');
  t.equal((await badView()).ejectionCount, 1, 'the back-off count stays until it has been back an interval');
  for (let i = 0; i < 8; i++) await (await request(sluice.url('/'))).body.text();
  t.ok(bad.requests > 5, 'it takes traffic again after its return');
});

t.test('with retries on, clients of the four backends see < 1 % errors while the 500 one is found and ejected', async (t) => {
  const { good, bad, sluice } = await fourBackends(t, `    outlierDetection: { consecutive5xx: 5, interval: 10s, baseEjectionTime: 60s, maxEjectionPercent: 25 }
    retries: { attempts: 1, on: [5xx] }`);

  // Four clients at a time, 400 requests: least_request spreads them, so the bad backend is met early.
  const statuses: number[] = [];
  let next = 0;
  const client = async (): Promise<void> => {
    while (next < 400) {
      next++;
      const response = await request(sluice.url('/'));
      await response.body.text();
      statuses.push(response.statusCode);
    }
  };
  await Promise.all([client(), client(), client(), client()]);
  const failed = statuses.filter((status) => status !== 200).length;
  t.equal(statuses.length, 400);
  // A failure here is a 500 whose retry met maxRetries (3 in flight), when all four clients met the bad one at once.
  t.ok(failed < 4, `fewer than 1 % of the requests failed (${failed}: ${statuses.filter((status) => status !== 200).join(', ')})`);
  // Its fifth consecutive 500 ejects it; requests already in flight to it (at most one per client) may land after.
  t.ok(bad.requests >= 5 && bad.requests <= 5 + 3, `the bad backend got ${bad.requests} requests`);
  const endpoints = await adminJson<EndpointJson[]>(sluice.admin, '/endpoints');
  t.match(endpoints.find((endpoint) => endpoint.address === bad.address), { ejected: true, ejectionCount: 1 });
  t.equal(good.reduce((sum, backend) => sum + backend.requests, 0), 400 - failed, 'each request answered 200 came from a good backend, retried there when it met the bad one');
});
