// Kubernetes as a configuration source, end to end: the real proxy (with workers) watches a stand-in
// kube-apiserver through @kubernetes/client-node, routes by the Ingresses it finds to the endpoints of
// their EndpointSlices, follows every change without dropping a kept-alive connection, terminates TLS
// with certificates from Secrets, skips a bad object with a problem naming it while the rest serves,
// keeps serving while the API server fails, relists after 410 Gone, and counts it all in /metrics.
import tap from 'tap';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { adminJson, adminText, eventually, metricValue } from '../helpers/admin.js';
import { startBackend } from '../helpers/backend.js';
import { makeCertificate } from '../helpers/certificates.js';
import { send } from '../helpers/http-request.js';
import { startKubeApiServer, type KubeApiServer, type KubeObject } from '../helpers/kube-api-server.js';
import { endpoint, endpointSlice, ingress, ingressClass, path as ingressPath, rule, service, tlsSecret } from '../helpers/kubernetes-objects.js';
import { splitAddress } from '../helpers/raw-http.js';
import { startSluice, type SluiceProcess } from '../helpers/sluice-process.js';

/** Stores a builder's object under `kind` (the builders leave kind out where the API's lists do). */
function put(api: KubeApiServer, kind: string, object: object): void {
  api.apply({ ...object, kind } as KubeObject);
}

function writeKubeconfig(api: KubeApiServer, dir: string): string {
  const file = path.join(dir, 'kubeconfig');
  writeFileSync(file, api.kubeConfig().exportConfig());
  return file;
}

interface KubernetesView {
  kubernetes: { synced: boolean; applied: boolean; problems: { object: string; field: string; message: string }[] };
}

/** GET through one kept-alive connection (agent with a single socket), answering status, body and the local port. */
function keptAliveGet(agent: http.Agent, address: string, host: string): Promise<{ status: number; body: string; localPort: number }> {
  const [hostname, port] = splitAddress(address);
  return new Promise((resolve, reject) => {
    const request = http.request({ host: hostname, port, path: '/', headers: { host }, agent }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => { body += chunk; });
      response.on('end', () => resolve({ status: response.statusCode!, body, localPort: request.socket!.localPort! }));
    });
    request.on('error', reject);
    request.setTimeout(15_000, () => request.destroy(new Error('no answer in 15 s')));
    request.end();
  });
}

async function startWatchingSluice(t: Pick<typeof tap, 'teardown'>, api: KubeApiServer, dir: string, listeners: string): Promise<SluiceProcess> {
  const kubeconfig = writeKubeconfig(api, dir);
  return startSluice(t, `
listeners: [${listeners}]
kubernetes: { kubeconfig: "${kubeconfig}" }
`);
}

tap.test('routes by Ingress to EndpointSlice endpoints and follows every change on a kept-alive connection', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-k8s-'));
  const api = await startKubeApiServer(t);
  const blue = await startBackend(t, 'blue');
  const green = await startBackend(t, 'green');
  put(api, 'IngressClass', ingressClass('sluice'));
  put(api, 'IngressClass', ingressClass('other', { controller: 'example.com/other' }));
  put(api, 'Service', service('shop/web', [{ name: 'http', port: 80, targetPort: 8080 }]));
  put(api, 'EndpointSlice', endpointSlice('shop/web-abc', 'web', [{ name: 'http', port: blue.port }], [endpoint('127.0.0.1', { zone: 'zone-a' })]));
  put(api, 'Ingress', ingress('shop/web', { rules: [rule('shop.example.com', ingressPath('/', 'Prefix', 'web', 80))] }));
  put(api, 'Ingress', ingress('shop/foreign', { ingressClassName: 'other', rules: [rule('foreign.example.com', ingressPath('/', 'Prefix', 'web', 80))] }));

  const sluice = await startWatchingSluice(t, api, dir, '{ name: web, address: "127.0.0.1:0" }');
  await eventually(async () => (await adminText(sluice.admin, '/readyz')).status === 200, 20_000, 'ready once Kubernetes is applied');
  const address = sluice.listeners['web']!;

  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  const first = await keptAliveGet(agent, address, 'shop.example.com');
  t.same([first.status, first.body], [200, 'blue'], 'the Ingress routes to the EndpointSlice endpoint');
  t.equal((await send(address, { host: 'foreign.example.com' })).status, 404, "another controller's Ingress is not served");

  const clusters = await adminJson<{ name: string; endpoints: { address: string; zone: string }[] }[]>(sluice.admin, '/clusters');
  const web = clusters.find(({ name }) => name === 'shop/web:80');
  t.same(web?.endpoints.map(({ address: endpointAddress, zone }) => ({ address: endpointAddress, zone })), [{ address: `127.0.0.1:${blue.port}`, zone: 'zone-a' }],
    'the cluster is named namespace/service:port and carries the endpoint zone');

  // The endpoint moves (a rollout): new requests on the same client connection go to the new one.
  put(api, 'EndpointSlice', endpointSlice('shop/web-abc', 'web', [{ name: 'http', port: green.port }], [endpoint('127.0.0.1')]));
  await eventually(async () => (await keptAliveGet(agent, address, 'shop.example.com')).body === 'green', 20_000, 'the new endpoint serves');
  const after = await keptAliveGet(agent, address, 'shop.example.com');
  t.equal(after.localPort, first.localPort, 'the client connection was kept across the changes');

  // A second path on a second Ingress, then the first Ingress goes away.
  put(api, 'Ingress', ingress('shop/api', { rules: [rule('shop.example.com', ingressPath('/api', 'Prefix', 'web', 'http'))] }, { created: '2024-02-01T00:00:00Z' }));
  await eventually(async () => (await send(address, { host: 'shop.example.com', path: '/api/cart' })).body === 'green', 20_000, 'the named-port path serves');
  api.remove('Ingress', 'shop', 'web');
  await eventually(async () => (await send(address, { host: 'shop.example.com', path: '/' })).status === 404, 20_000, 'the removed Ingress stops routing');
  t.equal((await send(address, { host: 'shop.example.com', path: '/api' })).body, 'green', 'the other Ingress still routes');

  const metrics = (await adminText(sluice.admin, '/metrics')).text;
  t.ok((metricValue(metrics, 'sluice_kubernetes_watch_events_total{resource="ingresses",type="ADDED"}') ?? 0) >= 1, 'watch ADDED events are counted');
  t.ok((metricValue(metrics, 'sluice_kubernetes_watch_events_total{resource="ingresses",type="DELETED"}') ?? 0) >= 1, 'watch DELETED events are counted');
  t.equal(metricValue(metrics, 'sluice_kubernetes_lists_total{resource="endpointslices"}'), 1, 'one list per resource so far');
  const lastSync = metricValue(metrics, 'sluice_kubernetes_last_sync_timestamp_seconds{resource="ingresses"}') ?? 0;
  t.ok(Math.abs(lastSync - Date.now() / 1000) < 300, 'the last sync time is recent');
});

tap.test('a bad object is skipped with a problem naming it; the rest serves, and API failures keep the last configuration', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-k8s-'));
  const api = await startKubeApiServer(t);
  const backend = await startBackend(t, 'shop');
  put(api, 'IngressClass', ingressClass('sluice'));
  put(api, 'Service', service('shop/web', [{ port: 80 }]));
  put(api, 'EndpointSlice', endpointSlice('shop/web-1', 'web', [{ port: backend.port }], [endpoint('127.0.0.1')]));
  put(api, 'Ingress', ingress('shop/web', { rules: [rule('shop.example.com', ingressPath('/', 'Prefix', 'web', 80))] }));
  put(api, 'Ingress', ingress('shop/broken', { rules: [rule('Bad_Host', ingressPath('/', 'Prefix', 'web', 80))] }));

  const sluice = await startWatchingSluice(t, api, dir, '{ name: web, address: "127.0.0.1:0" }');
  await eventually(async () => (await adminText(sluice.admin, '/readyz')).status === 200, 20_000, 'ready');
  const address = sluice.listeners['web']!;
  t.equal((await send(address, { host: 'shop.example.com' })).body, 'shop', 'the good Ingress serves');
  const { kubernetes } = await adminJson<KubernetesView>(sluice.admin, '/config');
  t.match(kubernetes.problems, [{ object: 'Ingress shop/broken', field: 'spec.rules[0].host' }], '/config names the object and field');
  await sluice.waitForLog((line) => line.msg === 'kubernetes object skipped' && line.object === 'Ingress shop/broken');

  // The API server fails every request for a while: the watches break, retries fail, traffic flows.
  // Meanwhile an Ingress is added and the history is compacted past it, so the watches that come
  // back get 410 Gone and the source must list again to see it.
  api.failNext(() => true, 503, 6);
  api.endWatches();
  put(api, 'Ingress', ingress('shop/new', { rules: [rule('new.example.com', ingressPath('/', 'Exact', 'web', 80))] }));
  api.compact();
  await eventually(async () => {
    const text = (await adminText(sluice.admin, '/metrics')).text;
    return (metricValue(text, 'sluice_kubernetes_watch_errors_total{resource="ingresses"}') ?? 0) >= 1;
  }, 20_000, 'a failed list is counted');
  t.equal((await send(address, { host: 'shop.example.com' })).body, 'shop', 'the last configuration keeps serving while the API fails');

  // The API is back (the failures are used up): after 410 Gone the source relists and sees the new Ingress.
  await eventually(async () => (await send(address, { host: 'new.example.com' })).status === 200, 30_000, 'a relist picks up what changed');
  const metrics = (await adminText(sluice.admin, '/metrics')).text;
  t.ok((metricValue(metrics, 'sluice_kubernetes_lists_total{resource="ingresses"}') ?? 0) >= 2, 'the ingresses were listed again');
});

tap.test('TLS from a kubernetes.io/tls Secret: SNI picks it; the file certificate stays the default', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-k8s-'));
  const api = await startKubeApiServer(t);
  const backend = await startBackend(t, 'secure');
  const fallback = makeCertificate(dir, 'fallback', ['fallback.example.com']);
  const shop = makeCertificate(dir, 'shop', ['shop.example.com']);
  put(api, 'IngressClass', ingressClass('sluice'));
  put(api, 'Service', service('shop/web', [{ port: 80 }]));
  put(api, 'EndpointSlice', endpointSlice('shop/web-1', 'web', [{ port: backend.port }], [endpoint('127.0.0.1')]));
  put(api, 'Secret', tlsSecret('shop/shop-tls', { cert: readFileSync(shop.cert, 'utf8'), key: readFileSync(shop.key, 'utf8') }));
  put(api, 'Ingress', ingress('shop/web', {
    tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }],
    rules: [rule('shop.example.com', ingressPath('/', 'Prefix', 'web', 80))],
  }));
  const sluice = await startWatchingSluice(t, api, dir,
    `{ name: plain, address: "127.0.0.1:0" }, { name: secure, address: "127.0.0.1:0", protocol: https, tls: { certificates: [{ cert: "${fallback.cert}", key: "${fallback.key}" }] } }`);
  await eventually(async () => (await adminText(sluice.admin, '/readyz')).status === 200, 20_000, 'ready');

  const [host, port] = splitAddress(sluice.listeners['secure']!);
  const response = await new Promise<{ status: number; body: string; fingerprint: string }>((resolve, reject) => {
    const request = https.request({ host, port, servername: 'shop.example.com', ca: readFileSync(shop.cert), headers: { host: 'shop.example.com' }, agent: false }, (res) => {
      let body = '';
      const fingerprint = (res.socket as import('node:tls').TLSSocket).getPeerCertificate().fingerprint256;
      res.setEncoding('utf8').on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode!, body, fingerprint }));
    });
    request.on('error', reject);
    request.setTimeout(15_000, () => request.destroy(new Error('no answer in 15 s')));
    request.end();
  });
  t.same([response.status, response.body], [200, 'secure'], 'HTTPS with the Secret certificate (verified against it) reaches the endpoint');
  t.equal(response.fingerprint, new X509Certificate(readFileSync(shop.cert)).fingerprint256, "SNI picked the Secret's certificate");

  const redirect = await send(sluice.listeners['plain']!, { host: 'shop.example.com', path: '/cart' });
  t.equal(redirect.status, 308, 'plain HTTP to a TLS host is redirected to https (the ingress-nginx default)');

  const config = await adminJson<{ snapshot: { listeners: { name: string; tls?: { certificates: { secret?: string; certFile?: string }[] } }[] } }>(sluice.admin, '/config');
  const certificates = config.snapshot.listeners.find(({ name }) => name === 'secure')?.tls?.certificates;
  t.same(certificates?.map((certificate) => certificate.secret ?? certificate.certFile), ['shop/shop-tls', fallback.cert], '/config shows the Secret by name, never its key');
  t.notOk(JSON.stringify(config).includes('PRIVATE KEY'), 'no key material in /config');
  const secretRequests = api.requests.filter(({ path: requestPath }) => requestPath === '/api/v1/secrets');
  t.ok(secretRequests.some(({ query }) => query['watch'] === 'true'), 'Secrets are watched');
  t.ok(secretRequests.every(({ query }) => query['fieldSelector'] === 'type=kubernetes.io/tls'), 'only TLS Secrets are listed and watched');
});

tap.test('a kubeconfig that cannot be read stops the start with its reason, before anything binds', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-k8s-'));
  const missing = path.join(dir, 'no-such-kubeconfig');
  const failure = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0" }]
kubernetes: { kubeconfig: "${missing}" }
`).then(() => undefined, (error: Error) => error);
  t.match(failure?.message, /sluice exited \(1\)/, 'the process exits with 1');
  t.match(failure?.message, missing, 'the message names the kubeconfig file');
});
