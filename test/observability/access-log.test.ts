// The access log: the line an entry renders to (every field, exact), the configured field order,
// sampling on a seeded sequence, and the buffered writer's batches against a recording sink.
import t from 'tap';
import { performance } from 'node:perf_hooks';
import { seededRandom } from '../../src/balancing/random.js';
import { AccessLog } from '../../src/observability/access-log/access-log.js';
import type { AccessLogEntry } from '../../src/observability/access-log/access-log-entry.js';
import { compileAccessLogLine } from '../../src/observability/access-log/access-log-line.js';
import { BufferedLogWriter } from '../../src/observability/access-log/buffered-log-writer.js';
import type { LogSink } from '../../src/observability/access-log/log-sinks.js';
import { accessLogFields, type AccessLogSnapshot } from '../../src/snapshot.js';

const startedAt = Date.UTC(2026, 0, 2, 3, 4, 5, 678) - performance.timeOrigin;
const entry: AccessLogEntry = {
  startedAt, clientAddress: '127.0.0.1', method: 'POST', host: 'shop.example.com', path: '/cart?id="7"',
  protocol: 'HTTP/1.1', status: 201, bytesIn: 12, bytesOut: 345, upstream: '10.0.0.7:9000', upstreamMs: 1.23456,
  route: 'shop.example.com/cart', cluster: 'shop', errorCode: undefined, retries: 0, requestId: 'req-1', traceId: 'abc123',
};

t.test('every field, in the default order, as JSON', async (t) => {
  const line = compileAccessLogLine(accessLogFields)(entry, startedAt + 2.5);
  t.equal(line,
    '{"time":"2026-01-02T03:04:05.678Z","requestId":"req-1","traceId":"abc123","clientAddress":"127.0.0.1","method":"POST",' +
    '"host":"shop.example.com","path":"/cart?id=\\"7\\"","protocol":"HTTP/1.1","status":201,"bytesIn":12,"bytesOut":345,' +
    '"durationMs":2.5,"upstream":"10.0.0.7:9000","upstreamMs":1.235,"route":"shop.example.com/cart","cluster":"shop",' +
    '"retries":0,"errorCode":null}\n');
  t.same(Object.keys(JSON.parse(line)), [...accessLogFields]);
});

t.test('a chosen subset, in the chosen order; absent values are null', async (t) => {
  const bare: AccessLogEntry = { ...entry, upstream: undefined, upstreamMs: undefined, route: undefined, cluster: undefined, errorCode: 'no_route', retries: undefined, requestId: undefined, traceId: undefined, host: undefined };
  const line = compileAccessLogLine(['status', 'errorCode', 'route', 'upstream', 'upstreamMs', 'retries', 'requestId', 'host'])(bare, startedAt);
  t.equal(line, '{"status":201,"errorCode":"no_route","route":null,"upstream":null,"upstreamMs":null,"retries":null,"requestId":null,"host":null}\n');
});

function recordingWriter(): { writer: BufferedLogWriter; batches: string[]; finish: () => void } {
  const batches: string[] = [];
  let pending: ((error: Error | null) => void) | undefined;
  const sink: LogSink = {
    write(data, done) { batches.push(data.toString()); pending = done; },
    reopen() {},
    close() {},
  };
  return { writer: new BufferedLogWriter(sink), batches, finish: () => pending?.(null) };
}

const config = (sampleRate: number): AccessLogSnapshot => ({ enabled: true, path: 'stdout', fields: ['status'], sampleRate });

t.test('sampling: rate 0 writes nothing, 1 writes every request, 0.5 follows the seeded sequence', async (t) => {
  for (const [rate, expected] of [[0, 0], [1, 100]] as const) {
    const { writer, batches } = recordingWriter();
    const log = new AccessLog(config(rate), writer, seededRandom(1));
    for (let i = 0; i < 100; i++) log.log(entry);
    writer.flush();
    t.equal(batches.join('').split('\n').filter(Boolean).length, expected, `rate ${rate}`);
  }
  const random = seededRandom(7);
  const expected = Array.from({ length: 100 }, () => random.next()).filter((draw) => draw < 0.5).length;
  const { writer, batches } = recordingWriter();
  const log = new AccessLog(config(0.5), writer, seededRandom(7));
  for (let i = 0; i < 100; i++) log.log(entry);
  writer.flush();
  t.equal(batches.join('').split('\n').filter(Boolean).length, expected);
});

t.test('lines go out in batches: on flush, or once 64 KiB are pending; one write at a time', async (t) => {
  const { writer, batches, finish } = recordingWriter();
  writer.write('a\n');
  writer.write('b\n');
  t.same(batches, [], 'nothing before a flush');
  writer.flush();
  t.same(batches, ['a\nb\n']);
  const big = 'x'.repeat(1023) + '\n';
  for (let i = 0; i < 64; i++) writer.write(big);
  t.equal(batches.length, 1, 'the first write is still in flight: the next batch waits');
  finish();
  t.equal(batches.length, 2, 'a full batch goes out as soon as the sink is free');
  t.equal(batches[1]!.length, 64 * 1024);
  writer.write('c\n');
  const drained = writer.drain();
  finish(); // the second batch
  finish(); // 'c'
  await drained;
  t.same(batches.slice(2), ['c\n'], 'drain writes the rest');
});

t.test('a sink that falls 8 MiB behind: new lines are dropped and counted', async (t) => {
  const { writer } = recordingWriter();
  const line = 'y'.repeat(1023) + '\n';
  writer.write(line);
  writer.flush(); // in flight, never finished
  for (let i = 0; i < 8 * 1024 + 10; i++) writer.write(line);
  t.equal(writer.dropped, 10);
});
