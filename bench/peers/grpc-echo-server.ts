// The gRPC suite's backend: one @grpc/grpc-js server (h2c) whose Echo/Unary answers every request
// with the request itself. The other Echo methods are not part of the bench and are left unbound.
import * as grpc from '@grpc/grpc-js';
import { echoService, type EchoMessage } from '../grpc-echo.js';
import { LISTEN_HOST, readPeerArgs } from './peer-args.js';

const { port } = readPeerArgs();
const server = new grpc.Server();
server.addService(echoService, {
  Unary(call: grpc.ServerUnaryCall<EchoMessage, EchoMessage>, callback: grpc.sendUnaryData<EchoMessage>) {
    callback(null, call.request);
  },
});
server.bindAsync(`${LISTEN_HOST}:${port}`, grpc.ServerCredentials.createInsecure(), (error) => {
  if (error !== null) throw error;
});
