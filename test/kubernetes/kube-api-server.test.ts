// Drives the test kube-apiserver with the real @kubernetes/client-node (informers, ListWatch, Watch, typed
// APIs), so later tests of Sluice's Kubernetes source stand on a server known to speak the client's protocol.
import t, { type Test } from 'tap';
import {
  ADD, DELETE, ERROR, UPDATE, ApiException, CoreV1Api, DiscoveryV1Api, ListWatch, NetworkingV1Api, Watch, makeInformer,
  type Informer, type KubernetesObject,
} from '@kubernetes/client-node';
import { eventually } from '../helpers/admin.js';
import { startKubeApiServer, type KubeApiServer, type KubeObject } from '../helpers/kube-api-server.js';

const service = (name: string, port = 80, namespace = 'default'): KubeObject =>
  ({ kind: 'Service', metadata: { name, namespace }, spec: { ports: [{ port }] } });

const slice = (name: string, serviceName: string, namespace = 'default'): KubeObject =>
  ({ kind: 'EndpointSlice', metadata: { name, namespace, labels: { 'kubernetes.io/service-name': serviceName } }, addressType: 'IPv4', endpoints: [] });

/** Records an informer's callbacks as `verb namespace/name`, and stops it before its server closes. */
function record<T extends KubernetesObject>(t: Test, informer: Informer<T>): { events: string[]; errors: unknown[] } {
  const events: string[] = [];
  const errors: unknown[] = [];
  for (const verb of [ADD, UPDATE, DELETE] as const) {
    informer.on(verb, (obj) => events.push(`${verb} ${obj.metadata?.namespace ?? ''}/${obj.metadata?.name}`));
  }
  informer.on(ERROR, (err) => errors.push(err));
  t.teardown(() => informer.stop());
  return { events, errors };
}

/** The list and watch requests for `path`, as `list` and `watch@RV`, so tests can assert relists exactly. */
const calls = (server: KubeApiServer, path: string): string[] => server.requests.filter((r) => r.path === path)
  .map((r) => (r.query.watch === 'true' ? `watch@${r.query.resourceVersion}` : 'list'));

const within = (check: () => boolean, what: string): Promise<void> => eventually(check, 10_000, what);

t.test('an informer lists existing objects, then sees add, update and delete through its watch', async (t) => {
  const server = await startKubeApiServer(t);
  server.apply(service('a'));
  const listedAt = server.apply(service('b', 80, 'shop')).metadata.resourceVersion;
  const api = server.kubeConfig().makeApiClient(CoreV1Api);
  const informer = makeInformer(server.kubeConfig(), '/api/v1/services', () => api.listServiceForAllNamespaces());
  const { events, errors } = record(t, informer);
  await informer.start();
  await within(() => server.openWatches === 1, 'the watch');
  t.same(events, ['add default/a', 'add shop/b'], 'the list, sorted by namespace and name');

  server.apply(service('c'));
  server.apply(service('a', 8080));
  server.remove('Service', 'shop', 'b');
  await within(() => events.length === 5, 'three watch events');
  t.same(events.slice(2), ['add default/c', 'update default/a', 'delete shop/b']);
  t.same(informer.get('a', 'default')?.spec?.ports?.[0]?.port, 8080);
  t.same(informer.list().map((s) => s.metadata?.name).sort(), ['a', 'c']);
  t.same(calls(server, '/api/v1/services'), ['list', `watch@${listedAt}`], 'one list, then a watch from its resourceVersion');
  t.same(errors, []);
});

t.test('after compaction a re-watch gets 410 Expired and the informer relists, noticing a deletion it missed', async (t) => {
  const server = await startKubeApiServer(t);
  server.apply(service('a'));
  const listedAt = server.apply(service('b')).metadata.resourceVersion;
  const api = server.kubeConfig().makeApiClient(CoreV1Api);
  const informer = new ListWatch('/api/v1/services', new Watch(server.kubeConfig()), () => api.listServiceForAllNamespaces(), false);
  const { events, errors } = record(t, informer);
  await informer.start();
  await within(() => server.openWatches === 1, 'the watch');

  // All in one tick, before the client can re-watch: it never sees these changes as events.
  server.endWatches();
  server.remove('Service', 'default', 'b');
  const relistedAt = server.apply(service('c')).metadata.resourceVersion;
  server.compact();
  await within(() => events.length === 4, 'the relist');
  t.same(events, ['add default/a', 'add default/b', 'delete default/b', 'add default/c']);
  // The relist's events are delivered before the informer opens its next watch.
  await within(() => calls(server, '/api/v1/services').length === 5 && server.openWatches === 1, 'the new watch');
  t.same(calls(server, '/api/v1/services'), ['list', `watch@${listedAt}`, `watch@${listedAt}`, 'list', `watch@${relistedAt}`]);
  t.equal(informer.latestResourceVersion(), relistedAt);
  t.same(errors, [], '410 is handled by relisting, not reported');
});

t.test('the watch protocol: initial ADDED events, 410 as an ERROR event, timeoutSeconds, bad resourceVersion', async (t) => {
  const server = await startKubeApiServer(t);
  const added = server.apply(service('a'));
  const kc = server.kubeConfig();
  // Every watch here is bounded by timeoutSeconds, so a server that fails to end one fails the test instead of hanging it.
  const watchOnce = (query: Record<string, string | number>) => new Promise<{ events: [string, unknown][]; err: unknown }>((resolve) => {
    const events: [string, unknown][] = [];
    void new Watch(kc).watch('/api/v1/services', query, (type, obj) => events.push([type, obj]), (err) => resolve({ events, err }));
  });

  // From "0" the current state comes first as ADDED, with kind and apiVersion as a real watch sends them.
  const fromZero = await watchOnce({ resourceVersion: '0', timeoutSeconds: 1 });
  t.same(fromZero.events, [['ADDED', added]], 'the current state, then a clean end at timeoutSeconds');
  t.equal(fromZero.err, null);
  t.match(added, { kind: 'Service', apiVersion: 'v1', metadata: { name: 'a', namespace: 'default', resourceVersion: '2', uid: String, creationTimestamp: String } });

  server.apply(service('b'));
  server.compact();
  const expired = await watchOnce({ resourceVersion: '2', timeoutSeconds: 5 });
  t.same(expired.events, [['ERROR', {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too old resource version: 2 (3)', reason: 'Expired', code: 410,
  }]]);
  t.equal(expired.err, null, 'HTTP 200, then the ERROR event, then the end');

  const bad = await watchOnce({ resourceVersion: 'x', timeoutSeconds: 5 });
  t.match(bad.err, { statusCode: 400 });
  t.equal(server.openWatches, 0);
});

t.test('bookmarks advance the resourceVersion of a watch that asked for them, without callbacks', async (t) => {
  const server = await startKubeApiServer(t);
  server.apply(service('a'));
  const kc = server.kubeConfig();
  const api = kc.makeApiClient(CoreV1Api);
  // client-node's ListWatch never asks for bookmarks itself; Sluice's watcher would, as this Watch does.
  class BookmarkWatch extends Watch {
    override watch(path: string, query: Record<string, unknown>, ...rest: [Parameters<Watch['watch']>[2], Parameters<Watch['watch']>[3]]) {
      return super.watch(path, { ...query, allowWatchBookmarks: true }, ...rest);
    }
  }
  const listFn = () => api.listServiceForAllNamespaces();
  const withBookmarks = new ListWatch('/api/v1/services', new BookmarkWatch(kc), listFn, false);
  const without = new ListWatch('/api/v1/services', new Watch(kc), listFn, false);
  const recorded = record(t, withBookmarks);
  record(t, without);
  await Promise.all([withBookmarks.start(), without.start()]);
  await within(() => server.openWatches === 2, 'both watches');
  const listedAt = withBookmarks.latestResourceVersion();

  // Other kinds move the one global resourceVersion; a services watch hears nothing of it until a bookmark.
  const latest = server.apply({ kind: 'Secret', metadata: { name: 's' }, data: {} }).metadata.resourceVersion!;
  server.bookmark();
  await within(() => withBookmarks.latestResourceVersion() === latest, 'the bookmark');
  t.equal(without.latestResourceVersion(), listedAt, 'no bookmark for a watch that did not ask');
  t.same(recorded.events, ['add default/a'], 'a bookmark is no object event');

  // The point of bookmarks: after compaction only the bookmarked watch resumes without a relist.
  server.compact();
  server.endWatches();
  await within(() => calls(server, '/api/v1/services').length === 8, 'both re-watches and the relist');
  t.same(server.requests.filter((r) => r.query.allowWatchBookmarks === 'true').map((r) => r.query.resourceVersion), [listedAt, latest]);
  t.same(server.requests.filter((r) => r.query.watch === 'true' && !r.query.allowWatchBookmarks).map((r) => r.query.resourceVersion),
    [listedAt, listedAt, latest], 'the other one got 410 and relisted');
  t.equal(calls(server, '/api/v1/services').filter((c) => c === 'list').length, 3);
});

t.test('when the server ends a watch, the informer re-watches from its last resourceVersion and misses nothing', async (t) => {
  const server = await startKubeApiServer(t);
  const listedAt = server.apply(service('a')).metadata.resourceVersion;
  const api = server.kubeConfig().makeApiClient(CoreV1Api);
  const informer = makeInformer(server.kubeConfig(), '/api/v1/services', () => api.listServiceForAllNamespaces());
  const { events, errors } = record(t, informer);
  await informer.start();
  await within(() => server.openWatches === 1, 'the watch');
  const seenAt = server.apply(service('b')).metadata.resourceVersion;
  await within(() => events.length === 2, 'b');

  server.endWatches();
  server.apply(service('c'));
  server.apply(service('a', 81));
  server.remove('Service', 'default', 'b');
  await within(() => events.length === 5, 'the replayed changes');
  t.same(events, ['add default/a', 'add default/b', 'add default/c', 'update default/a', 'delete default/b']);
  t.same(calls(server, '/api/v1/services'), ['list', `watch@${listedAt}`, `watch@${seenAt}`], 'no relist');
  t.same(errors, []);
});

t.test('an injected failure reaches the informer as an error; a restart then succeeds', async (t) => {
  const server = await startKubeApiServer(t);
  server.apply(service('a'));
  const api = server.kubeConfig().makeApiClient(CoreV1Api);
  const informer = makeInformer(server.kubeConfig(), '/api/v1/services', () => api.listServiceForAllNamespaces());
  const { events, errors } = record(t, informer);
  server.failNext('/api/v1/services', 500);
  await informer.start();
  t.equal(errors.length, 1);
  t.ok(errors[0] instanceof ApiException);
  t.equal((errors[0] as ApiException<string>).code, 500);
  t.match(JSON.parse((errors[0] as ApiException<string>).body), { kind: 'Status', reason: 'InternalError', code: 500 });
  t.same(events, []);

  // A failed watch stops the informer too (client-node only retries 410 on its own).
  server.failNext((r) => r.query.watch === 'true', 503);
  await informer.start();
  await within(() => errors.length === 2, 'the watch failure');
  t.match(errors[1], { statusCode: 503 });

  // It resumes from the resourceVersion of its last good list rather than relisting.
  await informer.start();
  await within(() => server.openWatches === 1, 'the watch');
  t.same(events, ['add default/a']);
  t.same(calls(server, '/api/v1/services'), ['list', 'list', 'watch@2', 'watch@2']);
  t.equal(errors.length, 2);
});

t.test('labelSelector and fieldSelector filter lists and watches of endpointslices', async (t) => {
  const server = await startKubeApiServer(t);
  server.apply(slice('web-1', 'web'));
  server.apply(slice('api-1', 'api'));
  server.apply(slice('web-9', 'web', 'other'));
  const kc = server.kubeConfig();
  const api = kc.makeApiClient(DiscoveryV1Api);
  const selector = 'kubernetes.io/service-name=web';
  const informer = makeInformer(kc, '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices',
    () => api.listNamespacedEndpointSlice({ namespace: 'default', labelSelector: selector }), selector);
  const { events } = record(t, informer);
  await informer.start();
  await within(() => server.openWatches === 1, 'the watch');
  t.same(events, ['add default/web-1']);

  server.apply(slice('api-2', 'api'));
  server.apply(slice('web-2', 'other', 'other'));
  server.apply(slice('web-1', 'api'));
  server.apply(slice('api-1', 'web'));
  await within(() => events.length === 3, 'the selector changes');
  t.same(events.slice(1), ['delete default/web-1', 'add default/api-1'], 'leaving the selector is DELETED, entering it ADDED');
  t.same(server.requests.filter((r) => r.query.watch === 'true').map((r) => r.query.labelSelector), [selector]);

  const names = async (query: { labelSelector?: string; fieldSelector?: string }) =>
    (await api.listEndpointSliceForAllNamespaces(query)).items.map((s) => `${s.metadata?.namespace}/${s.metadata?.name}`);
  t.same(await names({ labelSelector: 'kubernetes.io/service-name!=web' }), ['default/api-2', 'default/web-1', 'other/web-2']);
  t.same(await names({ labelSelector: 'kubernetes.io/service-name=web,!missing' }), ['default/api-1', 'other/web-9']);
  t.same(await names({ labelSelector: 'missing' }), []);
  t.same(await names({ fieldSelector: 'metadata.namespace=other,metadata.name!=web-9' }), ['other/web-2']);
  await t.rejects(names({ labelSelector: 'a in (b)' }), { code: 400 });
  await t.rejects(names({ fieldSelector: 'spec.x=y' }), { code: 400 });
});

t.test('unknown paths are 404, cluster-scoped ingressclasses and namespaced ingresses work, auth is checked', async (t) => {
  const server = await startKubeApiServer(t);
  const kc = server.kubeConfig();
  const unknown = await fetch(`${server.url}/apis/networking.k8s.io/v1/widgets`, { headers: { authorization: `Bearer ${server.token}` } });
  t.equal(unknown.status, 404);
  t.match(await unknown.json(), { kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 });
  const namespacedClasses = await fetch(`${server.url}/apis/networking.k8s.io/v1/namespaces/default/ingressclasses`,
    { headers: { authorization: `Bearer ${server.token}` } });
  t.equal(namespacedClasses.status, 404, 'a cluster-scoped kind has no namespaced path');
  await t.rejects(kc.makeApiClient(CoreV1Api).readNamespacedSecret({ namespace: 'default', name: 'nope' }), { code: 404 });

  const networking = kc.makeApiClient(NetworkingV1Api);
  const informer = makeInformer(kc, '/apis/networking.k8s.io/v1/ingressclasses', () => networking.listIngressClass());
  const { events } = record(t, informer);
  server.apply({ kind: 'IngressClass', metadata: { name: 'sluice', namespace: 'ignored' }, spec: { controller: 'sluice.dev/ingress' } });
  await informer.start();
  await within(() => server.openWatches === 1, 'the watch');
  server.apply({ kind: 'IngressClass', metadata: { name: 'other' }, spec: { controller: 'example.com/other' } });
  await within(() => events.length === 2, 'both classes');
  t.same(events, ['add /sluice', 'add /other'], 'no namespace on a cluster-scoped object');
  const list = await networking.listIngressClass();
  t.same(list.items.map((c) => [c.metadata?.name, c.spec?.controller]), [['other', 'example.com/other'], ['sluice', 'sluice.dev/ingress']]);
  t.equal(list.metadata?.resourceVersion, server.resourceVersion);
  t.equal((await networking.readIngressClass({ name: 'sluice' })).metadata?.namespace, undefined);

  server.apply({ kind: 'Ingress', metadata: { name: 'shop', namespace: 'prod' }, spec: { ingressClassName: 'sluice' } });
  t.same((await networking.listNamespacedIngress({ namespace: 'prod' })).items.map((i) => i.metadata?.name), ['shop']);
  t.same((await networking.listNamespacedIngress({ namespace: 'dev' })).items, []);
  t.same((await networking.listIngressForAllNamespaces()).items.map((i) => i.spec?.ingressClassName), ['sluice']);

  const stranger = await fetch(`${server.url}/api/v1/services`, { headers: { authorization: 'Bearer wrong' } });
  t.equal(stranger.status, 401);
  t.match(await stranger.json(), { kind: 'Status', reason: 'Unauthorized', code: 401 });
});
