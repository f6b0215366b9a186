// gRPC through Sluice's h2c listener to an h2c cluster: unary calls multiplexed on ONE client channel
// are balanced per call (not per connection) across four grpc-js backends.
import t from 'tap';
import { callUnary, echoClient, startEchoBackends, type CallOutcome, type EchoMessage } from '../helpers/grpc.js';
import { startSluice } from '../helpers/sluice-process.js';

const TOTAL_CALLS = 4_000;
const CONCURRENCY = 50;
const BACKENDS = ['b0', 'b1', 'b2', 'b3'];

t.test('4,000 unary calls on one channel land 25% ± 5% on each of four backends', async (t) => {
  const backends = await startEchoBackends(t, BACKENDS);
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0", protocol: http }]
routes: [{ paths: [{ path: /, pathType: Prefix, cluster: echo }] }]
clusters:
  - name: echo
    protocol: h2c
    balancer: least_request
    endpoints: [${backends.map((backend) => `{ address: "${backend.address}" }`).join(', ')}]
`);
  const client = echoClient(t, sluice.listeners.web!);
  const servedBy = new Map<string, number>();
  let failures = 0;
  let mismatched = 0;
  for (let first = 0; first < TOTAL_CALLS; first += CONCURRENCY) {
    const batch: Promise<CallOutcome<EchoMessage>>[] = [];
    for (let number = first; number < first + CONCURRENCY; number++) batch.push(callUnary(client, { text: 'hello', number }));
    const outcomes = await Promise.all(batch);
    outcomes.forEach((outcome, index) => {
      if (outcome.status.code !== 0 || outcome.result === undefined) return void failures++;
      if (outcome.result.number !== first + index) mismatched++;
      servedBy.set(outcome.result.text, (servedBy.get(outcome.result.text) ?? 0) + 1);
    });
    if (failures > 0) break;
  }
  t.equal(failures, 0, 'every call succeeded');
  t.equal(mismatched, 0, 'every answer belongs to its own call');
  const low = TOTAL_CALLS * 0.2;
  const high = TOTAL_CALLS * 0.3;
  for (const backend of backends) {
    const served = servedBy.get(backend.name) ?? 0;
    t.ok(served >= low && served <= high, `${backend.name} served ${served} (expected ${low}..${high})`);
    t.equal(backend.calls, served, `${backend.name} saw exactly the calls it answered`);
  }
  t.same([...servedBy.keys()].sort(), BACKENDS, 'only the four backends answered');
  t.equal(await sluice.stop(), 0, 'SIGTERM exits 0');
});
