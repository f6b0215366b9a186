// The retry decision table: method × failure × body state × retries made, for Sluice's default policy
// and for policies naming 5xx, gateway-error, retriable-4xx and extra status codes.
import t from 'tap';
import { compileRetryPolicy, isIdempotent, mayRetry, retriesStatus, TryFailure } from '../../src/resilience/retry-policy.js';
import type { RetryOn, RetryPolicySnapshot } from '../../src/snapshot.js';

function policy(on: RetryOn[], extra: Partial<RetryPolicySnapshot> = {}) {
  return compileRetryPolicy({ attempts: 1, on, retriableStatusCodes: [], backoff: { baseMs: 25, maxMs: 250 }, ...extra });
}

const DEFAULT_ON: RetryOn[] = ['connect-failure', 'refused-stream', 'reset'];
const failures = [
  ['connect failure', TryFailure.ConnectFailure],
  ['refused stream', TryFailure.RefusedStream],
  ['reset', TryFailure.Reset],
  ['per-try timeout', TryFailure.PerTryTimeout],
  ['retried status', TryFailure.Status],
] as const;

t.test('default policy: the full table for GET and POST, body held or streamed, first try and after one retry', async (t) => {
  const defaults = policy(DEFAULT_ON);
  const rows: string[] = [];
  for (const method of ['GET', 'POST']) {
    for (const replayable of [true, false]) {
      for (const retriesMade of [0, 1]) {
        const yes = failures
          .filter(([, failure]) => mayRetry(defaults, { failure, retriesMade, idempotent: isIdempotent(method), replayable }))
          .map(([name]) => name);
        rows.push(`${method} ${replayable ? 'held' : 'streamed'} after ${retriesMade}: ${yes.join(', ') || '-'}`);
      }
    }
  }
  t.same(rows, [
    'GET held after 0: connect failure, refused stream, reset, per-try timeout, retried status',
    'GET held after 1: -',
    'GET streamed after 0: -',
    'GET streamed after 1: -',
    'POST held after 0: connect failure, refused stream',
    'POST held after 1: -',
    'POST streamed after 0: -',
    'POST streamed after 1: -',
  ]);
});

t.test('which failures each retry-on name covers (idempotent, body held)', async (t) => {
  const covered = (on: RetryOn[]) => failures
    .filter(([, failure]) => failure !== TryFailure.Status)
    .filter(([, failure]) => mayRetry(policy(on), { failure, retriesMade: 0, idempotent: true, replayable: true }))
    .map(([name]) => name);
  t.same(covered(['connect-failure']), ['connect failure']);
  t.same(covered(['refused-stream']), ['refused stream']);
  t.same(covered(['reset']), ['connect failure', 'refused stream', 'reset', 'per-try timeout']);
  t.same(covered(['5xx']), ['connect failure', 'refused stream', 'reset', 'per-try timeout']);
  t.same(covered(['gateway-error']), ['connect failure', 'refused stream', 'reset', 'per-try timeout']);
  t.same(covered(['retriable-4xx']), []);
});

t.test('retried statuses', async (t) => {
  const statuses = (on: RetryOn[], codes: number[] = []) =>
    [200, 404, 409, 429, 500, 502, 503, 504, 599].filter((status) => retriesStatus(policy(on, { retriableStatusCodes: codes }), status));
  t.same(statuses(DEFAULT_ON), []);
  t.same(statuses(['5xx']), [500, 502, 503, 504, 599]);
  t.same(statuses(['gateway-error']), [502, 503, 504]);
  t.same(statuses(['retriable-4xx']), [409]);
  t.same(statuses([], [429, 500]), [429, 500]);
});

t.test('attempts bound the retries; 0 turns retries off', async (t) => {
  const three = policy(DEFAULT_ON, { attempts: 3 });
  const state = (retriesMade: number) => ({ failure: TryFailure.ConnectFailure, retriesMade, idempotent: true, replayable: true });
  t.same([0, 1, 2, 3].map((made) => mayRetry(three, state(made))), [true, true, true, false]);
  t.equal(mayRetry(policy(DEFAULT_ON, { attempts: 0 }), state(0)), false);
});

t.test('idempotent methods (RFC 9110)', async (t) => {
  t.same(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE', 'POST', 'PATCH', 'CONNECT'].filter(isIdempotent),
    ['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
});
