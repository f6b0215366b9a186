// Where the Kubernetes credentials come from: the configured kubeconfig file, else the pod's service
// account when running in a cluster, else $KUBECONFIG or ~/.kube/config (as kubectl looks).
import { KubeConfig } from '@kubernetes/client-node';
import type { KubernetesConfig } from '../config/index.js';

/**
 * `env` only decides whether Sluice runs in a pod; client-node itself reads the service host and
 * port, and $KUBECONFIG, from `process.env`.
 */
export function loadKubeConfig(config: KubernetesConfig, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (config.kubeconfig !== undefined) kubeConfig.loadFromFile(config.kubeconfig);
  else if (env['KUBERNETES_SERVICE_HOST'] !== undefined) kubeConfig.loadFromCluster();
  else kubeConfig.loadFromDefault();
  if (config.context !== undefined) kubeConfig.setCurrentContext(config.context);
  if (kubeConfig.getCurrentCluster() === null) {
    const where = config.kubeconfig ?? 'the default kubeconfig';
    throw new Error(`kubernetes: ${where} names no cluster${config.context === undefined ? '' : ` for context "${config.context}"`}`);
  }
  return kubeConfig;
}
