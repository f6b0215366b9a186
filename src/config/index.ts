// The configuration module's public face: load and validate the YAML file, report its problems, and
// translate a valid configuration into a Snapshot. Callers import from here, not from the parts.
export type { ConfigProblem, ConfigResult, SluiceConfig, KubernetesConfig, ListenerConfig, Http2Config, TlsConfig, CertificateConfig, RouteConfig, PathRuleConfig, ClusterConfig, EndpointConfig, Milliseconds } from './sluice-config.js';
export { parseConfig, validateConfig, loadConfigFile, formatProblems } from './load-config.js';
export { buildSnapshot, type SlotFor, type ZoneSources } from './build-snapshot.js';
