// Host matching: exact before one-label wildcard before host-less rules; Host header normalization
// (port, case, IPv6 literal, trailing dot); merging of routes with one host; no fall-through.
import t from 'tap';
import type { RouteSnapshot } from '../../src/snapshot.js';
import { compileRouter } from '../../src/routing/router.js';
import { requestHostName, wildcardParent } from '../../src/routing/request-host.js';

const everything = (cluster: string) => [{ path: '/', pathType: 'Prefix' as const, cluster }];

function routerFor(routes: readonly RouteSnapshot[], defaultTarget?: string) {
  return compileRouter(routes, (rule) => rule.cluster, defaultTarget);
}

t.test('requestHostName strips the port and one trailing dot, keeps IPv6 brackets, lowers case', async (t) => {
  const cases: readonly [string, string][] = [
    ['example.com', 'example.com'],
    ['Example.COM', 'example.com'],
    ['example.com:8080', 'example.com'],
    ['example.com.', 'example.com'],
    ['EXAMPLE.com.:443', 'example.com'],
    ['example.com:', 'example.com'],
    ['[::1]:8080', '[::1]'],
    ['[::1]', '[::1]'],
    ['[FE80::1]:80', '[fe80::1]'],
    ['127.0.0.1:80', '127.0.0.1'],
  ];
  for (const [raw, name] of cases) t.equal(requestHostName(raw), name, raw);
});

t.test('wildcardParent drops exactly the first, non-empty label', async (t) => {
  t.equal(wildcardParent('a.example.com'), 'example.com');
  t.equal(wildcardParent('b.a.example.com'), 'a.example.com');
  t.equal(wildcardParent('com'), undefined);
  t.equal(wildcardParent('.example.com'), undefined);
  t.equal(wildcardParent('a.'), undefined);
});

t.test('Kubernetes hostname wildcard examples: one extra label only', async (t) => {
  const router = routerFor([{ host: '*.foo.com', paths: everything('wild') }], 'default');
  t.equal(router.match('bar.foo.com', '/'), 'wild', 'bar.foo.com matches');
  t.equal(router.match('baz.bar.foo.com', '/'), 'default', 'more than one extra label does not match');
  t.equal(router.match('foo.com', '/'), 'default', 'no extra label does not match');
  t.equal(router.match('.foo.com', '/'), 'default', 'an empty label does not match');
  t.equal(router.match('BAR.Foo.com:8443', '/'), 'wild', 'case and port do not matter');
});

t.test('exact host beats wildcard beats host-less, in any configuration order', async (t) => {
  const router = routerFor([
    { paths: everything('any') },
    { host: '*.example.com', paths: everything('wild') },
    { host: 'a.example.com', paths: everything('exact') },
  ]);
  t.equal(router.match('a.example.com', '/x'), 'exact');
  t.equal(router.match('b.example.com', '/x'), 'wild');
  t.equal(router.match('example.com', '/x'), 'any');
  t.equal(router.match('b.a.example.com', '/x'), 'any');
  t.equal(router.match('other.org', '/x'), 'any');
  t.equal(router.match(undefined, '/x'), 'any', 'no Host header: only host-less rules');
  t.equal(router.match('', '/x'), 'any', 'empty Host header: only host-less rules');
});

t.test('the Host header is normalized before matching', async (t) => {
  const router = routerFor([
    { host: 'example.com', paths: everything('exact') },
    { host: '[::1]', paths: everything('ipv6') },
  ], 'default');
  for (const host of ['example.com', 'EXAMPLE.com', 'example.com:8080', 'example.com.', 'Example.Com.:80']) {
    t.equal(router.match(host, '/'), 'exact', host);
  }
  t.equal(router.match('[::1]:8080', '/'), 'ipv6', 'IPv6 literal with port');
  t.equal(router.match('[::1]', '/'), 'ipv6', 'IPv6 literal without port');
  t.equal(router.match('example.com..', '/'), 'default', 'only one trailing dot is ignored');
  t.equal(router.match('www.example.com', '/'), 'default');
});

t.test('rules with a host never serve a request without one', async (t) => {
  const router = routerFor([{ host: 'example.com', paths: everything('exact') }], 'default');
  t.equal(router.match(undefined, '/'), 'default');
  t.equal(routerFor([{ host: 'example.com', paths: everything('exact') }]).match(undefined, '/'), undefined);
});

t.test('routes with the same host merge their paths, earlier rules winning ties', async (t) => {
  const router = routerFor([
    { host: 'example.com', paths: [{ path: '/a', pathType: 'Prefix', cluster: 'a1' }] },
    { host: 'other.com', paths: everything('other') },
    { host: 'Example.com', paths: [{ path: '/b', pathType: 'Prefix', cluster: 'b' }, { path: '/a', pathType: 'Prefix', cluster: 'a2' }] },
    { paths: [{ path: '/c', pathType: 'Prefix', cluster: 'c1' }] },
    { paths: [{ path: '/c', pathType: 'Prefix', cluster: 'c2' }, { path: '/d', pathType: 'Exact', cluster: 'd' }] },
  ]);
  t.equal(router.match('example.com', '/a/1'), 'a1');
  t.equal(router.match('example.com', '/b'), 'b');
  t.equal(router.match('x.org', '/c'), 'c1');
  t.equal(router.match('x.org', '/d'), 'd');
});

t.test('no fall-through: the chosen host group without a matching path gives the default', async (t) => {
  const routes: RouteSnapshot[] = [
    { host: 'a.example.com', paths: [{ path: '/api', pathType: 'Prefix', cluster: 'exact-api' }] },
    { host: '*.example.com', paths: [{ path: '/web', pathType: 'Prefix', cluster: 'wild-web' }] },
    { paths: everything('any') },
  ];
  const router = routerFor(routes, 'default');
  t.equal(router.match('a.example.com', '/api/x'), 'exact-api');
  t.equal(router.match('a.example.com', '/web'), 'default', 'exact host group chosen; wildcard not tried');
  t.equal(router.match('a.example.com', '/other'), 'default', 'exact host group chosen; host-less not tried');
  t.equal(router.match('b.example.com', '/web'), 'wild-web');
  t.equal(router.match('b.example.com', '/api'), 'default', 'wildcard group chosen; host-less not tried');
  t.equal(router.match('c.org', '/api'), 'any');
  t.equal(routerFor(routes).match('a.example.com', '/web'), undefined, 'no default: undefined');
});

t.test('a host with no paths still owns its requests', async (t) => {
  const router = routerFor([{ host: 'empty.com', paths: [] }, { paths: everything('any') }], 'default');
  t.equal(router.match('empty.com', '/'), 'default');
  t.equal(router.match('full.com', '/'), 'any');
});
