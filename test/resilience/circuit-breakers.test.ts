// Circuit breakers and the retry budget over a cluster's EndpointTable slot: exact limits, refusals
// counted per breaker, units given back, and two views of one buffer (two workers) sharing the counts.
import t from 'tap';
import { ClusterField, EndpointTable } from '../../src/balancing/endpoint-table.js';
import { CircuitBreakers, type BreakerName } from '../../src/resilience/circuit-breakers.js';
import { retryLimit } from '../../src/resilience/retry-budget.js';
import { compileRetryPolicy } from '../../src/resilience/retry-policy.js';

const limits = { maxConnections: 2, maxPendingRequests: 1, maxRequests: 3, maxRetries: 1 };

function breakers(table: EndpointTable) {
  const refused: Record<BreakerName, number> = { connections: 0, pending: 0, requests: 0, retries: 0 };
  const counter = (name: BreakerName) => ({ inc: () => { refused[name]++; } });
  const cb = new CircuitBreakers(table, 1, limits, { connections: counter('connections'), pending: counter('pending'), requests: counter('requests'), retries: counter('retries') });
  return { cb, refused };
}

const noBudget = compileRetryPolicy({ attempts: 1, on: [], retriableStatusCodes: [], backoff: { baseMs: 25, maxMs: 250 } });
const budget = compileRetryPolicy({ attempts: 1, on: [], retriableStatusCodes: [], backoff: { baseMs: 25, maxMs: 250 }, budget: { percent: 20, minConcurrency: 3 } });

t.test('maxRequests across two workers sharing the buffer', async (t) => {
  const table = EndpointTable.create(4);
  const one = breakers(table);
  const two = breakers(new EndpointTable(table.buffer));
  t.same([one.cb.beginRequest(), two.cb.beginRequest(), one.cb.beginRequest(), two.cb.beginRequest()], [true, true, true, false]);
  t.equal(table.count(1, ClusterField.REQUESTS), 3);
  t.same([one.refused.requests, two.refused.requests], [0, 1]);
  one.cb.endRequest();
  t.equal(two.cb.beginRequest(), true);
  t.equal(table.active(0), 0, 'other slots untouched');
});

t.test('connections, pending and retries each have their own limit', async (t) => {
  const { cb, refused } = breakers(EndpointTable.create(2));
  t.same([cb.openConnection(), cb.openConnection(), cb.openConnection()], [true, true, false]);
  cb.connectionClosed();
  t.equal(cb.openConnection(), true);
  t.same([cb.beginPending(), cb.beginPending()], [true, false]);
  cb.endPending();
  t.equal(cb.beginPending(), true);
  t.same([cb.beginRetry(noBudget), cb.beginRetry(noBudget)], [true, false]);
  cb.endRetry();
  t.equal(cb.beginRetry(noBudget), true);
  t.same(refused, { connections: 1, pending: 1, retries: 1, requests: 0 });
});

t.test('retry budget: max(minConcurrency, percent of active requests), replacing maxRetries', async (t) => {
  t.same([0, 10, 15, 20, 49, 50, 100].map((active) => retryLimit(budget, 1, active)), [3, 3, 3, 4, 9, 10, 20]);
  t.same([0, 100].map((active) => retryLimit(noBudget, 1, active)), [1, 1]);

  const table = EndpointTable.create(2);
  const { cb, refused } = breakers(table);
  for (let i = 0; i < 3; i++) cb.beginRequest();
  // 3 requests in flight: the budget allows max(3, 0.6) = 3 concurrent retries, more than maxRetries 1.
  t.same([cb.beginRetry(budget), cb.beginRetry(budget), cb.beginRetry(budget), cb.beginRetry(budget)], [true, true, true, false]);
  t.equal(refused.retries, 1);
});
