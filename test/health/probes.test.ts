// The probes against real servers: http (status, Host header, no keep-alive, timeout), tcp (connect),
// and grpc against a @grpc/grpc-js server implementing grpc.health.v1.Health; and the codec bytes.
import t from 'tap';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { packageRoot } from '../../src/control/package-root.js';
import { decodeHealthCheckResponse, encodeHealthCheckRequest, ServingStatus } from '../../src/health/grpc-health-codec.js';
import { probes, type ProbeTarget } from '../../src/health/probes.js';
import type { HealthCheckSnapshot } from '../../src/snapshot.js';
import { HEALTH_DEFAULTS } from '../outlier/fixtures.js';

const check = (overrides: Partial<HealthCheckSnapshot>): HealthCheckSnapshot => ({ ...HEALTH_DEFAULTS, timeoutMs: 3_000, ...overrides });
const targetOf = (port: number, protocol: ProbeTarget['protocol'] = 'http1'): ProbeTarget => ({ host: '127.0.0.1', port, address: `127.0.0.1:${port}`, protocol });

t.test('grpc health codec: request bytes and response decoding', async (t) => {
  t.same([...encodeHealthCheckRequest('')], [0, 0, 0, 0, 0], 'empty service: an empty message');
  t.same([...encodeHealthCheckRequest('db')], [0, 0, 0, 0, 4, 0x0a, 2, 0x64, 0x62], 'field 1, length 2, "db"');
  t.equal(decodeHealthCheckResponse(Buffer.from([0, 0, 0, 0, 2, 0x08, 1])), ServingStatus.SERVING);
  t.equal(decodeHealthCheckResponse(Buffer.from([0, 0, 0, 0, 2, 0x08, 2])), ServingStatus.NOT_SERVING);
  t.equal(decodeHealthCheckResponse(Buffer.from([0, 0, 0, 0, 0])), ServingStatus.UNKNOWN, 'no field: proto3 default');
  t.equal(decodeHealthCheckResponse(Buffer.from([0, 0, 0, 0, 5, 0x12, 1, 0x41, 0x08, 1])), ServingStatus.SERVING, 'an unknown field is skipped');
  t.equal(decodeHealthCheckResponse(Buffer.from([1, 0, 0, 0, 2, 0x08, 1])), undefined, 'compressed: not ours to read');
  t.equal(decodeHealthCheckResponse(Buffer.from([0, 0, 0, 0, 3, 0x08, 1])), undefined, 'truncated');
});

t.test('http probe: expected status passes, others fail; Host and no keep-alive; a silent server times out', async (t) => {
  const seen: { host?: string; connection?: string }[] = [];
  let status = 200;
  const server = http.createServer((request, response) => {
    seen.push({ host: request.headers.host, connection: request.headers.connection });
    if (request.url === '/slow') return; // never answers
    response.statusCode = request.url === '/healthz' ? status : 404;
    response.end('ok');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => { server.closeAllConnections(); server.close(); });
  const port = (server.address() as net.AddressInfo).port;
  t.equal(await probes.http(targetOf(port), check({ path: '/healthz' })), true);
  t.same(seen[0], { host: `127.0.0.1:${port}`, connection: 'close' });
  status = 503;
  t.equal(await probes.http(targetOf(port), check({ path: '/healthz' })), false, '503 is not expected');
  t.equal(await probes.http(targetOf(port), check({ path: '/healthz', expectedStatuses: [[200, 299], [503, 503]] })), true, 'unless listed');
  status = 200;
  t.equal(await probes.http(targetOf(port), check({ path: '/healthz', host: 'health.internal' })), true);
  t.equal(seen.at(-1)?.host, 'health.internal');
  t.equal(await probes.http(targetOf(port), check({ path: '/slow', timeoutMs: 200 })), false, 'timeout');
});

t.test('tcp probe: a listening port passes, a closed one fails', async (t) => {
  const server = net.createServer((socket) => socket.destroy());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  t.equal(await probes.tcp(targetOf(port), check({ type: 'tcp' })), true);
  server.close();
  await once(server, 'close');
  t.equal(await probes.tcp(targetOf(port), check({ type: 'tcp' })), false);
});

t.test('grpc probe against @grpc/grpc-js: SERVING passes; NOT_SERVING, unknown service and no server fail', async (t) => {
  const definition = loadSync(path.join(packageRoot(import.meta.url), 'test', 'fixtures', 'health.proto'), { defaults: true, enums: String });
  const statuses = new Map<string, string>([['', 'SERVING'], ['db', 'NOT_SERVING']]);
  const asked: string[] = [];
  const server = new grpc.Server();
  server.addService(definition['grpc.health.v1.Health'] as grpc.ServiceDefinition, {
    Check(call: grpc.ServerUnaryCall<{ service: string }, unknown>, callback: grpc.sendUnaryData<{ status: string }>) {
      asked.push(call.request.service);
      const status = statuses.get(call.request.service);
      if (status === undefined) callback({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
      else callback(null, { status });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
  t.teardown(() => server.forceShutdown());
  const grpcCheck = (service: string) => check({ type: 'grpc', service });
  t.equal(await probes.grpc(targetOf(port, 'h2c'), grpcCheck('')), true, 'SERVING');
  t.equal(await probes.grpc(targetOf(port, 'h2c'), grpcCheck('db')), false, 'NOT_SERVING');
  t.equal(await probes.grpc(targetOf(port, 'h2c'), grpcCheck('nope')), false, 'NOT_FOUND');
  t.same(asked, ['', 'db', 'nope'], 'the service name went over the wire');
  server.forceShutdown();
  t.equal(await probes.grpc(targetOf(port, 'h2c'), grpcCheck('')), false, 'nothing listening');
});
