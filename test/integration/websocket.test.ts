// WebSockets through Sluice with the real `ws` client and server: the upgrade becomes a tunnel to the
// chosen endpoint, 10,000 messages echo both ways, and the tunnel survives a reload that keeps its
// endpoint.
import t from 'tap';
import { once } from 'node:events';
import { WebSocket, WebSocketServer } from 'ws';
import { adminJson, eventually } from '../helpers/admin.js';
import { startBackend } from '../helpers/backend.js';
import { startSluice } from '../helpers/sluice-process.js';

const MESSAGES = 10_000;

t.test('WebSocket echo of 10,000 messages, across a config reload', async (t) => {
  const backend = await startBackend(t, 'ws-backend');
  const sockets = new WebSocketServer({ server: backend.server });
  sockets.on('connection', (socket, request) => {
    socket.send(`hello ${request.headers['x-forwarded-proto']}`);
    socket.on('message', (data, binary) => socket.send(data, { binary }));
  });
  t.teardown(() => {
    for (const client of sockets.clients) client.terminate();
    sockets.close();
  });
  const other = await startBackend(t, 'other');
  const config = (extra: string) => `
listeners: [{ name: web, address: "127.0.0.1:0", protocol: http }]
routes: [{ paths: [{ path: /, pathType: Prefix, cluster: ws }${extra}] }]
clusters:
  - { name: ws, endpoints: [{ address: "${backend.address}" }] }
  - { name: other, endpoints: [{ address: "${other.address}" }] }
`;
  const sluice = await startSluice(t, config(''));

  const client = new WebSocket(`ws://${sluice.listeners.web}/chat`);
  const received: string[] = [];
  client.on('message', (data) => received.push(data.toString()));
  await once(client, 'open');
  await eventually(() => received.length === 1, 10_000, 'the greeting');
  t.equal(received[0], 'hello http', 'the endpoint saw the upgrade with X-Forwarded-Proto');

  const send = (from: number, to: number) => { for (let i = from; i < to; i++) client.send(`message ${i}`); };
  send(0, MESSAGES / 2);
  await eventually(() => received.length === 1 + MESSAGES / 2, 30_000, 'the first half of the echoes');

  // A reload that keeps the tunnel's endpoint (it adds a route) must not touch the open tunnel.
  const version = (await adminJson<{ version: number }>(sluice.admin, '/config')).version;
  sluice.writeConfig(config(', { path: /other, pathType: Prefix, cluster: other }'));
  await eventually(async () => (await adminJson<{ version: number }>(sluice.admin, '/config')).version === version + 1,
    20_000, 'the reload');

  send(MESSAGES / 2, MESSAGES);
  await eventually(() => received.length === 1 + MESSAGES, 30_000, 'every echo');
  const expected = Array.from({ length: MESSAGES }, (_, i) => `message ${i}`);
  t.same(received.slice(1), expected, 'every message came back, in order');
  t.equal(client.readyState, WebSocket.OPEN, 'the tunnel is still open after the reload');

  client.close(1000, 'done');
  const [code] = (await once(client, 'close')) as [number];
  t.equal(code, 1000, 'the close handshake went through the tunnel');
  t.equal(await sluice.stop(), 0);
});
