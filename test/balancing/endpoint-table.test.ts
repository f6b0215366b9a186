// EndpointTable: counters per slot, unsigned totals, reset, and one buffer shared across threads.
import t from 'tap';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { EndpointField, EndpointTable, SLOT_STRIDE } from '../../src/balancing/endpoint-table.js';

t.test('counts requests and connections per slot, slots apart', async (t) => {
  const table = EndpointTable.create(4);
  t.equal(table.capacity, 4);
  t.equal(table.buffer.byteLength, 4 * SLOT_STRIDE * 4);
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
  new Int32Array(table.buffer)[EndpointField.TOTAL] = 0x7fffffff;
  table.beginRequest(0);
  t.equal(table.total(0), 0x80000000);
});

t.test('reset zeroes every field of one slot, reserved ones included', async (t) => {
  const table = EndpointTable.create(2);
  const cells = new Int32Array(table.buffer);
  cells.fill(7);
  table.reset(1);
  t.same([...cells.subarray(SLOT_STRIDE)], new Array(SLOT_STRIDE).fill(0), 'slot 1 zeroed');
  t.same([...cells.subarray(0, SLOT_STRIDE)], new Array(SLOT_STRIDE).fill(7), 'slot 0 untouched');
});

t.test('a wrapped buffer sees the same counters; bad sizes are refused', async (t) => {
  const table = EndpointTable.create(3);
  table.beginRequest(2);
  const view = new EndpointTable(table.buffer);
  t.equal(view.capacity, 3);
  t.equal(view.active(2), 1);
  t.throws(() => EndpointTable.create(0), /capacity must be a positive integer, got 0/);
  t.throws(() => EndpointTable.create(1.5), /capacity must be a positive integer/);
  t.throws(() => new EndpointTable(new SharedArrayBuffer(12)), /whole slots of 32 bytes, got 12 bytes/);
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
