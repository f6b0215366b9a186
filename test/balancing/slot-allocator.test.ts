// SlotAllocator: stable slots per key, drain before release, reuse of released slots, capacity errors.
import t from 'tap';
import { EndpointTable } from '../../src/balancing/endpoint-table.js';
import { SlotAllocator } from '../../src/balancing/slot-allocator.js';

t.test('a key keeps its slot; distinct keys get distinct slots', async (t) => {
  const allocator = new SlotAllocator(EndpointTable.create(4));
  const a = allocator.slotFor('10.0.0.1:80');
  const b = allocator.slotFor('10.0.0.2:80');
  t.equal(a, 0);
  t.equal(b, 1);
  allocator.retain(['10.0.0.1:80', '10.0.0.2:80']);
  t.equal(allocator.slotFor('10.0.0.2:80'), 1);
  t.equal(allocator.slotFor('10.0.0.1:80'), 0);
});

t.test('a new key gets a zeroed slot', async (t) => {
  const table = EndpointTable.create(1);
  table.beginRequest(0);
  table.connectionOpened(0);
  const slot = new SlotAllocator(table).slotFor('a');
  t.same([table.active(slot), table.total(slot), table.connections(slot)], [0, 0, 0]);
});

t.test('an idle removed key is released at once and its slot reused, zeroed', async (t) => {
  const table = EndpointTable.create(2);
  const allocator = new SlotAllocator(table);
  allocator.slotFor('a');
  allocator.slotFor('b');
  table.beginRequest(0);
  table.endRequest(0);
  allocator.retain(['b']);
  t.equal(allocator.slotFor('c'), 0, 'c takes a\'s slot');
  t.equal(table.total(0), 0, 'counters of a are gone');
  t.throws(() => allocator.slotFor('a'), /is full/, 'a, added back after its release, is a new key needing a free slot');
});

t.test('a removed key with requests in flight keeps its slot until they drain', async (t) => {
  const table = EndpointTable.create(2);
  const allocator = new SlotAllocator(table);
  const a = allocator.slotFor('a');
  allocator.slotFor('b');
  table.beginRequest(a);
  table.beginRequest(a);
  allocator.retain(['b']);
  t.throws(() => allocator.slotFor('c'), /EndpointTable is full: all 2 slots are in use \(1 endpoints, 1 removed but still draining\)/);

  table.endRequest(a);
  allocator.sweep();
  t.throws(() => allocator.slotFor('c'), /is full/, 'one request still in flight');

  table.endRequest(a);
  allocator.sweep();
  t.equal(allocator.slotFor('c'), a, 'released once drained');
});

t.test('retain also releases slots that drained since the last call', async (t) => {
  const table = EndpointTable.create(1);
  const allocator = new SlotAllocator(table);
  table.beginRequest(allocator.slotFor('a'));
  allocator.retain([]);
  table.endRequest(0);
  allocator.retain([]);
  t.equal(allocator.slotFor('b'), 0);
});

t.test('a key added back while draining keeps its slot and in-flight count', async (t) => {
  const table = EndpointTable.create(2);
  const allocator = new SlotAllocator(table);
  const a = allocator.slotFor('a');
  table.beginRequest(a);
  allocator.retain([]);
  t.equal(allocator.slotFor('a'), a);
  t.equal(table.active(a), 1, 'not reset');
  table.endRequest(a);
  allocator.sweep();
  t.equal(allocator.slotFor('b'), 1, 'a is live again, so its slot was not released');
});

t.test('never-used slots go first, then released slots oldest first', async (t) => {
  const allocator = new SlotAllocator(EndpointTable.create(4));
  for (const key of ['a', 'b', 'c']) allocator.slotFor(key);
  allocator.retain(['a', 'c']);
  t.equal(allocator.slotFor('d'), 3, 'fresh slot before b\'s released one');
  allocator.retain(['d']);
  t.same(['e', 'f', 'g'].map((key) => allocator.slotFor(key)), [1, 0, 2], 'b released first, then a and c in order');
  t.throws(() => allocator.slotFor('h'), /all 4 slots are in use \(4 endpoints, 0 removed but still draining\); raise the table capacity/);
});
