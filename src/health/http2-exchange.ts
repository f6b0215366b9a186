// One request over a fresh HTTP/2 connection for a health probe (h2 over TLS or h2c by the cluster's
// protocol, verified like the proxy's own connections): the whole answer, or undefined on any failure or after the timeout. Never throws.
import http2, { type OutgoingHttpHeaders } from 'node:http2';
import net from 'node:net';
import { h2ConnectOptions } from '../h2/upstream-tls.js';
import type { ProbeTarget } from './probes.js';

export interface Http2Answer {
  readonly status: number;
  readonly body: Buffer;
  /** `grpc-status` from the trailers (or a trailers-only response), if any. */
  readonly grpcStatus?: string;
}

export function http2Exchange(target: ProbeTarget, headers: OutgoingHttpHeaders, body: Buffer | undefined, timeoutMs: number): Promise<Http2Answer | undefined> {
  return new Promise((resolve) => {
    const hostPart = net.isIPv6(target.host) ? `[${target.host}]` : target.host;
    const tls = target.protocol === 'h2';
    const session = http2.connect(`${tls ? 'https' : 'http'}://${hostPart}:${target.port}`, tls ? h2ConnectOptions(target.host, target.tls) : {});
    let settled = false;
    const finish = (answer: Http2Answer | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    session.on('error', () => finish(undefined));
    session.on('close', () => finish(undefined));
    const stream = session.request(headers, { endStream: body === undefined });
    let status = 0;
    let grpcStatus: string | undefined;
    const chunks: Buffer[] = [];
    stream.on('response', (response) => {
      status = Number(response[':status']);
      grpcStatus = response['grpc-status'] as string | undefined;
    });
    stream.on('trailers', (trailers) => { grpcStatus = (trailers['grpc-status'] as string | undefined) ?? grpcStatus; });
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => finish({ status, body: Buffer.concat(chunks), ...(grpcStatus === undefined ? {} : { grpcStatus }) }));
    stream.on('error', () => finish(undefined));
    if (body !== undefined) stream.end(body);
  });
}
