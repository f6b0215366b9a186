// The demo's built-in configuration: one listener on 127.0.0.1:8080, one least-request cluster of the
// demo upstreams, every host and path routed to it. Validated like any configuration file.
import { formatProblems, validateConfig, type SluiceConfig } from '../config/index.js';
import type { DemoUpstream } from './demo-upstreams.js';

export const DEMO_LISTENER_ADDRESS = '127.0.0.1:8080';

export function demoConfig(upstreams: readonly DemoUpstream[]): SluiceConfig {
  const result = validateConfig({
    listeners: [{ name: 'demo', address: DEMO_LISTENER_ADDRESS, protocol: 'http' }],
    routes: [{ paths: [{ path: '/', pathType: 'Prefix', cluster: 'demo' }] }],
    clusters: [{
      name: 'demo',
      balancer: 'least_request',
      endpoints: upstreams.map(({ address, zone }) => ({ address, zone })),
    }],
  });
  // The configuration is ours, so a problem here is a bug in Sluice, not a user error.
  if (!result.ok) throw new Error(`the built-in demo configuration is invalid:\n${formatProblems('demo', result.problems)}`);
  return result.config;
}
