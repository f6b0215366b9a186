// TLS options for connecting to an endpoint of an `h2` cluster, shared by the session pool and the
// health probes: ALPN h2, the name sent as SNI and verified, and which CAs are trusted. Built once per
// pool (per probe for health checks), never per request.
import net from 'node:net';
import type { SecureClientSessionOptions } from 'node:http2';
import type { UpstreamTlsSnapshot } from '../snapshot.js';

/** Without `tls`: the default CAs (system + NODE_EXTRA_CA_CERTS) and the endpoint's host as the name (none for an IP). */
export function h2ConnectOptions(host: string, tls: UpstreamTlsSnapshot | undefined): SecureClientSessionOptions {
  const options: SecureClientSessionOptions = { ALPNProtocols: ['h2'] };
  // node:tls verifies the certificate against `servername` when it is set, else against the host.
  const name = tls?.serverName ?? (net.isIP(host) === 0 ? host : undefined);
  if (name !== undefined) options.servername = name;
  if (tls?.ca !== undefined) options.ca = tls.ca;
  if (tls?.insecureSkipVerify === true) options.rejectUnauthorized = false;
  return options;
}
