// The gRPC suite's service: test/fixtures/echo.proto loaded once, a typed Echo client for its Unary
// method, and the readiness probe (one Unary call answering OK).
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import { PROBE_TIMEOUT_MS, type Probe } from './readiness.js';

export interface EchoMessage {
  text: string;
  number: number;
}

const PROTO = fileURLToPath(new URL('../../test/fixtures/echo.proto', import.meta.url));

export const echoService = loadSync(PROTO, { defaults: true })['sluice.test.Echo'] as grpc.ServiceDefinition;

export interface EchoClient extends grpc.Client {
  Unary(request: EchoMessage, options: grpc.CallOptions, callback: grpc.requestCallback<EchoMessage>): grpc.ClientUnaryCall;
}

const EchoClientConstructor = grpc.makeClientConstructor(echoService, 'Echo') as unknown as new (
  address: string,
  credentials: grpc.ChannelCredentials,
) => EchoClient;

/** One insecure channel (h2c) to `address` (host:port). */
export function echoClient(address: string): EchoClient {
  return new EchoClientConstructor(address, grpc.credentials.createInsecure());
}

/** The request every call sends; fixed, so no call builds its own. */
export const ECHO_REQUEST: EchoMessage = { text: 'bench', number: 1 };

/** One Unary call on a fresh channel answers OK. */
export const grpcProbe: Probe = (address) =>
  new Promise((resolve) => {
    const client = echoClient(address);
    client.Unary(ECHO_REQUEST, { deadline: Date.now() + PROBE_TIMEOUT_MS }, (error) => {
      client.close();
      resolve(error === null ? 'ok' : `gRPC status ${error.code} ${error.details}`);
    });
  });
