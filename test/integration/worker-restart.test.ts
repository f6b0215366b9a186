// A worker that dies is replaced: the real worker code, real listening sockets and traffic; one
// worker is crashed by an uncaught exception and the pool brings up another on the same snapshot.
import t from 'tap';
import { BroadcastChannel } from 'node:worker_threads';
import { Agent, request } from 'undici';
import { EndpointTable } from '../../src/balancing/endpoint-table.js';
import { buildSnapshot, validateConfig } from '../../src/config/index.js';
import { ListenerSockets } from '../../src/control/listener-sockets.js';
import { RestartBackoff } from '../../src/control/restart-backoff.js';
import { WorkerPool } from '../../src/control/worker-pool.js';
import { configureLog } from '../../src/log.js';
import { eventually } from '../helpers/admin.js';
import { startBackend } from '../helpers/backend.js';

t.test('a crashed worker is replaced and traffic keeps flowing', async (t) => {
  configureLog('error');
  const backend = await startBackend(t, 'alive');
  const config = validateConfig({
    listeners: [{ name: 'web', address: '127.0.0.1:0', protocol: 'http' }],
    routes: [{ paths: [{ path: '/', pathType: 'Prefix', cluster: 'app' }] }],
    clusters: [{ name: 'app', endpoints: [{ address: backend.address }] }],
  });
  if (!config.ok) throw new Error(JSON.stringify(config.problems));
  const table = EndpointTable.create(64);
  let nextSlot = 0;
  const snapshot = buildSnapshot(config.config, 1, () => nextSlot++);
  const sockets = new ListenerSockets();
  sockets.open(snapshot.listeners);
  t.teardown(() => sockets.closeAll());
  const pool = new WorkerPool({
    count: 2,
    shared: { endpointTable: table.buffer, logLevel: 'error' },
    currentSnapshot: () => snapshot,
    duplicatesFor: (current) => sockets.duplicatesFor(current.listeners),
    onRejected: (index, version, error) => t.fail(`worker ${index} rejected ${version}: ${error}`),
    backoff: new RestartBackoff(),
    entry: new URL('../helpers/crashable-worker.js', import.meta.url),
    execArgv: [],
  });
  t.same((await pool.start()).map((outcome) => outcome.result), ['applied', 'applied']);
  t.teardown(() => pool.drain(5_000));

  const url = `http://127.0.0.1:${sockets.boundPort(snapshot.listeners[0]!.key)}/`;
  const agent = new Agent({ connections: 4 });
  t.teardown(() => agent.close());
  const fetchOk = async () => {
    const response = await request(url, { dispatcher: agent, reset: true });
    return (await response.body.text()) === 'alive' && response.statusCode === 200;
  };
  for (let i = 0; i < 20; i++) t.ok(await fetchOk(), 'serving before the crash');

  const crash = new BroadcastChannel('sluice-test-crash');
  crash.postMessage(0);
  crash.close();
  await eventually(() => pool.liveCount === 1, 10_000, 'worker 0 to die');
  t.pass('worker 0 died');
  await eventually(() => pool.liveCount === 2 && pool.versions().every((w) => w.version === 1), 10_000, 'its replacement');
  t.same(pool.versions(), [{ index: 0, version: 1 }, { index: 1, version: 1 }], 'worker 0 runs again, on the current snapshot');

  let served = 0;
  for (let i = 0; i < 100; i++) if (await fetchOk()) served++;
  t.equal(served, 100, 'every request after the crash served (new connections, both workers)');
});
