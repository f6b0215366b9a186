// Listening sockets through the native addon: bound ports, per-worker duplicates, and bind errors
// that name the listener.
import t from 'tap';
import net from 'node:net';
import { ListenerBindError, ListenerSockets } from '../../src/control/listener-sockets.js';
import type { ListenerSnapshot } from '../../src/snapshot.js';

const listener = (name: string, port: number): ListenerSnapshot => ({
  name, host: '127.0.0.1', port, protocol: 'http', key: `127.0.0.1:${port}/${name}`,
  idleTimeoutMs: 1_000, headersTimeoutMs: 1_000, maxHeaderBytes: 16_384,
  http2: { enabled: true, maxConcurrentStreams: 100, maxHeaderListSize: 16_384, maxResetsPerSecond: 200, codec: 'sluice' },
});

t.test('binds, reports the bound port, and hands out duplicates that accept', async (t) => {
  const sockets = new ListenerSockets();
  t.teardown(() => sockets.closeAll());
  const web = listener('web', 0);
  sockets.open([web]);
  const port = sockets.boundPort(web.key)!;
  t.ok(port > 0, `bound port ${port}`);
  const [copy] = sockets.duplicatesFor([web]);
  t.equal(copy!.key, web.key);
  t.equal(copy!.port, port);

  const server = net.createServer((socket) => socket.end('hello'));
  await new Promise<void>((resolve) => server.listen({ fd: copy!.fd }, resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const answer = await new Promise<string>((resolve, reject) => {
    let text = '';
    net.connect(port, '127.0.0.1').setEncoding('utf8').on('data', (chunk: string) => { text += chunk; })
      .on('end', () => resolve(text)).on('error', reject);
  });
  t.equal(answer, 'hello');
});

t.test('a port in use fails with a message naming the listener, and opens nothing', async (t) => {
  const holder = net.createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => holder.close(() => resolve())));
  const taken = (holder.address() as net.AddressInfo).port;

  const sockets = new ListenerSockets();
  t.teardown(() => sockets.closeAll());
  const fresh = listener('fresh', 0);
  t.throws(() => sockets.open([fresh, listener('busy', taken)]), new ListenerBindError(`listener "busy" (127.0.0.1:${taken}): address already in use`));
  t.equal(sockets.boundPort(fresh.key), undefined, 'the socket opened before the failure was closed again');
});

t.test('retain closes the sockets of removed keys', async (t) => {
  const sockets = new ListenerSockets();
  t.teardown(() => sockets.closeAll());
  const [a, b] = [listener('a', 0), listener('b', 0)];
  sockets.open([a, b]);
  const portOfB = sockets.boundPort(b.key)!;
  sockets.retain([a.key]);
  t.equal(sockets.boundPort(b.key), undefined);
  t.ok(sockets.boundPort(a.key)! > 0);
  // The port is free again: a plain server can take it.
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(portOfB, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
