// KubernetesSource against the stand-in kube-apiserver through the real @kubernetes/client-node: nothing
// is reported before every kind is listed, changes are debounced, the cache is exactly the server's,
// failures back off (doubling, capped, reset), events are counted, stop() leaves nothing running, and a
// watch resumes from its resourceVersion unless compaction forces a relist. Time is a ManualScheduler.
import t, { type Test } from 'tap';
import { Watch } from '@kubernetes/client-node';
import { KubernetesSource, type KubernetesEvents, type KubernetesSourceOptions } from '../../src/kubernetes/kubernetes-source.js';
import type { KubernetesObjects } from '../../src/kubernetes/translate.js';
import { log } from '../../src/log.js';
import { eventually } from '../helpers/admin.js';
import { startKubeApiServer, type KubeApiServer, type KubeObject, type RequestRecord } from '../helpers/kube-api-server.js';
import { endpoint, endpointSlice, ingress, ingressClass, path, rule, service } from '../helpers/kubernetes-objects.js';
import { ManualScheduler } from '../helpers/manual-scheduler.js';

const START = 1_700_000_000_000;
const PLURALS = ['ingressclasses', 'ingresses', 'services', 'endpointslices', 'secrets'] as const;
const PATHS: Readonly<Record<(typeof PLURALS)[number], string>> = {
  ingressclasses: '/apis/networking.k8s.io/v1/ingressclasses',
  ingresses: '/apis/networking.k8s.io/v1/ingresses',
  services: '/api/v1/services',
  endpointslices: '/apis/discovery.k8s.io/v1/endpointslices',
  secrets: '/api/v1/secrets',
};

/** A ManualScheduler that also keeps every delay it was asked for, in order. */
class RecordingScheduler extends ManualScheduler {
  readonly delays: number[] = [];

  override after(delayMs: number, run: () => void): () => void {
    this.delays.push(delayMs);
    return super.after(delayMs, run);
  }
}

type Recorded = readonly [event: 'watch' | 'listed' | 'heard' | 'failed', resource: string, detail?: string | number];

/** Every report, in order; `heard` times relative to START. */
class RecordingEvents implements KubernetesEvents {
  readonly all: Recorded[] = [];
  watchEvent(resource: string, type: string): void { this.all.push(['watch', resource, type]); }
  listed(resource: string): void { this.all.push(['listed', resource]); }
  heard(resource: string, timeMs: number): void { this.all.push(['heard', resource, timeMs - START]); }
  failed(resource: string): void { this.all.push(['failed', resource]); }
  of(resource: string): Recorded[] { return this.all.filter(([, r]) => r === resource); }
  count(event: Recorded[0], resource?: string): number {
    return this.all.filter(([e, r]) => e === event && (resource === undefined || r === resource)).length;
  }
}

interface Harness {
  readonly api: KubeApiServer;
  readonly scheduler: RecordingScheduler;
  readonly events: RecordingEvents;
  readonly source: KubernetesSource;
  /** The objects() the source held at each onChange, in order. */
  readonly changes: KubernetesObjects[];
}

/** Stores a builder's object under `kind` (the builders leave kind out, as list items carry none). */
function put(api: KubeApiServer, kind: string, object: object): KubeObject {
  return api.apply({ ...object, kind } as KubeObject);
}

/** One object of every kind, in namespace shop. */
function putOneOfEach(api: KubeApiServer): void {
  put(api, 'IngressClass', ingressClass('sluice'));
  put(api, 'Ingress', ingress('shop/web', { rules: [rule('shop.example.com', path('/', 'Prefix', 'web', 80))] }));
  put(api, 'Service', service('shop/web', [{ name: 'http', port: 80 }]));
  put(api, 'EndpointSlice', endpointSlice('shop/web-1', 'web', [{ name: 'http', port: 8080 }], [endpoint('10.0.0.1')]));
  put(api, 'Secret', { metadata: { namespace: 'shop', name: 'tls' }, type: 'kubernetes.io/tls', data: {} });
}

/** A source on a fresh stand-in server (its own port), not started; both are closed on teardown. */
async function harness(t: Test, options: Partial<Pick<KubernetesSourceOptions, 'namespace' | 'retry' | 'debounceMs'>> = {}, fill = putOneOfEach): Promise<Harness> {
  const api = await startKubeApiServer(t);
  fill(api);
  const scheduler = new RecordingScheduler(START);
  const events = new RecordingEvents();
  const changes: KubernetesObjects[] = [];
  const source: KubernetesSource = new KubernetesSource({
    kubeConfig: api.kubeConfig(), scheduler, events, onChange: () => changes.push(source.objects()), ...options,
  });
  // Before the server closes, so the closing watches are the source's own stop.
  t.teardown(() => source.stop());
  return { api, scheduler, events, source, changes };
}

const within = (check: () => boolean, what: string): Promise<void> => eventually(check, 10_000, what);

/** Starts the source and waits until every kind watches. */
async function started(h: Harness): Promise<void> {
  h.source.start();
  await within(() => h.api.openWatches === 5, 'five open watches');
}

/** The names (`namespace/name`, or `name` when cluster-scoped) of each kind the source holds, sorted. */
function names(objects: KubernetesObjects): Record<keyof KubernetesObjects, string[]> {
  const of = (list: readonly { metadata?: { namespace?: string; name?: string } }[]) =>
    list.map(({ metadata }) => (metadata?.namespace === undefined ? metadata?.name ?? '' : `${metadata.namespace}/${metadata.name}`)).sort();
  return {
    ingresses: of(objects.ingresses), ingressClasses: of(objects.ingressClasses), services: of(objects.services),
    endpointSlices: of(objects.endpointSlices), secrets: of(objects.secrets),
  };
}

const ONE_OF_EACH = { ingresses: ['shop/web'], ingressClasses: ['sluice'], services: ['shop/web'], endpointSlices: ['shop/web-1'], secrets: ['shop/tls'] };

const isList = (resource: (typeof PLURALS)[number]) => (r: RequestRecord) => r.path === PATHS[resource] && r.query.watch !== 'true';
const isWatch = (resource: (typeof PLURALS)[number]) => (r: RequestRecord) => r.path === PATHS[resource] && r.query.watch === 'true';

/** The list and watch requests of one kind, as `list` and `watch@RV`. */
const calls = (api: KubeApiServer, resource: (typeof PLURALS)[number]): string[] => api.requests.filter((r) => r.path === PATHS[resource])
  .map((r) => (r.query.watch === 'true' ? `watch@${r.query.resourceVersion}` : 'list'));

t.test('onChange waits until every kind is listed: a failed list keeps the source unsynced until its retry lists', async (t) => {
  const h = await harness(t);
  const warnings = t.capture(log, 'warn');
  h.api.failNext(isList('endpointslices'), 500);
  h.source.start();
  await within(() => h.events.count('failed') === 1 && h.api.openWatches === 4, 'the failed list, the other four watches');
  t.same(h.events.of('endpointslices'), [['failed', 'endpointslices']]);
  t.equal(h.source.synced, false);
  t.same(h.scheduler.delays, [500], 'only the retry is scheduled: four kinds listed, but no debounce before the fifth');
  const warned = warnings().map(({ args }) => args);
  t.equal(warned.length, 1);
  t.match(warned[0], ['kubernetes list/watch failed; retrying, still serving the last configuration', { resource: 'endpointslices', retryInMs: 500, error: /\(500\)$/ }]);

  h.scheduler.advance(499);
  t.equal(h.scheduler.pending, 1, 'not retried before the back-off');
  t.equal(h.api.requests.filter(isList('endpointslices')).length, 1);
  h.scheduler.advance(1);
  await within(() => h.api.openWatches === 5, 'the endpointslices watch after the retried list');
  t.equal(h.source.synced, true);
  t.equal(h.api.requests.filter(isList('endpointslices')).length, 2);
  t.same(h.scheduler.delays, [500, 100], 'the debounce starts with the last list');
  t.same(h.changes, [], 'debounced');
  h.scheduler.advance(99);
  t.same(h.changes, []);
  h.scheduler.advance(1);
  t.equal(h.changes.length, 1);
  t.same(names(h.changes[0]!), ONE_OF_EACH, 'the first onChange sees every kind');
  h.scheduler.advance(60_000);
  t.equal(h.changes.length, 1, 'once');
  t.equal(h.scheduler.pending, 0);
});

t.test('the last kind to be listed may hold nothing (no add to say so): onChange still fires', async (t) => {
  const h = await harness(t, {}, (api) => {
    putOneOfEach(api);
    api.remove('Secret', 'shop', 'tls');
  });
  t.capture(log, 'warn');
  h.api.failNext(isList('secrets'), 500);
  h.source.start();
  await within(() => h.events.count('failed') === 1 && h.api.openWatches === 4, 'the failed list, the other four watches');
  h.scheduler.advance(500);
  await within(() => h.api.openWatches === 5, 'the secrets watch after the retried list');
  t.equal(h.source.synced, true);
  t.equal(h.scheduler.pending, 1, 'the onChange is due');
  h.scheduler.advance(100);
  t.same(h.changes.map(names), [{ ...ONE_OF_EACH, secrets: [] }]);
});

t.test('changes within the debounce window give one onChange, and a steady stream of changes still gets through', async (t) => {
  const h = await harness(t);
  await started(h);
  h.scheduler.advance(100);
  t.equal(h.changes.length, 1, 'the initial onChange');

  // Three kinds change inside one window: one onChange, which sees all three.
  put(h.api, 'Service', service('shop/api', [{ port: 81 }]));
  await within(() => h.events.count('watch', 'services') === 1, 'the Service');
  h.scheduler.advance(50);
  put(h.api, 'IngressClass', ingressClass('other', { controller: 'example.com/other' }));
  h.api.remove('Secret', 'shop', 'tls');
  await within(() => h.events.count('watch', 'ingressclasses') === 1 && h.events.count('watch', 'secrets') === 1, 'the IngressClass and the Secret');
  t.equal(h.scheduler.pending, 1, 'one pending onChange');
  h.scheduler.advance(49);
  t.equal(h.changes.length, 1);
  h.scheduler.advance(1);
  t.equal(h.changes.length, 2, '100 ms after the first change of the window');
  t.same(names(h.changes[1]!), { ...ONE_OF_EACH, services: ['shop/api', 'shop/web'], ingressClasses: ['other', 'sluice'], secrets: [] });

  // A change every 60 ms, each one inside the window of the one before: the proxy must not wait for a quiet spell.
  for (let i = 0; i < 5; i++) {
    put(h.api, 'EndpointSlice', endpointSlice('shop/web-1', 'web', [{ name: 'http', port: 8080 }], [endpoint(`10.0.0.${i + 2}`)]));
    await within(() => h.events.count('watch', 'endpointslices') === i + 1, `slice change ${i}`);
    h.scheduler.advance(60);
  }
  // Changes at 0, 60, 120, 180 and 240 ms: onChange at 100 and at 220; the change at 240 waits for 340.
  t.equal(h.changes.length, 4);
  t.same(h.changes.slice(2).map((objects) => objects.endpointSlices[0]!.endpoints[0]!.addresses), [['10.0.0.3'], ['10.0.0.5']]);
  h.scheduler.advance(40);
  t.equal(h.changes.length, 5);
  t.same(h.changes[4]!.endpointSlices[0]!.endpoints[0]!.addresses, ['10.0.0.6']);
  t.equal(h.scheduler.pending, 0);
});

t.test('objects() holds exactly what the API server holds, kind by kind, through add, update and delete', async (t) => {
  const h = await harness(t, {}, (api) => {
    putOneOfEach(api);
    put(api, 'IngressClass', ingressClass('other', { controller: 'example.com/other' }));
    put(api, 'Ingress', ingress('blog/web', { rules: [rule('blog.example.com', path('/', 'Prefix', 'web', 80))] }));
    put(api, 'Service', service('blog/web', [{ port: 80 }]));
    put(api, 'Secret', { metadata: { namespace: 'blog', name: 'token' }, type: 'Opaque', data: {} });
  });
  await started(h);
  t.same(names(h.source.objects()), {
    ingresses: ['blog/web', 'shop/web'], ingressClasses: ['other', 'sluice'], services: ['blog/web', 'shop/web'],
    endpointSlices: ['shop/web-1'], secrets: ['shop/tls'],
  }, 'the lists (Secrets: only the kubernetes.io/tls ones)');

  put(h.api, 'Service', service('shop/api', [{ port: 81 }]));
  const updatedAt = put(h.api, 'Ingress', ingress('shop/web', { rules: [rule('www.example.com', path('/', 'Prefix', 'web', 80))] })).metadata.resourceVersion;
  put(h.api, 'EndpointSlice', endpointSlice('blog/web-1', 'web', [{ port: 80 }], [endpoint('10.0.1.1')]));
  h.api.remove('IngressClass', undefined, 'other');
  h.api.remove('Secret', 'shop', 'tls');
  h.api.remove('Service', 'blog', 'web');
  await within(() => h.events.count('watch') === 6, 'six watch events');
  t.same(names(h.source.objects()), {
    ingresses: ['blog/web', 'shop/web'], ingressClasses: ['sluice'], services: ['shop/api', 'shop/web'],
    endpointSlices: ['blog/web-1', 'shop/web-1'], secrets: [],
  });
  const updated = h.source.objects().ingresses.find((i) => i.metadata?.namespace === 'shop');
  t.equal(updated?.spec?.rules?.[0]?.host, 'www.example.com', 'the update replaced the cached object');
  t.equal(updated?.metadata?.resourceVersion, updatedAt, 'at its new resourceVersion');
});

t.test('a namespace limits every namespaced kind to it; IngressClasses are cluster-wide', async (t) => {
  const h = await harness(t, { namespace: 'shop' }, (api) => {
    putOneOfEach(api);
    put(api, 'Ingress', ingress('blog/web', { rules: [rule('blog.example.com', path('/', 'Prefix', 'web', 80))] }));
    put(api, 'Service', service('blog/web', [{ port: 80 }]));
    put(api, 'EndpointSlice', endpointSlice('blog/web-1', 'web', [{ port: 80 }], [endpoint('10.0.1.1')]));
    put(api, 'Secret', { metadata: { namespace: 'blog', name: 'token' }, type: 'Opaque', data: {} });
  });
  await started(h);
  t.same(names(h.source.objects()), ONE_OF_EACH);
  t.same([...new Set(h.api.requests.map((r) => r.path))].sort(), [
    '/api/v1/namespaces/shop/secrets', '/api/v1/namespaces/shop/services', '/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices',
    '/apis/networking.k8s.io/v1/ingressclasses', '/apis/networking.k8s.io/v1/namespaces/shop/ingresses',
  ]);
  put(h.api, 'Service', service('blog/api', [{ port: 81 }]));
  put(h.api, 'Service', service('shop/api', [{ port: 81 }]));
  await within(() => h.events.count('watch', 'services') === 1, 'the shop Service');
  t.same(names(h.source.objects()).services, ['shop/api', 'shop/web']);
});

t.test('the back-off doubles from retry.initialMs up to retry.maxMs; a successful list resets it, and so does a watch that works', async (t) => {
  const h = await harness(t, { retry: { initialMs: 100, maxMs: 350 }, debounceMs: 5 });
  const warnings = t.capture(log, 'warn');
  h.api.failNext(isList('endpointslices'), 500, 4);
  h.source.start();
  await within(() => h.events.count('failed') === 1, 'failure 1');
  for (const [failure, delay] of [[2, 100], [3, 200], [4, 350]] as const) {
    h.scheduler.advance(delay - 1);
    t.equal(h.events.count('failed'), failure - 1, `no retry before ${delay} ms`);
    h.scheduler.advance(1);
    await within(() => h.events.count('failed') === failure, `failure ${failure}`);
  }
  t.same(h.scheduler.delays, [100, 200, 350, 350], 'doubling, capped');
  h.scheduler.advance(350);
  await within(() => h.api.openWatches === 5, 'the watches after the fifth list');
  t.same(h.scheduler.delays, [100, 200, 350, 350, 5], 'then the debounce');
  t.same(calls(h.api, 'endpointslices'), ['list', 'list', 'list', 'list', 'list', `watch@${h.api.resourceVersion}`]);
  h.scheduler.advance(5);
  t.same(warnings().map(({ args }) => (args[1] as { retryInMs: number }).retryInMs), [100, 200, 350, 350]);

  // The list succeeded: the next failure (of the watch) waits initialMs again.
  h.api.failNext(isWatch('endpointslices'), 503);
  h.api.endWatches();
  await within(() => h.events.count('failed') === 5, 'the failed re-watch');
  t.same(h.scheduler.delays.slice(5), [100]);
  h.scheduler.advance(100);
  await within(() => h.api.openWatches === 5, 'the watch again');
  t.same(calls(h.api, 'endpointslices').slice(5), [`watch@${h.api.resourceVersion}`, `watch@${h.api.resourceVersion}`, `watch@${h.api.resourceVersion}`],
    'resumed from the list without relisting');

  // That watch then delivers an event, so a later failure is no consecutive one: initialMs again.
  put(h.api, 'EndpointSlice', endpointSlice('shop/web-2', 'web', [{ name: 'http', port: 8080 }], [endpoint('10.0.0.2')]));
  await within(() => h.events.count('watch', 'endpointslices') === 1, 'the slice');
  h.api.failNext(isWatch('endpointslices'), 503);
  h.api.endWatches();
  await within(() => h.events.count('failed') === 6, 'the second failed re-watch');
  t.same(h.scheduler.delays.slice(5), [100, 5, 100]);
  t.same(warnings().map(({ args }) => (args[1] as { retryInMs: number }).retryInMs), [100, 100]);
});

t.test('events: watch events (bookmarks and 410 errors included), lists, when the cache heard from the server, failures', async (t) => {
  const h = await harness(t);
  const warnings = t.capture(log, 'warn');
  await started(h);
  for (const resource of PLURALS) t.same(h.events.of(resource), [['listed', resource], ['heard', resource, 0]], resource);
  h.events.all.length = 0;

  h.scheduler.advance(1_000);
  put(h.api, 'Service', service('shop/api', [{ port: 81 }]));
  put(h.api, 'Service', service('shop/api', [{ port: 82 }]));
  h.api.remove('Service', 'shop', 'api');
  await within(() => h.events.count('watch') === 3, 'three Service events');
  t.same(h.events.all, [
    ['watch', 'services', 'ADDED'], ['heard', 'services', 1_000],
    ['watch', 'services', 'MODIFIED'], ['heard', 'services', 1_000],
    ['watch', 'services', 'DELETED'], ['heard', 'services', 1_000],
  ]);
  h.events.all.length = 0;

  // A bookmark is heard on every watch, because the source asked every watch for them.
  h.scheduler.advance(500);
  h.api.bookmark();
  await within(() => h.events.count('watch') === 5, 'five bookmarks');
  for (const resource of PLURALS) t.same(h.events.of(resource), [['watch', resource, 'BOOKMARK'], ['heard', resource, 1_500]], resource);
  t.same(h.api.requests.filter((r) => r.query.watch === 'true').map((r) => r.query.allowWatchBookmarks), ['true', 'true', 'true', 'true', 'true']);
  h.events.all.length = 0;

  // A failed watch is a failure; a 410 ERROR event is counted but is no news from the cache.
  h.api.failNext(isWatch('secrets'), 503);
  put(h.api, 'Service', service('shop/api', [{ port: 81 }]));
  h.api.compact();
  h.api.endWatches();
  await within(() => h.events.count('failed') === 1 && h.events.count('listed') === 3, 'the failure and three relists');
  t.same(h.events.of('secrets'), [['failed', 'secrets']]);
  t.same(h.events.of('services'), [['watch', 'services', 'ADDED'], ['heard', 'services', 1_500]], 'its watch was at the compaction point: resumed');
  for (const resource of ['ingressclasses', 'ingresses', 'endpointslices']) {
    t.same(h.events.of(resource), [['watch', resource, 'ERROR'], ['listed', resource], ['heard', resource, 1_500]], resource);
  }
  t.same(warnings().map(({ args }) => [(args[1] as { resource: string }).resource, (args[1] as { retryInMs: number }).retryInMs]), [['secrets', 500]]);
});

t.test('stop(): the aborted watches are no failure, nothing is retried, no onChange fires', async (t) => {
  const h = await harness(t);
  const warnings = t.capture(log, 'warn');
  await started(h);
  h.scheduler.advance(100);
  put(h.api, 'Service', service('shop/api', [{ port: 81 }]));
  await within(() => h.events.count('watch') === 1, 'the Service');
  t.equal(h.scheduler.pending, 1, 'an onChange is due');
  h.source.stop();
  t.equal(h.scheduler.pending, 0, 'cancelled');
  await within(() => h.api.openWatches === 0, 'every watch closed');
  h.scheduler.advance(60_000);
  t.equal(h.changes.length, 1, 'only the one before stop');
  t.equal(h.events.count('failed'), 0);
  t.same(warnings(), []);
  t.same(h.scheduler.delays, [100, 100]);
});

t.test('stop() cancels a retry that waits for its back-off', async (t) => {
  const h = await harness(t);
  t.capture(log, 'warn');
  h.api.failNext(isList('secrets'), 500);
  h.source.start();
  await within(() => h.events.count('failed') === 1 && h.api.openWatches === 4, 'the failure, the other watches');
  t.equal(h.scheduler.pending, 1);
  h.source.stop();
  t.equal(h.scheduler.pending, 0);
  await within(() => h.api.openWatches === 0, 'every watch closed');
  h.scheduler.advance(60_000);
  t.equal(h.api.requests.filter(isList('secrets')).length, 1, 'never retried');
  t.same(h.changes, []);
});

t.test('stop() while a watch is still connecting closes it once it connects', async (t) => {
  const h = await harness(t);
  let watches = 0;
  // Called as each request arrives, before it is answered: the fifth watch is in flight when stop() runs.
  h.api.failNext((r) => {
    if (r.query.watch === 'true' && ++watches === 5) h.source.stop();
    return false;
  }, 500);
  h.source.start();
  await within(() => watches === 5, 'five watch requests');
  await within(() => h.api.openWatches === 0, 'no watch left open');
  t.equal(h.events.count('failed'), 0);
  h.scheduler.advance(60_000);
  t.same(h.changes, []);
});

t.test('stop() while the lists are in flight opens no watch', async (t) => {
  const h = await harness(t);
  const opened = t.capture(Watch.prototype, 'watch', Watch.prototype.watch);
  let lists = 0;
  let openedBeforeStop = -1;
  h.api.failNext((r) => {
    if (r.query.watch !== 'true' && ++lists === 5) {
      // A kind whose list was answered already may be watching: stop() closes that one itself.
      openedBeforeStop = opened().length;
      h.source.stop();
    }
    return false;
  }, 500);
  h.source.start();
  // client-node goes on from a list to its watch within the same turn of the event loop.
  await within(() => h.events.count('listed') === 5, 'the five lists answered');
  t.ok(openedBeforeStop >= 0 && openedBeforeStop < 5, 'the fifth list was in flight at stop()');
  t.same(opened(), [], 'no watch opened after stop()');
  await within(() => h.api.openWatches === 0, 'no watch left open');
  h.scheduler.advance(60_000);
  t.same(h.changes, []);
  t.equal(h.events.count('failed'), 0);
});

t.test('a watch that ends cleanly resumes from its resourceVersion; after compaction the kinds left behind relist', async (t) => {
  const h = await harness(t);
  await started(h);
  const listedAt = h.api.resourceVersion;
  h.scheduler.advance(100);

  h.api.endWatches();
  await within(() => h.api.requests.filter((r) => r.query.watch === 'true').length === 10 && h.api.openWatches === 5, 'five re-watches');
  for (const resource of PLURALS) t.same(calls(h.api, resource), ['list', `watch@${listedAt}`, `watch@${listedAt}`], `${resource}: no relist`);
  h.scheduler.advance(1_000);
  t.equal(h.changes.length, 1, 'nothing changed, nothing to report');

  // Services move past the compaction point with their change; the other kinds stay behind it and get 410.
  const changedAt = put(h.api, 'Service', service('shop/api', [{ port: 81 }])).metadata.resourceVersion;
  h.api.compact();
  h.api.endWatches();
  await within(() => h.events.count('listed') === 9 && h.api.openWatches === 5, 'four relists and their watches');
  t.same(calls(h.api, 'services'), ['list', `watch@${listedAt}`, `watch@${listedAt}`, `watch@${changedAt}`], 'services resumed');
  for (const resource of ['ingressclasses', 'ingresses', 'endpointslices', 'secrets'] as const) {
    t.same(calls(h.api, resource), ['list', `watch@${listedAt}`, `watch@${listedAt}`, `watch@${listedAt}`, 'list', `watch@${changedAt}`], `${resource} relisted`);
  }
  t.same(names(h.source.objects()), { ...ONE_OF_EACH, services: ['shop/api', 'shop/web'] });
  h.scheduler.advance(100);
  t.equal(h.changes.length, 2, 'the change and the relists: one onChange');

  // A bookmark brings every quiet kind up to date, so the next compaction relists nothing.
  const quietAt = put(h.api, 'Secret', { metadata: { namespace: 'other', name: 'x' }, type: 'kubernetes.io/tls', data: {} }).metadata.resourceVersion;
  await within(() => h.events.count('watch', 'secrets') === 1, 'the Secret');
  h.api.bookmark();
  await within(() => h.events.all.filter(([e, , d]) => e === 'watch' && d === 'BOOKMARK').length === 5, 'five bookmarks');
  h.api.compact();
  h.api.endWatches();
  await within(() => h.api.requests.filter((r) => r.query.watch === 'true').length === 24 && h.api.openWatches === 5, 'five re-watches');
  for (const resource of PLURALS) t.same(calls(h.api, resource).at(-1), `watch@${quietAt}`, resource);
  t.equal(h.events.count('listed'), 9, 'no relist');
});
