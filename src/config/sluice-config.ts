// The validated configuration's types: what `validateConfig` returns once every default is applied
// and every duration is converted to milliseconds. Field names follow the YAML file.
import type { BalancerName, ListenerProtocol, PathType } from '../snapshot.js';

/** Whole milliseconds, converted from a duration string such as `2s`. */
export type Milliseconds = number;

export interface SluiceConfig {
  readonly listeners: readonly ListenerConfig[];
  readonly routes: readonly RouteConfig[];
  readonly defaultCluster?: string;
  readonly clusters: readonly ClusterConfig[];
  readonly drainTimeout: Milliseconds;
}

export interface ListenerConfig {
  readonly name: string;
  /** As configured, e.g. `localhost:8080` or `[::1]:0`. */
  readonly address: string;
  /** IP literal to bind: `localhost` becomes 127.0.0.1, IPv6 is canonical and without brackets. */
  readonly host: string;
  /** 0 asks the kernel for any free port. */
  readonly port: number;
  readonly protocol: ListenerProtocol;
  readonly timeouts: { readonly idle: Milliseconds; readonly headers: Milliseconds };
  readonly maxHeaderBytes: number;
}

export interface RouteConfig {
  /** As configured (matching is case-insensitive); absent = any host. */
  readonly host?: string;
  readonly paths: readonly PathRuleConfig[];
}

export interface PathRuleConfig {
  readonly path: string;
  readonly pathType: PathType;
  readonly cluster: string;
}

export interface ClusterConfig {
  readonly name: string;
  readonly balancer: BalancerName;
  readonly endpoints: readonly EndpointConfig[];
  readonly timeouts: { readonly connect: Milliseconds; readonly request: Milliseconds; readonly idle: Milliseconds };
}

export interface EndpointConfig {
  /** As configured: the endpoint's identity (its EndpointTable slot key) and label. */
  readonly address: string;
  /** IP literal (IPv6 canonical, without brackets) or lower-case DNS name. */
  readonly host: string;
  readonly port: number;
  readonly zone: string;
  readonly weight: number;
}

export interface ConfigProblem {
  /** Field path such as `clusters[1].endpoints[0].address`; "" for the file as a whole. */
  readonly path: string;
  readonly message: string;
}

export type ConfigResult = { ok: true; config: SluiceConfig } | { ok: false; problems: ConfigProblem[] };
