// Metrics of a real proxy with 2 workers after known traffic: downstream requests by listener, route,
// method and status class, durations, body bytes, upstream requests by endpoint, connect times, TLS
// handshakes and errors, active gauges; every series sums the workers exactly. Then a reload turns
// endpoint labels off.
import t from 'tap';
import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { adminJson, adminText, eventually, metricValue } from '../helpers/admin.js';
import { startBackend } from '../helpers/backend.js';
import { makeCertificate } from '../helpers/certificates.js';
import { send } from '../helpers/http-request.js';
import { splitAddress } from '../helpers/raw-http.js';
import { closedAddress } from '../helpers/ports.js';
import { startSluice } from '../helpers/sluice-process.js';


/** Opens a TCP connection to a TLS port and sends plain HTTP: the handshake fails. */
function failedHandshake(address: string): Promise<void> {
  const [host, port] = splitAddress(address);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port }, () => socket.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n'));
    socket.on('error', () => { /* the server drops it */ });
    socket.on('close', () => resolve());
    socket.setTimeout(10_000, () => socket.destroy());
  });
}

t.test('metrics after known traffic, summed across two workers', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-metrics-'));
  const certificate = makeCertificate(dir, 'app', ['app.test']);
  const ca = readFileSync(certificate.cert, 'utf8');
  const backend = await startBackend(t, 'one');
  const down = await closedAddress();
  const config = (endpointLabels: boolean) => `
listeners:
  - { name: web, address: "127.0.0.1:0" }
  - { name: secure, address: "127.0.0.1:0", protocol: https, tls: { certificates: [{ cert: "${certificate.cert}", key: "${certificate.key}" }] } }
routes:
  - { host: app.test, paths: [{ path: /, pathType: Prefix, cluster: app }] }
  - { paths: [{ path: /down, pathType: Prefix, cluster: down }] }
clusters:
  - { name: app, endpoints: [{ address: "${backend.address}", zone: z1 }] }
  - { name: down, endpoints: [{ address: "${down}" }] }
metrics: { endpointLabels: ${endpointLabels} }
`;
  const sluice = await startSluice(t, config(true), { workers: 2 });
  const web = sluice.listeners.web!;

  const gets = Array.from({ length: 40 }, () => send(web, { host: 'app.test' }));
  const posts = Array.from({ length: 10 }, () => send(web, { method: 'POST', host: 'app.test', body: 'hello' }));
  const unrouted = Array.from({ length: 5 }, () => send(web, { host: 'other.test', path: '/x' }));
  const failing = Array.from({ length: 3 }, () => send(web, { host: 'other.test', path: '/down' }));
  const secure = Array.from({ length: 4 }, () => send(sluice.listeners.secure!, { host: 'app.test', ca }));
  const statuses = (await Promise.all([...gets, ...posts, ...unrouted, ...failing, ...secure])).map((r) => r.status);
  t.same(statuses, [...Array(50).fill(200), ...Array(5).fill(404), ...Array(3).fill(502), ...Array(4).fill(200)]);
  await failedHandshake(sluice.listeners.secure!);

  const { text } = await adminText(sluice.admin, '/metrics');
  const value = (series: string) => metricValue(text, series);
  const worker = (index: number) => value(`sluice_worker_connections_total{worker="${index}"}`) ?? 0;
  t.equal(worker(0) + worker(1), 62, 'every connection counted once (a failed TLS handshake is no accepted connection)');
  t.ok(worker(0) > 0 && worker(1) > 0, `both workers took connections (${worker(0)} / ${worker(1)}), so every sum below spans both`);

  const app = 'listener="web",route="app.test/",cluster="app"';
  t.equal(value(`sluice_requests_total{${app},method="GET",code_class="2xx"}`), 40);
  t.equal(value(`sluice_requests_total{${app},method="POST",code_class="2xx"}`), 10);
  t.equal(value('sluice_requests_total{listener="web",route="",cluster="",method="GET",code_class="4xx"}'), 5);
  t.equal(value('sluice_requests_total{listener="web",route="*/down",cluster="down",method="GET",code_class="5xx"}'), 3);
  t.equal(value('sluice_requests_total{listener="secure",route="app.test/",cluster="app",method="GET",code_class="2xx"}'), 4);
  t.equal(value(`sluice_request_duration_seconds_count{${app}}`), 50);
  t.equal(value(`sluice_request_duration_seconds_bucket{${app},le="+Inf"}`), 50);
  t.equal(value(`sluice_request_body_bytes_total{${app}}`), 50, '10 bodies of 5 bytes');
  t.equal(value(`sluice_response_body_bytes_total{${app}}`), 150, '50 bodies of 3 bytes ("one")');
  t.equal(value(`sluice_upstream_requests_total{cluster="app",endpoint="${backend.address}",code_class="2xx"}`), 54);
  t.equal(value(`sluice_upstream_requests_total{cluster="down",endpoint="${down}",code_class="5xx"}`), 3);
  t.equal(value('sluice_local_replies_total{code="no_route"}'), 5);
  t.equal(value('sluice_local_replies_total{code="upstream_connect_failed"}'), 3);
  t.equal(value('sluice_upstream_connect_duration_seconds_count{cluster="app"}'), backend.connections, 'one observation per connection the endpoint accepted');
  t.equal(value('sluice_tls_handshakes_total{listener="secure"}'), 4);
  t.equal(value('sluice_tls_handshake_errors_total{listener="secure"}'), 1);
  t.equal(value('sluice_downstream_requests_active'), 0);
  t.equal(value(`sluice_endpoint_active_requests{cluster="app",endpoint="${backend.address}",zone="z1"}`), 0);
  t.ok(text.includes(`sluice_endpoint_connections{cluster="app",endpoint="${backend.address}",zone="z1"}`));

  sluice.writeConfig(config(false));
  await eventually(async () => (await adminJson<{ workers: { version: number }[] }>(sluice.admin, '/config')).workers.every((w) => w.version === 2), 20_000, 'version 2');
  for (let i = 0; i < 2; i++) t.equal((await send(web, { host: 'app.test' })).status, 200);
  const after = (await adminText(sluice.admin, '/metrics')).text;
  t.equal(metricValue(after, 'sluice_upstream_requests_total{cluster="app",code_class="2xx"}'), 2, 'one series per cluster');
  t.notOk(after.includes(`endpoint="${backend.address}"`), 'no endpoint label anywhere');
  t.equal(metricValue(after, 'sluice_endpoint_active_requests{cluster="app"}'), 0);
  t.equal(await sluice.stop(), 0);
});
