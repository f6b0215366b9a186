// The admin's /routes listing: the rules in the router's precedence order, and the order agrees with
// what the router actually picks.
import t from 'tap';
import { compileRouter, routeTable } from '../../src/routing/router.js';
import type { RouteSnapshot } from '../../src/snapshot.js';

const routes: RouteSnapshot[] = [
  { paths: [{ path: '/', pathType: 'Prefix', cluster: 'fallback' }] },
  { host: '*.example.com', paths: [{ path: '/api', pathType: 'Prefix', cluster: 'wild-api' }] },
  {
    host: 'shop.example.com',
    paths: [
      { path: '/a', pathType: 'Prefix', cluster: 'short' },
      { path: '/a/b/', pathType: 'Prefix', cluster: 'long' },
      { path: '/a', pathType: 'Exact', cluster: 'exact' },
      { path: '/a', pathType: 'Prefix', cluster: 'shadowed' },
    ],
  },
  { host: 'shop.example.com', paths: [{ path: '/c', pathType: 'ImplementationSpecific', cluster: 'impl' }] },
];

t.test('exact hosts, then wildcards, then any host; exact paths, then longest prefix; shadowed rules left out', async (t) => {
  t.same(routeTable(routes), [
    { host: 'shop.example.com', path: '/a', pathType: 'Exact', cluster: 'exact' },
    { host: 'shop.example.com', path: '/a/b/', pathType: 'Prefix', cluster: 'long' },
    { host: 'shop.example.com', path: '/a', pathType: 'Prefix', cluster: 'short' },
    { host: 'shop.example.com', path: '/c', pathType: 'ImplementationSpecific', cluster: 'impl' },
    { host: '*.example.com', path: '/api', pathType: 'Prefix', cluster: 'wild-api' },
    { host: undefined, path: '/', pathType: 'Prefix', cluster: 'fallback' },
  ]);
});

t.test('the router picks what the listing says', async (t) => {
  const router = compileRouter(routes, (rule) => rule.cluster);
  t.equal(router.match('shop.example.com', '/a'), 'exact');
  t.equal(router.match('shop.example.com', '/a/b/c'), 'long');
  t.equal(router.match('shop.example.com', '/a/x'), 'short');
  t.equal(router.match('other.example.com', '/api/v1'), 'wild-api');
  t.equal(router.match('elsewhere.test', '/x'), 'fallback');
});
