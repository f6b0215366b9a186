// The shapes the translation produces: plain data exactly as the configuration schema's `routes` and
// `clusters` accept it (no defaults filled in), problems naming the Kubernetes object and field.
import type { PathType } from '../snapshot.js';

export interface RawPathRule {
  readonly path: string;
  readonly pathType: PathType;
  readonly cluster: string;
}

export interface RawRoute {
  /** Absent: any host. */
  readonly host?: string;
  /** Present only when true. */
  readonly redirectToHttps?: true;
  readonly paths: RawPathRule[];
}

export interface RawEndpoint {
  /** `10.0.0.5:8080`, `[fd00::5]:8080` (canonical IPv6) or, for an ExternalName Service, `name:port`. */
  readonly address: string;
  readonly zone?: string;
}

export type KubernetesClusterProtocol = 'http1' | 'h2c';

export interface RawCluster {
  /** `namespace/service:port`, the port as the Ingress gives it (a number or a name). */
  readonly name: string;
  readonly protocol: KubernetesClusterProtocol;
  readonly endpoints: RawEndpoint[];
}

export interface RawCertificate {
  /** `namespace/name` of the Secret. */
  readonly secret: string;
  readonly cert: string;
  readonly key: string;
  /** The DNS names the certificate is valid for, as checkPemPair read them (SNI matches on them). */
  readonly names: readonly string[];
}

export interface ObjectProblem {
  /** Kind and key: `Ingress shop/web`. */
  readonly object: string;
  /** The field path in that object: `spec.rules[0].http.paths[1].backend.service.port.name`. */
  readonly field: string;
  readonly message: string;
}
