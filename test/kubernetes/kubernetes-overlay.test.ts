// KubernetesOverlay against the stand-in kube-apiserver (through a kubeconfig file, as configured): the
// file's configuration alone until every kind is listed, `applied` only after a compose that included
// the synced objects, each object problem logged once, the translation settings read from every
// rebuild's file, and a warning (once) when the connection settings change without a restart.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { parseConfig, type SluiceConfig } from '../../src/config/index.js';
import { KubernetesOverlay } from '../../src/kubernetes/kubernetes-overlay.js';
import type { KubernetesEvents } from '../../src/kubernetes/kubernetes-source.js';
import { log } from '../../src/log.js';
import { eventually } from '../helpers/admin.js';
import { accepted } from '../helpers/config-results.js';
import { startKubeApiServer, type KubeApiServer, type KubeObject } from '../helpers/kube-api-server.js';
import { endpoint, endpointSlice, ingress, ingressClass, path, rule, service } from '../helpers/kubernetes-objects.js';
import { ManualScheduler } from '../helpers/manual-scheduler.js';

function put(api: KubeApiServer, kind: string, object: object): void {
  api.apply({ ...object, kind } as KubeObject);
}

const WEB_SERVICE = service('shop/web', [{ name: 'http', port: 80 }]);
const MISSING_SERVICE = {
  object: 'Ingress shop/web', field: 'spec.rules[0].http.paths[0].backend.service.name', message: 'no Service shop/web; left out (ingress-nginx would answer 503)',
};

interface Harness {
  readonly api: KubeApiServer;
  readonly scheduler: ManualScheduler;
  readonly overlay: KubernetesOverlay;
  /** The configuration file, validated, with `kubernetes: { kubeconfig, ...kubernetes }`. */
  file(kubernetes?: string): SluiceConfig;
  /** onChange calls so far. */
  changes(): number;
  /** Watch events so far. */
  watchEvents(): number;
}

/** The stand-in server with our IngressClass, Ingress shop/web and its EndpointSlice (the Service only when `withService`), and an overlay on it, not started. */
async function harness(t: Test, withService = true): Promise<Harness> {
  const api = await startKubeApiServer(t);
  put(api, 'IngressClass', ingressClass('sluice'));
  put(api, 'Ingress', ingress('shop/web', { rules: [rule('shop.example.com', path('/', 'Prefix', 'web', 80))] }));
  if (withService) put(api, 'Service', WEB_SERVICE);
  put(api, 'EndpointSlice', endpointSlice('shop/web-1', 'web', [{ name: 'http', port: 8080 }], [endpoint('10.0.0.1')]));
  const dir = t.testdir();
  writeFileSync(join(dir, 'kubeconfig'), api.kubeConfig().exportConfig());
  const file = (kubernetes = '') => accepted(parseConfig(`
listeners: [{ name: web, address: "127.0.0.1:0" }]
routes: [{ host: files.example.com, paths: [{ path: /, pathType: Prefix, cluster: files }] }]
clusters: [{ name: files, endpoints: [{ address: "127.0.0.1:9001" }] }]
kubernetes: { kubeconfig: kubeconfig${kubernetes} }
`, dir));
  const scheduler = new ManualScheduler();
  let changes = 0;
  let watchEvents = 0;
  const events: KubernetesEvents = { watchEvent: () => { watchEvents++; }, listed: () => {}, heard: () => {}, failed: () => {} };
  const overlay = new KubernetesOverlay(file().kubernetes!, events, () => { changes++; }, scheduler);
  t.teardown(() => overlay.stop());
  return { api, scheduler, overlay, file, changes: () => changes, watchEvents: () => watchEvents };
}

const within = (check: () => boolean, what: string): Promise<void> => eventually(check, 10_000, what);
const hosts = (config: SluiceConfig) => config.routes.map(({ host }) => host);

t.test('until every kind is listed the file\'s configuration is used alone, and applying it does not make Kubernetes applied', async (t) => {
  const h = await harness(t);
  const file = h.file();
  const before = h.overlay.compose(file);
  t.ok(before.ok);
  t.equal(before.ok && before.config, file, 'the file\'s configuration itself');
  h.overlay.applied();
  t.same(h.overlay.status(), { synced: false, applied: false, problems: [] });

  h.overlay.start();
  await within(() => h.overlay.status().synced, 'the sync');
  t.same(h.overlay.status(), { synced: true, applied: false, problems: [] });
  h.overlay.applied();
  t.equal(h.overlay.status().applied, false, 'what runs was composed before the sync');
  t.equal(h.changes(), 0);
  h.scheduler.advance(100);
  t.equal(h.changes(), 1, 'the source asks for the rebuild');

  const after = accepted(h.overlay.compose(file));
  t.same(hosts(after), ['files.example.com', 'shop.example.com']);
  t.same(after.clusters.map(({ name }) => name), ['files', 'shop/web:80']);
  t.equal(h.overlay.status().applied, false, 'composed, not yet running');
  h.overlay.applied();
  t.same(h.overlay.status(), { synced: true, applied: true, problems: [] });
});

t.test('each object problem is logged once, not on every rebuild; fixed and broken again, it is logged again', async (t) => {
  const h = await harness(t, false);
  const warnings = t.capture(log, 'warn');
  h.overlay.start();
  await within(() => h.overlay.status().synced, 'the sync');
  const skipped = (problem: typeof MISSING_SERVICE) => ['kubernetes object skipped', { object: problem.object, field: problem.field, problem: problem.message }];
  const warned = () => warnings().map(({ args }) => args);

  t.same(hosts(accepted(h.overlay.compose(h.file()))), ['files.example.com'], 'the Ingress without its Service routes nothing');
  t.same(h.overlay.status().problems, [MISSING_SERVICE]);
  t.same(warned(), [skipped(MISSING_SERVICE)]);
  h.overlay.compose(h.file());
  h.overlay.compose(h.file());
  t.same(warned(), [], 'the same problem is not logged again');
  t.same(h.overlay.status().problems, [MISSING_SERVICE]);

  put(h.api, 'Service', WEB_SERVICE);
  await within(() => h.watchEvents() === 1, 'the Service');
  t.same(hosts(accepted(h.overlay.compose(h.file()))), ['files.example.com', 'shop.example.com']);
  t.same(h.overlay.status().problems, []);
  t.same(warned(), []);

  h.api.remove('Service', 'shop', 'web');
  await within(() => h.watchEvents() === 2, 'the deletion');
  h.overlay.compose(h.file());
  t.same(warned(), [skipped(MISSING_SERVICE)], 'broken again: logged again');
});

t.test('the translation settings are read from each rebuild\'s file: another controller name, and our Ingress is not served', async (t) => {
  const h = await harness(t);
  t.capture(log, 'warn');
  h.overlay.start();
  await within(() => h.overlay.status().synced, 'the sync');
  t.same(hosts(accepted(h.overlay.compose(h.file()))), ['files.example.com', 'shop.example.com']);
  t.same(hosts(accepted(h.overlay.compose(h.file(', controllerName: example.com/other')))), ['files.example.com']);
  t.same(hosts(accepted(h.overlay.compose(h.file()))), ['files.example.com', 'shop.example.com']);
});

t.test('changed connection settings are warned about once per change: they apply only at start', async (t) => {
  const h = await harness(t);
  const warnings = t.capture(log, 'warn');
  h.overlay.start();
  await within(() => h.overlay.status().synced, 'the sync');
  const restart = (changed: string) => ['kubernetes connection settings apply at start; restart Sluice to use them', { changed }];
  const warned = () => warnings().map(({ args }) => args);

  h.overlay.compose(h.file());
  t.same(warned(), [], 'unchanged');
  h.overlay.compose(h.file(', namespace: other'));
  t.same(warned(), [restart('namespace')]);
  h.overlay.compose(h.file(', namespace: other'));
  t.same(warned(), [], 'the same change is warned about once');
  const composed = accepted(h.overlay.compose(h.file(', namespace: other, context: prod')));
  t.same(warned(), [restart('context, namespace')], 'another change: warned again');
  t.same(hosts(composed), ['files.example.com', 'shop.example.com'], 'still the objects of the namespaces watched since start');
  h.overlay.compose(h.file());
  t.same(warned(), [], 'back to the settings it runs with');
  h.overlay.compose(h.file(', namespace: other'));
  t.same(warned(), [restart('namespace')], 'changed again');
});
