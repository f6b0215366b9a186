// Metrics of a real proxy with 2 workers after known traffic: downstream requests by listener, route,
// method and status class, durations, body bytes, upstream requests by endpoint, connect times, TLS
// handshakes and errors, active gauges; every series sums the workers exactly. Then a reload turns
// endpoint labels off. Body bytes of HTTP/2 streams (to http1 and h2c clusters) and of HTTP/1.1
// responses from an h2c cluster, in /metrics and the access log; connect times of HTTP/2 sessions.
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { adminJson, adminText, eventually, metricValue, untilNoneActive } from '../helpers/admin.js';
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
  await untilNoneActive(sluice.admin);

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
  await untilNoneActive(sluice.admin);
  const after = (await adminText(sluice.admin, '/metrics')).text;
  t.equal(metricValue(after, 'sluice_upstream_requests_total{cluster="app",code_class="2xx"}'), 2, 'one series per cluster');
  t.notOk(after.includes(`endpoint="${backend.address}"`), 'no endpoint label anywhere');
  t.equal(metricValue(after, 'sluice_endpoint_active_requests{cluster="app"}'), 0);
  t.equal(await sluice.stop(), 0);
});

/** POSTs `body` on an HTTP/2 stream; `length` false sends no content-length (chunked towards an HTTP/1.1 endpoint). */
function h2Post(client: http2.ClientHttp2Session, pathname: string, body: string, length: boolean): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = client.request({ ':method': 'POST', ':path': pathname, ...(length ? { 'content-length': String(body.length) } : {}) });
    let status = 0;
    let text = '';
    stream.on('response', (headers) => { status = Number(headers[':status']); });
    stream.setEncoding('utf8').on('data', (chunk: string) => { text += chunk; });
    stream.on('end', () => resolve({ status, body: text }));
    stream.on('error', reject);
    stream.setTimeout(20_000, () => stream.close(http2.constants.NGHTTP2_CANCEL));
    stream.end(body);
  });
}

t.test('HTTP/2 body bytes (both cluster kinds), h2c responses to HTTP/1.1 clients, HTTP/2 session connect times', async (t) => {
  const h1 = await startBackend(t, 'h1', (req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => { body += chunk; });
    req.on('end', () => res.end(`h1:${body}`));
  });
  const h2Server = http2.createServer();
  let h2Sessions = 0;
  h2Server.on('session', () => { h2Sessions++; });
  h2Server.on('stream', (stream) => {
    let body = '';
    stream.setEncoding('utf8').on('data', (chunk: string) => { body += chunk; });
    stream.on('end', () => {
      stream.respond({ ':status': 200 });
      stream.end(`h2:${body}`);
    });
  });
  await new Promise<void>((resolve) => h2Server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => h2Server.close(() => resolve())));
  const h2Address = `127.0.0.1:${(h2Server.address() as AddressInfo).port}`;
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0" }]
routes:
  - paths:
      - { path: /http1, pathType: Prefix, cluster: h1 }
      - { path: /h2c, pathType: Prefix, cluster: h2 }
clusters:
  - { name: h1, endpoints: [{ address: "${h1.address}" }] }
  - { name: h2, protocol: h2c, endpoints: [{ address: "${h2Address}" }] }
accessLog: { enabled: true, path: access.log }
`, { workers: 2 });
  const web = sluice.listeners.web!;
  const client = http2.connect(`http://${web}`);
  t.teardown(() => client.close());

  const large = 'x'.repeat(100_000);
  const toH1Length = await h2Post(client, '/http1/length', 'hello', true);
  const toH1Chunked = await h2Post(client, '/http1/chunked', large, false);
  const toH2 = await h2Post(client, '/h2c/from-h2', 'abcdefg', false);
  const h1ToH2 = await send(web, { method: 'POST', path: '/h2c/from-h1', body: 'hello' });
  t.same([toH1Length, toH1Chunked, toH2, h1ToH2].map((r) => [r.status, r.body.length]),
    [[200, 8], [200, 100_003], [200, 10], [200, 8]]);

  const { text } = await adminText(sluice.admin, '/metrics');
  const value = (series: string) => metricValue(text, series);
  t.equal(value('sluice_request_body_bytes_total{listener="web",route="*/http1",cluster="h1"}'), 100_005, 'h2c client → http1 cluster: 5 + 100000');
  t.equal(value('sluice_response_body_bytes_total{listener="web",route="*/http1",cluster="h1"}'), 100_011, '8 + 100003, without chunked framing');
  t.equal(value('sluice_request_body_bytes_total{listener="web",route="*/h2c",cluster="h2"}'), 12, 'h2c client 7 + HTTP/1.1 client 5');
  t.equal(value('sluice_response_body_bytes_total{listener="web",route="*/h2c",cluster="h2"}'), 18, 'h2c client 10 + HTTP/1.1 client 8');
  t.ok(h2Sessions > 0);
  t.equal(value('sluice_upstream_connect_duration_seconds_count{cluster="h2"}'), h2Sessions, 'one observation per HTTP/2 session the endpoint accepted');

  const logFile = path.join(path.dirname(sluice.configFile), 'access.log');
  const lines = () => existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>) : [];
  await eventually(() => lines().length === 4, 20_000, 'four access log lines');
  const bytes = Object.fromEntries(lines().map((line) => [line.path, [line.protocol, line.bytesIn, line.bytesOut]]));
  t.same(bytes, {
    '/http1/length': ['HTTP/2', 5, 8],
    '/http1/chunked': ['HTTP/2', 100_000, 100_003],
    '/h2c/from-h2': ['HTTP/2', 7, 10],
    '/h2c/from-h1': ['HTTP/1.1', 5, 8],
  });
  t.equal(await sluice.stop(), 0);
});
