// RequestAttempts: tried endpoints are excluded from the next pick, each try's outcome is told once,
// a retry holds one unit of the cluster's retry limit until the request finishes, back-off at a seed;
// and the affinity Set-Cookie rule every exchange follows.
import t from 'tap';
import { createBalancer } from '../../src/balancing/balancer.js';
import { ClusterField, EndpointTable } from '../../src/balancing/endpoint-table.js';
import { seededRandom } from '../../src/balancing/random.js';
import { CircuitBreakers } from '../../src/resilience/circuit-breakers.js';
import { NO_RETRY, RequestAttempts } from '../../src/resilience/request-attempts.js';
import { compileRetryPolicy, TryFailure } from '../../src/resilience/retry-policy.js';
import type { ClusterRuntime, RouteTarget, UpstreamEndpoint } from '../../src/worker/runtime.js';

function setup(attempts: number) {
  const table = EndpointTable.create(4);
  const endpoints = [0, 1, 2].map((slot) => ({ slot, weight: 1 }) as unknown as UpstreamEndpoint);
  const told: string[] = [];
  let retries = 0;
  const never = { inc() {} };
  const cluster = {
    balancer: createBalancer('round_robin', endpoints, { table, random: seededRandom(1) }),
    breakers: new CircuitBreakers(table, 3, { maxConnections: 9, maxPendingRequests: 9, maxRequests: 9, maxRetries: 1 },
      { connections: never, pending: never, requests: never, retries: never }),
    retries: { inc: () => { retries++; } },
    outcomes: { response: (slot: number, status: number) => told.push(`${slot}:${status}`), gatewayFailure: (slot: number) => told.push(`${slot}:gw`) },
  } as unknown as ClusterRuntime;
  const retryPolicy = compileRetryPolicy({ attempts, on: ['reset'], retriableStatusCodes: [], backoff: { baseMs: 25, maxMs: 250 } });
  const target = { cluster, retryPolicy } as unknown as RouteTarget;
  return { table, told, target, retries: () => retries };
}

t.test('three tries go to three different endpoints; outcomes told once per try; the retry unit is held until finish', async (t) => {
  const { table, told, target, retries } = setup(2);
  const attempts = new RequestAttempts(seededRandom(7));
  attempts.start(target, 'GET');
  const slots: number[] = [];
  slots.push(attempts.next()!.slot);
  attempts.recordGatewayFailure();
  attempts.recordGatewayFailure();
  const first = attempts.retryDelay(TryFailure.Reset, true);
  t.ok(first >= 0 && first < 25, `first back-off below base (${first})`);
  t.equal(table.count(3, ClusterField.RETRIES), 1, 'one retry unit held');
  slots.push(attempts.next()!.slot);
  attempts.recordResponse(502);
  const second = attempts.retryDelay(TryFailure.Reset, true);
  t.ok(second >= 0 && second < 50, `second back-off below 2 × base (${second})`);
  t.equal(table.count(3, ClusterField.RETRIES), 1, 'still one unit: held per request, not per retry');
  slots.push(attempts.next()!.slot);
  t.equal(attempts.retryDelay(TryFailure.Reset, true), NO_RETRY, 'attempts exhausted');
  t.same([...slots].sort(), [0, 1, 2], 'every try on a new endpoint');
  t.same(told, [`${slots[0]}:gw`, `${slots[1]}:502`]);
  t.same([attempts.count, attempts.retries, retries()], [3, 2, 2]);
  attempts.finish();
  attempts.recordGatewayFailure();
  t.equal(told.length, 2, 'nothing told after finish');
  t.equal(table.count(3, ClusterField.RETRIES), 0, 'unit given back');
});

t.test('POST: a reset is not retried; the cluster\'s retry limit refuses a second request\'s retry', async (t) => {
  const { target } = setup(1);
  const post = new RequestAttempts(seededRandom(7));
  post.start(target, 'POST');
  post.next();
  t.equal(post.retryDelay(TryFailure.Reset, true), NO_RETRY);
  const one = new RequestAttempts(seededRandom(7));
  const two = new RequestAttempts(seededRandom(7));
  one.start(target, 'GET');
  two.start(target, 'GET');
  one.next();
  two.next();
  t.not(one.retryDelay(TryFailure.Reset, true), NO_RETRY);
  t.equal(two.retryDelay(TryFailure.Reset, true), NO_RETRY, 'maxRetries 1 is taken');
  one.finish();
  t.not(two.retryDelay(TryFailure.Reset, true), NO_RETRY, 'free again');
});

t.test('setCookieFor: the endpoint\'s Set-Cookie unless the request\'s affinity cookie already names it', async (t) => {
  const { target } = setup(1);
  const attempts = new RequestAttempts(seededRandom(7));
  attempts.start(target, 'GET');
  const pinned = { slot: 0, affinityToken: 0xabc, setCookie: 'pin=00000abc; Path=/; HttpOnly' } as unknown as UpstreamEndpoint;
  t.equal(attempts.setCookieFor(pinned), 'pin=00000abc; Path=/; HttpOnly', 'no cookie in the request: set');
  attempts.pick.affinity = 0xdef;
  t.equal(attempts.setCookieFor(pinned), 'pin=00000abc; Path=/; HttpOnly', 'a cookie naming another endpoint: replaced');
  attempts.pick.affinity = 0xabc;
  t.equal(attempts.setCookieFor(pinned), undefined, 'already pinned to it: none');
  t.equal(attempts.setCookieFor({ slot: 1 } as unknown as UpstreamEndpoint), undefined, 'a cluster without affinity: none');
  t.equal(attempts.setCookieFor(undefined), undefined, 'no endpoint: none');
});
