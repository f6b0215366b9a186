// The real data-plane worker, plus one thing for tests: a message on the `sluice-test-crash`
// BroadcastChannel naming this worker's index makes it die of an uncaught exception, as a bug would.
import { BroadcastChannel, workerData } from 'node:worker_threads';
import type { WorkerData } from '../../src/control/messages.js';
import '../../src/worker/worker-main.js';

const { index } = workerData as WorkerData;
const crashes = new BroadcastChannel('sluice-test-crash');
crashes.onmessage = (event) => {
  if ((event as { data: unknown }).data === index) throw new Error(`induced crash of worker ${index}`);
};
crashes.unref();
