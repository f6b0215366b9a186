// The `kubernetes:` block: its defaults, the kubeconfig path resolved against the configuration file's
// directory, and every problem with its exact path and message.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { loadConfigFile, parseConfig, validateConfig, type ConfigResult } from '../../src/config/index.js';
import { accepted, problemLines } from '../helpers/config-results.js';

/** One listener and this `kubernetes` value, validated against `baseDir`. */
function withKubernetes(kubernetes: unknown, baseDir = '/etc/sluice'): ConfigResult {
  return validateConfig({ listeners: [{ name: 'web', address: '127.0.0.1:0' }], kubernetes }, baseDir);
}

t.test('no kubernetes block: no Kubernetes', async (t) => {
  t.notOk('kubernetes' in accepted(validateConfig({ listeners: [{ name: 'web', address: '127.0.0.1:0' }] })));
});

t.test('an empty block takes the defaults: our controller name, Ingresses without a class ignored, every namespace', async (t) => {
  t.strictSame(accepted(withKubernetes({})).kubernetes, { controllerName: 'sluice.dev/ingress-controller', watchIngressWithoutClass: false });
  t.strictSame(accepted(parseConfig('listeners: [{ name: web, address: "127.0.0.1:0" }]\nkubernetes: {}\n')).kubernetes,
    { controllerName: 'sluice.dev/ingress-controller', watchIngressWithoutClass: false });
});

t.test('every field given', async (t) => {
  t.strictSame(accepted(withKubernetes({
    kubeconfig: '/home/ops/.kube/config', context: 'prod', namespace: 'shop', controllerName: 'example.com/ingress/v2', watchIngressWithoutClass: true,
  })).kubernetes, {
    kubeconfig: '/home/ops/.kube/config', context: 'prod', namespace: 'shop', controllerName: 'example.com/ingress/v2', watchIngressWithoutClass: true,
  });
});

t.test('kubeconfig is resolved against the configuration file\'s directory; an absolute path is kept', async (t) => {
  t.equal(accepted(withKubernetes({ kubeconfig: 'kube/config' }, '/etc/sluice')).kubernetes!.kubeconfig, '/etc/sluice/kube/config');
  t.equal(accepted(withKubernetes({ kubeconfig: '../kube/config' }, '/etc/sluice')).kubernetes!.kubeconfig, '/etc/kube/config');
  t.equal(accepted(withKubernetes({ kubeconfig: '/var/lib/kube/config' }, '/etc/sluice')).kubernetes!.kubeconfig, '/var/lib/kube/config');

  const dir = t.testdir();
  mkdirSync(join(dir, 'conf'));
  const file = join(dir, 'conf', 'sluice.yaml');
  writeFileSync(file, 'listeners: [{ name: web, address: "127.0.0.1:0" }]\nkubernetes: { kubeconfig: kubeconfig.yaml }\n');
  t.equal(accepted(await loadConfigFile(file)).kubernetes!.kubeconfig, join(dir, 'conf', 'kubeconfig.yaml'), 'loadConfigFile: the file\'s directory, not the working directory');
});

t.test('a bad namespace, controller name, flag or unknown field is a problem at its path', async (t) => {
  t.same(problemLines(withKubernetes({ namespace: 'Shop' })), ['kubernetes.namespace: expected a namespace name (a DNS label such as shop), found "Shop"']);
  t.same(problemLines(withKubernetes({ namespace: 'shop.prod' })), ['kubernetes.namespace: expected a namespace name (a DNS label such as shop), found "shop.prod"']);
  t.same(problemLines(withKubernetes({ namespace: 'a'.repeat(64) })).map((line) => line.replace(/found ".*$/, 'found …')),
    ['kubernetes.namespace: expected a namespace name (a DNS label such as shop), found …'], 'longer than 63 characters');
  t.same(problemLines(withKubernetes({ controllerName: 'sluice' })),
    ['kubernetes.controllerName: expected a domain-prefixed path such as sluice.dev/ingress-controller, found "sluice"']);
  t.same(problemLines(withKubernetes({ controllerName: 'Sluice.dev/ingress' })),
    ['kubernetes.controllerName: expected a domain-prefixed path such as sluice.dev/ingress-controller, found "Sluice.dev/ingress"']);
  t.same(problemLines(withKubernetes({ watchIngressWithoutClass: 'yes' })), ['kubernetes.watchIngressWithoutClass: expected true or false, found "yes"']);
  t.same(problemLines(withKubernetes({ context: '' })), ['kubernetes.context: must not be empty']);
  t.same(problemLines(withKubernetes({ kubeconfig: '' })), ['kubernetes.kubeconfig: must not be empty']);
  t.same(problemLines(withKubernetes({ namespaces: ['shop'] })), ['kubernetes.namespaces: unknown field "namespaces"; did you mean "namespace"?']);
  t.same(problemLines(withKubernetes({ labelSelector: 'a=b' })),
    ['kubernetes.labelSelector: unknown field "labelSelector"; expected one of: kubeconfig, context, namespace, controllerName, watchIngressWithoutClass']);
});

t.test('several problems in the block are all reported', async (t) => {
  t.same(problemLines(withKubernetes({ namespace: 'Shop', controllerName: 'x', extra: 1 })), [
    'kubernetes.namespace: expected a namespace name (a DNS label such as shop), found "Shop"',
    'kubernetes.controllerName: expected a domain-prefixed path such as sluice.dev/ingress-controller, found "x"',
    'kubernetes.extra: unknown field "extra"; expected one of: kubeconfig, context, namespace, controllerName, watchIngressWithoutClass',
  ]);
});

t.test('`kubernetes:` with no value is refused rather than read as the defaults', async (t) => {
  t.same(problemLines(parseConfig('listeners: [{ name: web, address: "127.0.0.1:0" }]\nkubernetes:\n')),
    ['kubernetes: expected a mapping, found null (an empty value)']);
  t.same(problemLines(withKubernetes('in-cluster')), ['kubernetes: expected a mapping, found "in-cluster"']);
});
