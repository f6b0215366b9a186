// PoolSet: one pool per endpoint, for the protocol its cluster speaks only; pools kept across
// snapshots while their endpoint stays, closed when it leaves or its cluster changes protocol.
import t from 'tap';
import { EndpointTable } from '../../src/balancing/endpoint-table.js';
import { buildSnapshot, formatProblems, validateConfig } from '../../src/config/index.js';
import { PoolSet } from '../../src/proxy/pool-set.js';
import { Ticker } from '../../src/proxy/ticker.js';
import type { CircuitBreakers } from '../../src/resilience/circuit-breakers.js';
import type { ClusterSnapshot } from '../../src/snapshot.js';

/** The clusters of a configuration with one endpoint per cluster; slots numbered in order. */
function clusters(protocols: Record<string, string>): readonly ClusterSnapshot[] {
  const result = validateConfig({
    listeners: [{ name: 'web', address: '127.0.0.1:0' }],
    clusters: Object.entries(protocols).map(([name, protocol], index) => ({ name, protocol, endpoints: [{ address: `127.0.0.1:${9001 + index}` }] })),
  });
  if (!result.ok) throw new Error(formatProblems('test', result.problems));
  let slot = 0;
  return buildSnapshot(result.config, 1, () => slot++).clusters;
}

// The pools only hold on to the breakers (nothing connects here).
const breakersOf = () => ({}) as CircuitBreakers;

t.test('each endpoint gets a pool for its cluster protocol, and no other', async (t) => {
  const pools = new PoolSet(EndpointTable.create(8), new Ticker());
  t.teardown(() => pools.close());
  const snapshot = clusters({ plain: 'http1', secure: 'h2', clear: 'h2c' });
  const poolsOf = pools.update(snapshot, breakersOf);
  const [plain, secure, clear] = snapshot.map((cluster) => poolsOf(cluster, cluster.endpoints[0]!));
  t.ok(plain!.http1, 'http1 cluster: an HTTP/1.1 pool');
  t.equal(plain!.h2, undefined, 'http1 cluster: no HTTP/2 pool');
  t.equal(secure!.http1, undefined, 'h2 cluster: no HTTP/1.1 pool');
  t.ok(secure!.h2, 'h2 cluster: an HTTP/2 pool');
  t.equal(clear!.http1, undefined, 'h2c cluster: no HTTP/1.1 pool');
  t.ok(clear!.h2, 'h2c cluster: an HTTP/2 pool');

  const again = pools.update(snapshot, breakersOf);
  t.equal(again(snapshot[1]!, snapshot[1]!.endpoints[0]!), secure, 'an endpoint that stays keeps its pools');
  const switched = clusters({ plain: 'h2c', secure: 'h2', clear: 'h2c' });
  const afterSwitch = pools.update(switched, breakersOf)(switched[0]!, switched[0]!.endpoints[0]!);
  t.not(afterSwitch, plain, 'a protocol change makes new pools');
  t.same([afterSwitch.http1, typeof afterSwitch.h2], [undefined, 'object']);
});
