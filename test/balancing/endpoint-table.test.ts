// EndpointTable: counters per slot, unsigned totals, reset, and one buffer shared across threads.
import t from 'tap';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { EndpointField, EndpointState, EndpointTable, SLOT_STRIDE } from '../../src/balancing/endpoint-table.js';

/** Int32 cells before slot 0 (the generation and the epoch). */
const HEADER_CELLS = 4;

t.test('counts requests and connections per slot, slots apart', async (t) => {
  const table = EndpointTable.create(4);
  t.equal(table.capacity, 4);
  t.equal(table.buffer.byteLength, 16 + 4 * SLOT_STRIDE * 4, 'a 16-byte header, then the slots');
  table.beginRequest(1);
  table.beginRequest(1);
  table.beginRequest(2);
  table.endRequest(1);
  table.connectionOpened(2);
  table.connectionOpened(2);
  table.connectionClosed(2);
  t.same([0, 1, 2, 3].map((slot) => table.active(slot)), [0, 1, 1, 0], 'active');
  t.same([0, 1, 2, 3].map((slot) => table.total(slot)), [0, 2, 1, 0], 'total');
  t.same([0, 1, 2, 3].map((slot) => table.connections(slot)), [0, 0, 1, 0], 'connections');
});

t.test('total is read as unsigned 32-bit past 2^31', async (t) => {
  const table = EndpointTable.create(1);
  new Int32Array(table.buffer)[HEADER_CELLS + EndpointField.TOTAL] = 0x7fffffff;
  table.beginRequest(0);
  t.equal(table.total(0), 0x80000000);
});

t.test('reset zeroes every field of one slot and stamps when it became available', async (t) => {
  const table = EndpointTable.create(2, 1_000_000);
  const cells = new Int32Array(table.buffer);
  cells.fill(7, HEADER_CELLS);
  const generation = table.generation();
  table.reset(1, 1_000_000 + 2_500);
  const slot1 = [...cells.subarray(HEADER_CELLS + SLOT_STRIDE)];
  t.same(slot1.filter((_, field) => field !== EndpointField.AVAILABLE_SINCE), new Array(SLOT_STRIDE - 1).fill(0), 'slot 1 zeroed');
  t.equal(table.availableSince(1), 1_002_500, 'available since the reset, in 100 ms steps');
  t.same([...cells.subarray(HEADER_CELLS, HEADER_CELLS + SLOT_STRIDE)], new Array(SLOT_STRIDE).fill(7), 'slot 0 untouched');
  t.equal(table.generation(), generation + 1, 'a reset changes the generation');
  table.reset(0, 1_000_000, EndpointState.UNCHECKED);
  t.equal(table.state(0), EndpointState.UNCHECKED, 'a slot can start out of balancing');
  t.notOk(table.isAvailable(0));
});

t.test('state flags: one caller wins each transition; availability changes move the generation', async (t) => {
  const table = EndpointTable.create(1, 0);
  const start = table.generation();
  t.ok(table.isAvailable(0));
  t.ok(table.setFlag(0, EndpointState.EJECTED), 'first setter wins');
  t.notOk(table.setFlag(0, EndpointState.EJECTED), 'second setter loses');
  t.equal(table.generation(), start + 1, 'available → not: generation moves');
  t.ok(table.setFlag(0, EndpointState.UNHEALTHY));
  t.equal(table.generation(), start + 1, 'still unavailable: generation stays');
  t.ok(table.clearFlag(0, EndpointState.EJECTED, 5_000));
  t.notOk(table.clearFlag(0, EndpointState.EJECTED, 5_000), 'already clear');
  t.equal(table.state(0), EndpointState.UNHEALTHY);
  t.equal(table.generation(), start + 1);
  t.ok(table.clearFlag(0, EndpointState.UNHEALTHY, 7_000));
  t.ok(table.isAvailable(0));
  t.equal(table.generation(), start + 2, 'back in: generation moves');
  t.equal(table.availableSince(0), 7_000, 'stamped when the last flag cleared');
});

t.test('outcomes: consecutive runs, interval counts taken and zeroed', async (t) => {
  const table = EndpointTable.create(1);
  t.equal(table.recordFailure(0, false), 1, '500');
  t.equal(table.recordFailure(0, true), 2, '503 is a 5xx too');
  t.equal(table.recordFailure(0, true), 3);
  t.equal(table.consecutiveGatewayFailures(0), 2);
  t.equal(table.recordFailure(0, false), 4, 'a plain 500 extends the 5xx run…');
  t.equal(table.consecutiveGatewayFailures(0), 0, '…and ends the gateway run');
  table.recordSuccess(0);
  t.equal(table.consecutive5xx(0), 0);
  table.recordFailure(0, true);
  table.clearConsecutive(0);
  t.same([table.consecutive5xx(0), table.consecutiveGatewayFailures(0)], [0, 0]);
  t.equal(table.takeIntervalSuccesses(0), 1);
  t.equal(table.takeIntervalFailures(0), 5);
  t.same([table.takeIntervalSuccesses(0), table.takeIntervalFailures(0)], [0, 0], 'taking zeroes');
  table.setEjectionCount(0, 3);
  t.equal(table.ejectionCount(0), 3);
});

t.test('a wrapped buffer sees the same counters; bad sizes are refused', async (t) => {
  const table = EndpointTable.create(3);
  table.beginRequest(2);
  const view = new EndpointTable(table.buffer);
  t.equal(view.capacity, 3);
  t.equal(view.active(2), 1);
  t.throws(() => EndpointTable.create(0), /capacity must be a positive integer, got 0/);
  t.throws(() => EndpointTable.create(1.5), /capacity must be a positive integer/);
  t.throws(() => new EndpointTable(new SharedArrayBuffer(12)), /16-byte header and whole slots of 64 bytes, got 12 bytes/);
  t.equal(view.epochMs, table.epochMs, 'the epoch travels with the buffer');
  t.throws(() => table.active(3), RangeError, 'a slot beyond the capacity');
});

// The worker waits on a start flag so both threads increment the same cells at the same time; plain
// (non-atomic) increments would lose updates here.
const workerSource = `
const { workerData, parentPort } = require('node:worker_threads');
import(workerData.tableModule).then(({ EndpointTable }) => {
  const table = new EndpointTable(workerData.buffer);
  const start = new Int32Array(workerData.start);
  parentPort.postMessage('ready');
  Atomics.wait(start, 0, 0);
  for (let i = 0; i < workerData.rounds; i++) { table.beginRequest(1); table.connectionOpened(1); }
  for (let i = 0; i < workerData.rounds; i++) table.endRequest(1);
});
`;

t.test('increments from the main thread and a worker are all seen', async (t) => {
  const rounds = 2_000_000;
  const table = EndpointTable.create(2);
  const start = new SharedArrayBuffer(4);
  const tableModule = new URL('../../src/balancing/endpoint-table.js', import.meta.url).href;
  const worker = new Worker(workerSource, { eval: true, workerData: { buffer: table.buffer, start, tableModule, rounds } });
  const signal = AbortSignal.timeout(20_000);
  const exited = once(worker, 'exit', { signal });
  await once(worker, 'message', { signal });

  Atomics.store(new Int32Array(start), 0, 1);
  Atomics.notify(new Int32Array(start), 0);
  for (let i = 0; i < rounds; i++) table.beginRequest(1);
  const [exitCode] = await exited;

  t.equal(exitCode, 0);
  t.equal(table.total(1), 2 * rounds, 'every begin from both threads counted');
  t.equal(table.active(1), rounds, 'worker ended its own, main still in flight');
  t.equal(table.connections(1), rounds);
  t.equal(table.total(0), 0, 'neighbouring slot untouched');
});
