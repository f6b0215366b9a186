// gRPC helpers: every Sluice error has a grpc-status, grpc-timeout parsing, content-type family,
// percent-encoded grpc-message in the trailers-only error reply.
import t from 'tap';
import { errorTable, type ErrorCode } from '../../src/errors.js';
import {
  GrpcStatus, grpcErrorHeaders, grpcErrorTrailers, grpcStatusFor, isGrpcContentType, parseGrpcTimeout, percentEncodeGrpcMessage,
} from '../../src/grpc/grpc-status.js';

// Written out on purpose: a new ErrorCode without an entry here fails the test below.
const expectedStatus: Record<string, number> = {
  bad_request: 13,
  no_route: 12,
  headers_too_large: 8,
  request_header_timeout: 2,
  unsupported_transfer_coding: 2,
  upstream_connect_failed: 14,
  upstream_reset: 14,
  upstream_bad_response: 14,
  no_healthy_endpoint: 14,
  overflow: 14,
  connect_timeout: 14,
  upstream_timeout: 4,
};

t.test('GrpcStatus holds the 17 canonical codes, numbered 0..16', async (t) => {
  t.same(Object.values(GrpcStatus), Array.from({ length: 17 }, (_, i) => i));
  t.equal(GrpcStatus.UNIMPLEMENTED, 12);
  t.equal(GrpcStatus.UNAVAILABLE, 14);
  t.equal(GrpcStatus.UNAUTHENTICATED, 16);
});

t.test('every ErrorCode maps to its expected grpc-status', async (t) => {
  const codes = Object.keys(errorTable) as ErrorCode[];
  t.ok(codes.length > 0);
  for (const code of codes) {
    t.ok(code in expectedStatus, `${code} has an expected grpc-status in this test`);
    t.equal(grpcStatusFor(code), expectedStatus[code], `${code} → ${expectedStatus[code]}`);
  }
  t.same(Object.keys(expectedStatus).sort(), [...codes].sort(), 'no stale expectations');
});

t.test('errors described only by HTTP status follow http-grpc-status-mapping.md', async (t) => {
  const byHttpStatus: Record<number, number> = { 400: 13, 404: 12, 502: 14, 503: 14 };
  for (const code of Object.keys(errorTable) as ErrorCode[]) {
    const expected = byHttpStatus[errorTable[code].status];
    if (expected !== undefined) t.equal(grpcStatusFor(code), expected, `${code} (${errorTable[code].status})`);
  }
});

t.test('isGrpcContentType: the gRPC family, nothing else', async (t) => {
  const yes = [
    'application/grpc', 'application/grpc+proto', 'application/grpc+json', 'application/grpc; charset=utf-8',
    'application/grpc-web', 'application/grpc-web+proto', 'application/grpc-web-text', 'application/grpc-web-text+proto',
    'Application/GRPC', 'APPLICATION/GRPC-WEB',
  ];
  const no = [
    undefined, '', 'application/json', 'application/grpcx', 'application/grpc-webx', 'application/grpc-foo',
    'text/application/grpc', ' application/grpc', 'application/gr', 'application/octet-stream',
  ];
  for (const value of yes) t.equal(isGrpcContentType(value), true, `${value}`);
  for (const value of no) t.equal(isGrpcContentType(value), false, `${String(value)}`);
});

t.test('parseGrpcTimeout: every unit, rounded up to whole milliseconds, at least 1', async (t) => {
  const cases: [string, number][] = [
    ['1H', 3_600_000], ['2M', 120_000], ['3S', 3_000], ['200m', 200], ['1m', 1],
    ['1500u', 2], ['1000u', 1], ['1001u', 2], ['1u', 1], ['999999n', 1], ['1000001n', 2], ['5000000n', 5],
    ['0m', 1], ['0S', 1], ['0n', 1], ['00000010S', 10_000], ['99999999H', 99_999_999 * 3_600_000],
    ['99999999n', 100], ['99999999m', 99_999_999],
  ];
  for (const [value, ms] of cases) t.equal(parseGrpcTimeout(value), ms, `${value} → ${ms} ms`);
});

t.test('parseGrpcTimeout: absent or malformed → undefined', async (t) => {
  const malformed = [
    undefined, '', 'S', 'm', '100', '100s', '100h', '100x', '123456789S', '-1S', '+1S', '1.5S', ' 1S', '1S ',
    '1 S', '1e3m', 'ab', '１S', '10MS', 'Infinity',
  ];
  for (const value of malformed) t.equal(parseGrpcTimeout(value), undefined, `${JSON.stringify(value)}`);
});

t.test('percentEncodeGrpcMessage: space..tilde except % kept, everything else as UTF-8 %XX', async (t) => {
  t.equal(percentEncodeGrpcMessage('plain text: ok (1/2) ~!'), 'plain text: ok (1/2) ~!');
  t.equal(percentEncodeGrpcMessage('100%'), '100%25');
  t.equal(percentEncodeGrpcMessage('a\r\nb\tc\x00\x7f'), 'a%0D%0Ab%09c%00%7F');
  t.equal(percentEncodeGrpcMessage('café'), 'caf%C3%A9');
  t.equal(percentEncodeGrpcMessage('😀'), '%F0%9F%98%80');
  t.equal(percentEncodeGrpcMessage(''), '');
  const roundTrip = 'no_healthy_endpoint: 0% of “echo” up\n';
  t.equal(decodeURIComponent(percentEncodeGrpcMessage(roundTrip)), roundTrip, 'decodes back');
});

t.test('grpcErrorTrailers: the status fields that end a response under way, no pseudo-fields', async (t) => {
  t.same(grpcErrorTrailers('upstream_timeout', 'deadline passed: 100%'), {
    'grpc-status': '4',
    'grpc-message': 'deadline passed: 100%25',
    'x-sluice-error': 'upstream_timeout',
  });
});

t.test('grpcErrorHeaders: a trailers-only reply naming the Sluice error', async (t) => {
  t.same(grpcErrorHeaders('no_healthy_endpoint', 'no_healthy_endpoint: cluster "echo" has 0% up'), {
    ':status': 200,
    'content-type': 'application/grpc',
    'grpc-status': '14',
    'grpc-message': 'no_healthy_endpoint: cluster "echo" has 0%25 up',
    'x-sluice-error': 'no_healthy_endpoint',
  });
  for (const code of Object.keys(errorTable) as ErrorCode[]) {
    const headers = grpcErrorHeaders(code, code);
    t.equal(headers['grpc-status'], String(expectedStatus[code]), `${code} grpc-status`);
    t.equal(headers['x-sluice-error'], code);
    t.equal(headers[':status'], 200);
  }
});
