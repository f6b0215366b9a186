// The "Examples" table under "Path types" in the Kubernetes Ingress documentation, row by row, plus
// the precedence and request-target rules around it.
import t from 'tap';
import type { PathRuleSnapshot, PathType } from '../../src/snapshot.js';
import { compileRouter } from '../../src/routing/router.js';

type Rule = readonly [PathType, string];

/** A router over host-less rules whose targets name the rule (`Prefix /foo`, `#2` appended for duplicates). */
function routerFor(rules: readonly Rule[], defaultTarget?: string) {
  const paths: PathRuleSnapshot[] = rules.map(([pathType, path], i) => ({ path, pathType, cluster: `c${i}` }));
  return compileRouter([{ paths }], (rule) => `${rule.pathType} ${rule.path} ${rule.cluster}`, defaultTarget);
}

const kubernetesExamples: readonly { rules: readonly Rule[]; request: string; expected: string | undefined; note: string }[] = [
  { rules: [['Prefix', '/']], request: '/', expected: 'Prefix / c0', note: 'Prefix / matches /' },
  { rules: [['Prefix', '/']], request: '/anything/at/all', expected: 'Prefix / c0', note: 'Prefix / matches all paths' },
  { rules: [['Exact', '/foo']], request: '/foo', expected: 'Exact /foo c0', note: 'Exact /foo matches /foo' },
  { rules: [['Exact', '/foo']], request: '/bar', expected: undefined, note: 'Exact /foo does not match /bar' },
  { rules: [['Exact', '/foo']], request: '/foo/', expected: undefined, note: 'Exact /foo does not match /foo/' },
  { rules: [['Exact', '/foo/']], request: '/foo', expected: undefined, note: 'Exact /foo/ does not match /foo' },
  { rules: [['Prefix', '/foo']], request: '/foo', expected: 'Prefix /foo c0', note: 'Prefix /foo matches /foo' },
  { rules: [['Prefix', '/foo']], request: '/foo/', expected: 'Prefix /foo c0', note: 'Prefix /foo matches /foo/' },
  { rules: [['Prefix', '/foo/']], request: '/foo', expected: 'Prefix /foo/ c0', note: 'Prefix /foo/ matches /foo' },
  { rules: [['Prefix', '/foo/']], request: '/foo/', expected: 'Prefix /foo/ c0', note: 'Prefix /foo/ matches /foo/' },
  { rules: [['Prefix', '/aaa/bb']], request: '/aaa/bbb', expected: undefined, note: 'Prefix /aaa/bb does not match /aaa/bbb' },
  { rules: [['Prefix', '/aaa/bbb']], request: '/aaa/bbb', expected: 'Prefix /aaa/bbb c0', note: 'Prefix /aaa/bbb matches /aaa/bbb' },
  { rules: [['Prefix', '/aaa/bbb/']], request: '/aaa/bbb', expected: 'Prefix /aaa/bbb/ c0', note: 'trailing slash in the rule is ignored' },
  { rules: [['Prefix', '/aaa/bbb']], request: '/aaa/bbb/', expected: 'Prefix /aaa/bbb c0', note: 'trailing slash in the request matches' },
  { rules: [['Prefix', '/aaa/bbb']], request: '/aaa/bbb/ccc', expected: 'Prefix /aaa/bbb c0', note: 'matches a subpath' },
  { rules: [['Prefix', '/aaa/bbb']], request: '/aaa/bbbxyz', expected: undefined, note: 'not a string prefix match' },
  { rules: [['Prefix', '/'], ['Prefix', '/aaa']], request: '/aaa/ccc', expected: 'Prefix /aaa c1', note: 'matches the /aaa prefix' },
  {
    rules: [['Prefix', '/'], ['Prefix', '/aaa'], ['Prefix', '/aaa/bbb']],
    request: '/aaa/bbb',
    expected: 'Prefix /aaa/bbb c2',
    note: 'matches the /aaa/bbb prefix',
  },
  { rules: [['Prefix', '/'], ['Prefix', '/aaa'], ['Prefix', '/aaa/bbb']], request: '/ccc', expected: 'Prefix / c0', note: 'matches the / prefix' },
  { rules: [['Prefix', '/aaa']], request: '/ccc', expected: undefined, note: 'no match: the default backend' },
  { rules: [['Prefix', '/foo'], ['Exact', '/foo']], request: '/foo', expected: 'Exact /foo c1', note: 'Mixed: Exact is preferred' },
];

t.test('Kubernetes Ingress path type examples', async (t) => {
  for (const { rules, request, expected, note } of kubernetesExamples) {
    t.equal(routerFor(rules).match(undefined, request), expected, `${rules.map((r) => r.join(' ')).join(', ')} ← ${request}: ${note}`);
  }
});

t.test('Exact and Prefix are case-sensitive', async (t) => {
  const router = routerFor([['Exact', '/Foo'], ['Prefix', '/bar']]);
  t.equal(router.match(undefined, '/Foo'), 'Exact /Foo c0');
  t.equal(router.match(undefined, '/foo'), undefined);
  t.equal(router.match(undefined, '/BAR/x'), undefined);
});

t.test('Exact beats Prefix whatever the order, and the longest prefix wins whatever the order', async (t) => {
  const router = routerFor([['Prefix', '/a'], ['Prefix', '/a/b/c'], ['Exact', '/a/b'], ['Prefix', '/a/b'], ['Prefix', '/']]);
  t.equal(router.match(undefined, '/a/b'), 'Exact /a/b c2');
  t.equal(router.match(undefined, '/a/b/'), 'Prefix /a/b c3');
  t.equal(router.match(undefined, '/a/b/c/d'), 'Prefix /a/b/c c1');
  t.equal(router.match(undefined, '/a/bc'), 'Prefix /a c0');
  t.equal(router.match(undefined, '/z'), 'Prefix / c4');
});

t.test('ImplementationSpecific is matched as Prefix and competes with Prefix rules by length', async (t) => {
  const router = routerFor([['ImplementationSpecific', '/api'], ['Prefix', '/api/v1']]);
  t.equal(router.match(undefined, '/api'), 'ImplementationSpecific /api c0');
  t.equal(router.match(undefined, '/api/v2'), 'ImplementationSpecific /api c0');
  t.equal(router.match(undefined, '/apiv2'), undefined);
  t.equal(router.match(undefined, '/api/v1/x'), 'Prefix /api/v1 c1');
});

t.test('an identical path and type defined twice: the first in configuration order wins', async (t) => {
  t.equal(routerFor([['Prefix', '/x'], ['Prefix', '/x']]).match(undefined, '/x/1'), 'Prefix /x c0');
  t.equal(routerFor([['Exact', '/x'], ['Exact', '/x']]).match(undefined, '/x'), 'Exact /x c0');
  t.equal(routerFor([['Prefix', '/x/'], ['Prefix', '/x']]).match(undefined, '/x'), 'Prefix /x/ c0', '/x/ and /x are the same prefix');
  t.equal(routerFor([['ImplementationSpecific', '/x'], ['Prefix', '/x']]).match(undefined, '/x'), 'ImplementationSpecific /x c0');
});

t.test('the query string and fragment are not part of the path', async (t) => {
  const router = routerFor([['Exact', '/foo'], ['Prefix', '/bar']]);
  t.equal(router.match(undefined, '/foo?x=1'), 'Exact /foo c0');
  t.equal(router.match(undefined, '/foo?'), 'Exact /foo c0');
  t.equal(router.match(undefined, '/foo#frag'), 'Exact /foo c0');
  t.equal(router.match(undefined, '/foo#a?b'), 'Exact /foo c0');
  t.equal(router.match(undefined, '/foo?a#b'), 'Exact /foo c0');
  t.equal(router.match(undefined, '/bar?q=/x'), 'Prefix /bar c1');
  t.equal(router.match(undefined, '/barz?/bar'), undefined, 'the query does not make a path-element boundary');
  t.equal(router.match(undefined, '/fo?o'), undefined);
});

t.test('a target that is not origin-form gets only the default', async (t) => {
  const router = routerFor([['Prefix', '/']], 'default');
  t.equal(router.match(undefined, '*'), 'default', 'OPTIONS *');
  t.equal(router.match('example.com', '*'), 'default');
  t.equal(router.match(undefined, ''), 'default');
  t.equal(routerFor([['Prefix', '/']]).match(undefined, '*'), undefined, 'no default: undefined');
});
