// The three active health probes: http (a GET, pass on an expected status), tcp (a connect) and grpc
// (grpc.health.v1.Health/Check, pass on SERVING). One fresh connection per check, closed after it;
// every probe resolves pass/fail and never throws. It keeps no state between checks.
import http from 'node:http';
import net from 'node:net';
import type { ClusterProtocol, HealthCheckSnapshot, HealthCheckType, UpstreamTlsSnapshot } from '../snapshot.js';
import { decodeHealthCheckResponse, encodeHealthCheckRequest, ServingStatus } from './grpc-health-codec.js';
import { http2Exchange } from './http2-exchange.js';

export interface ProbeTarget {
  readonly host: string;
  readonly port: number;
  /** `host:port` as configured: the default Host / :authority. */
  readonly address: string;
  readonly protocol: ClusterProtocol;
  /** The cluster's upstream TLS settings (h2 clusters). */
  readonly tls?: UpstreamTlsSnapshot;
}

export type Probe = (target: ProbeTarget, check: HealthCheckSnapshot) => Promise<boolean>;

const USER_AGENT = 'sluice-health-check';

export function statusExpected(status: number, check: HealthCheckSnapshot): boolean {
  return check.expectedStatuses.some(([from, to]) => status >= from && status <= to);
}

const httpProbe: Probe = async (target, check) => {
  const authority = check.host ?? target.address;
  if (target.protocol !== 'http1') {
    const answer = await http2Exchange(target, { ':method': 'GET', ':path': check.path, ':authority': authority, 'user-agent': USER_AGENT }, undefined, check.timeoutMs);
    return answer !== undefined && statusExpected(answer.status, check);
  }
  return new Promise<boolean>((resolve) => {
    const request = http.request({
      host: target.host,
      port: target.port,
      path: check.path,
      agent: false, // no keep-alive: each check opens its own connection, as a new client would
      headers: { host: authority, 'user-agent': USER_AGENT, connection: 'close' },
    });
    const timer = setTimeout(() => request.destroy(), check.timeoutMs);
    request.on('response', (response) => {
      clearTimeout(timer);
      response.resume();
      resolve(statusExpected(response.statusCode ?? 0, check));
    });
    request.on('error', () => { /* 'close' settles it */ });
    request.on('close', () => {
      clearTimeout(timer);
      resolve(false);
    });
    request.end();
  });
};

const tcpProbe: Probe = (target, check) => new Promise<boolean>((resolve) => {
  const socket = net.connect({ host: target.host, port: target.port });
  socket.setTimeout(check.timeoutMs, () => socket.destroy());
  socket.on('connect', () => {
    resolve(true);
    socket.destroy();
  });
  socket.on('error', () => { /* 'close' settles it */ });
  socket.on('close', () => resolve(false));
});

const grpcProbe: Probe = async (target, check) => {
  const answer = await http2Exchange(target, {
    ':method': 'POST',
    ':path': '/grpc.health.v1.Health/Check',
    ':authority': check.host ?? target.address,
    'content-type': 'application/grpc',
    te: 'trailers',
    'user-agent': USER_AGENT,
  }, encodeHealthCheckRequest(check.service), check.timeoutMs);
  if (answer === undefined || answer.status !== 200 || answer.grpcStatus !== '0') return false;
  return decodeHealthCheckResponse(answer.body) === ServingStatus.SERVING;
};

export const probes: Readonly<Record<HealthCheckType, Probe>> = { http: httpProbe, tcp: tcpProbe, grpc: grpcProbe };
