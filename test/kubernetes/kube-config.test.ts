// loadKubeConfig: a configured kubeconfig file (its current context, or the one configured), an Error
// naming the file and context when the context names no cluster, the pod's service account when running
// in a cluster, else $KUBECONFIG. client-node reads KUBERNETES_SERVICE_HOST/PORT and KUBECONFIG from
// process.env itself, so the tests set them there (and restore them).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { CoreV1Api } from '@kubernetes/client-node';
import type { KubernetesConfig } from '../../src/config/index.js';
import { loadKubeConfig } from '../../src/kubernetes/kube-config.js';
import { startKubeApiServer, type KubeApiServer } from '../helpers/kube-api-server.js';

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

function settings(extra: Partial<KubernetesConfig> = {}): KubernetesConfig {
  return { controllerName: 'sluice.dev/ingress-controller', watchIngressWithoutClass: false, ...extra };
}

/** Sets (or, for undefined, removes) these variables in process.env until the test ends; returns process.env. */
function environment(t: Test, vars: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(vars);
  t.teardown(() => apply(saved));
  return process.env;
}

const NOT_IN_A_CLUSTER = { KUBERNETES_SERVICE_HOST: undefined, KUBERNETES_SERVICE_PORT: undefined, KUBECONFIG: undefined };

/** A kubeconfig with contexts `first` (an unused cluster; current unless `current` says otherwise, null for none), `second` (the stand-in server) and `orphan` (no such cluster). */
function writeKubeconfig(dir: string, api: KubeApiServer, current: string | null = 'first'): string {
  const file = join(dir, 'kubeconfig.yaml');
  writeFileSync(file, `apiVersion: v1
kind: Config
clusters:
  - name: unused
    cluster: { server: "http://127.0.0.1:1", insecure-skip-tls-verify: true }
  - name: stand-in
    cluster: { server: "${api.url}", insecure-skip-tls-verify: true }
users:
  - name: tester
    user: { token: "${api.token}" }
contexts:
  - name: first
    context: { cluster: unused, user: tester }
  - name: second
    context: { cluster: stand-in, user: tester, namespace: shop }
  - name: orphan
    context: { cluster: missing, user: tester }
${current === null ? '' : `current-context: ${current}\n`}`);
  return file;
}

t.test('a kubeconfig file: its current context, or the configured one, which then reaches the server', async (t) => {
  const api = await startKubeApiServer(t);
  api.apply({ kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { ports: [{ port: 80 }] } });
  const file = writeKubeconfig(t.testdir(), api);
  const env = environment(t, NOT_IN_A_CLUSTER);

  const current = loadKubeConfig(settings({ kubeconfig: file }), env);
  t.equal(current.getCurrentContext(), 'first');
  t.equal(current.getCurrentCluster()?.server, 'http://127.0.0.1:1');

  const second = loadKubeConfig(settings({ kubeconfig: file, context: 'second' }), env);
  t.equal(second.getCurrentContext(), 'second');
  t.match(second.getCurrentCluster(), { name: 'stand-in', server: api.url, skipTLSVerify: true });
  const services = await second.makeApiClient(CoreV1Api).listServiceForAllNamespaces();
  t.same(services.items.map((s) => `${s.metadata?.namespace}/${s.metadata?.name}`), ['shop/web'], 'its user and token are the ones used');
  t.equal(api.requests.at(-1)?.path, '/api/v1/services');
});

t.test('a context that names no cluster is an Error naming the file and the context', async (t) => {
  const api = await startKubeApiServer(t);
  const dir = t.testdir();
  const file = writeKubeconfig(dir, api);
  const env = environment(t, NOT_IN_A_CLUSTER);
  t.throws(() => loadKubeConfig(settings({ kubeconfig: file, context: 'orphan' }), env), new Error(`kubernetes: ${file} names no cluster for context "orphan"`));
  t.throws(() => loadKubeConfig(settings({ kubeconfig: file, context: 'nope' }), env), new Error(`kubernetes: ${file} names no cluster for context "nope"`), 'no such context');
  mkdirSync(join(dir, 'no-current'));
  const withoutCurrent = writeKubeconfig(join(dir, 'no-current'), api, null);
  t.throws(() => loadKubeConfig(settings({ kubeconfig: withoutCurrent }), env), new Error(`kubernetes: ${withoutCurrent} names no cluster`), 'no current-context');
  t.throws(() => loadKubeConfig(settings({ kubeconfig: join(dir, 'missing.yaml') }), env), { code: 'ENOENT' }, 'an unreadable file');
});

t.test('a configured kubeconfig wins over the pod\'s service account', async (t) => {
  const api = await startKubeApiServer(t);
  const file = writeKubeconfig(t.testdir(), api);
  const env = environment(t, { ...NOT_IN_A_CLUSTER, KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' });
  t.equal(loadKubeConfig(settings({ kubeconfig: file, context: 'second' }), env).getCurrentCluster()?.server, api.url);
});

t.test('in a cluster (KUBERNETES_SERVICE_HOST) without a kubeconfig: the service account, read when a request is made', async (t) => {
  const inPod = existsSync(`${SERVICE_ACCOUNT}/ca.crt`);
  const env = environment(t, { ...NOT_IN_A_CLUSTER, KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: '1' });
  const kubeConfig = loadKubeConfig(settings(), env);
  t.equal(kubeConfig.getCurrentContext(), 'inClusterContext');
  t.strictSame(kubeConfig.getCurrentCluster(), { name: 'inCluster', caFile: `${SERVICE_ACCOUNT}/ca.crt`, server: 'https://127.0.0.1:1', skipTLSVerify: false });
  t.strictSame(kubeConfig.getCurrentUser(), { name: 'inClusterUser', authProvider: { name: 'tokenFile', config: { tokenFile: `${SERVICE_ACCOUNT}/token` } } });
  // Outside a pod the service account's files are absent: the first request says which one.
  if (inPod) {
    t.comment('running in a pod: the service account exists, so the request is not tried');
    return;
  }
  await t.rejects(kubeConfig.makeApiClient(CoreV1Api).listServiceForAllNamespaces(), {
    code: 'ENOENT', message: `ENOENT: no such file or directory, open '${SERVICE_ACCOUNT}/ca.crt'`,
  });
});

t.test('neither a kubeconfig nor a cluster: $KUBECONFIG, as kubectl reads it, with the configured context', async (t) => {
  const api = await startKubeApiServer(t);
  const file = writeKubeconfig(t.testdir(), api);
  const env = environment(t, { ...NOT_IN_A_CLUSTER, KUBECONFIG: file });
  t.equal(loadKubeConfig(settings(), env).getCurrentCluster()?.server, 'http://127.0.0.1:1');
  t.equal(loadKubeConfig(settings({ context: 'second' }), env).getCurrentCluster()?.server, api.url);
  t.throws(() => loadKubeConfig(settings({ context: 'orphan' }), env), new Error('kubernetes: the default kubeconfig names no cluster for context "orphan"'));
});
