// compileRouter's contract with the worker: targetOf once per rule at compile time, in configuration
// order, with the rule's host; the default target; an empty configuration.
import t from 'tap';
import type { PathRuleSnapshot, RouteSnapshot } from '../../src/snapshot.js';
import { compileRouter } from '../../src/routing/router.js';

t.test('targetOf is called once per rule, in configuration order, with the rule host, and never while matching', async (t) => {
  const calls: [string, string | undefined][] = [];
  const routes: RouteSnapshot[] = [
    { host: 'a.com', paths: [{ path: '/x', pathType: 'Prefix', cluster: 'x' }, { path: '/x', pathType: 'Prefix', cluster: 'x-shadowed' }] },
    { paths: [{ path: '/', pathType: 'Prefix', cluster: 'root' }] },
    { host: '*.b.com', paths: [{ path: '/y', pathType: 'Exact', cluster: 'y' }] },
  ];
  const targets = new Map<string, { cluster: string }>();
  const router = compileRouter(routes, (rule: PathRuleSnapshot, host) => {
    calls.push([rule.cluster, host]);
    const target = { cluster: rule.cluster };
    targets.set(rule.cluster, target);
    return target;
  });
  t.same(calls, [['x', 'a.com'], ['x-shadowed', 'a.com'], ['root', undefined], ['y', '*.b.com']]);
  t.equal(router.match('a.com', '/x/1'), targets.get('x'), 'the very object targetOf returned');
  t.equal(router.match('q.b.com', '/y'), targets.get('y'));
  t.equal(router.match('z.com', '/'), targets.get('root'));
  t.equal(calls.length, 4, 'matching calls nothing');
});

t.test('the default target answers when nothing matches; without one, undefined', async (t) => {
  const routes: RouteSnapshot[] = [{ paths: [{ path: '/only', pathType: 'Exact', cluster: 'only' }] }];
  const fallback = { cluster: 'fallback' };
  t.equal(compileRouter(routes, (rule) => ({ cluster: rule.cluster }), fallback).match('h', '/other'), fallback);
  t.equal(compileRouter(routes, (rule) => ({ cluster: rule.cluster })).match('h', '/other'), undefined);
});

t.test('an empty configuration serves everything with the default', async (t) => {
  t.equal(compileRouter([], () => 'never', 'default').match('example.com', '/'), 'default');
  t.equal(compileRouter([], () => 'never').match(undefined, '/'), undefined);
});
