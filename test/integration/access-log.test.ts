// The access log of a real proxy (2 workers) written to a file: one JSON line per request with every
// field checked for a proxied GET and POST, a 404 (no route) and a 502 (endpoint down, retried once); SIGUSR1 reopens
// the file after rotation; sampleRate 0 writes nothing; stopping flushes every pending line.
import t from 'tap';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { adminJson, adminText, eventually } from '../helpers/admin.js';
import { startBackend } from '../helpers/backend.js';
import { send } from '../helpers/http-request.js';
import { closedAddress } from '../helpers/ports.js';
import { startSluice } from '../helpers/sluice-process.js';

type Line = Record<string, unknown>;
const linesOf = (file: string): Line[] =>
  existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Line) : [];


t.test('access log lines: every field, rotation, sampling, flush on stop', async (t) => {
  const backend = await startBackend(t, 'one', (req, res) => {
    req.resume();
    req.on('end', () => res.end(req.method === 'POST' ? 'created!' : 'one'));
  });
  const down = await closedAddress();
  const config = (sampleRate: number) => `
listeners: [{ name: web, address: "127.0.0.1:0" }]
routes:
  - { host: app.test, paths: [{ path: /, pathType: Prefix, cluster: app }] }
  - { paths: [{ path: /down, pathType: Prefix, cluster: down }] }
clusters:
  - { name: app, endpoints: [{ address: "${backend.address}" }] }
  - { name: down, endpoints: [{ address: "${down}" }] }
accessLog: { enabled: true, path: access.log, sampleRate: ${sampleRate} }
`;
  const sluice = await startSluice(t, config(1), { workers: 2 });
  const logFile = path.join(path.dirname(sluice.configFile), 'access.log');
  const web = sluice.listeners.web!;

  const get = await send(web, { host: 'app.test', path: '/get?q=1', headers: { 'x-request-id': 'client-chosen-id' } });
  t.equal(get.status, 200);
  t.equal((await send(web, { method: 'POST', host: 'app.test', path: '/post', body: 'hello' })).status, 200);
  const notFound = await send(web, { host: 'other.test', path: '/nowhere' });
  const badGateway = await send(web, { host: 'other.test', path: '/down/x' });
  t.same([notFound.status, badGateway.status], [404, 502]);
  await eventually(() => linesOf(logFile).length === 4, 20_000, 'four access log lines');

  const byPath: Record<string, Line> = Object.fromEntries(linesOf(logFile).map((line) => [line.path, line]));
  const common = {
    requestId: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, traceId: /^[0-9a-f]{32}$/,
    clientAddress: '127.0.0.1', protocol: 'HTTP/1.1', retries: 0,
  };
  t.match(byPath['/get?q=1'], {
    ...common, requestId: 'client-chosen-id', method: 'GET', host: 'app.test', status: 200, bytesIn: 0, bytesOut: 3,
    upstream: backend.address, route: 'app.test/', cluster: 'app', errorCode: null,
  });
  t.match(byPath['/post'], {
    ...common, method: 'POST', host: 'app.test', status: 200, bytesIn: 5, bytesOut: 8,
    upstream: backend.address, route: 'app.test/', cluster: 'app', errorCode: null,
  });
  t.match(byPath['/nowhere'], {
    ...common, method: 'GET', host: 'other.test', status: 404, bytesIn: 0, bytesOut: notFound.body.length, upstream: null, upstreamMs: null,
    route: null, cluster: null, errorCode: 'no_route',
  });
  // A connect failure is retried once by default (retries.attempts: 1): the retried request's line.
  t.match(byPath['/down/x'], {
    ...common, method: 'GET', host: 'other.test', status: 502, bytesIn: 0, bytesOut: badGateway.body.length, upstream: down, upstreamMs: null,
    route: '*/down', cluster: 'down', errorCode: 'upstream_connect_failed', retries: 1,
  });
  for (const line of Object.values(byPath)) {
    t.same(Object.keys(line), ['time', 'requestId', 'traceId', 'clientAddress', 'method', 'host', 'path', 'protocol', 'status',
      'bytesIn', 'bytesOut', 'durationMs', 'upstream', 'upstreamMs', 'route', 'cluster', 'retries', 'errorCode'], 'every field, in order');
    t.ok(Math.abs(Date.parse(line.time as string) - Date.now()) < 120_000, 'time is the wall clock');
    t.ok(typeof line.durationMs === 'number' && line.durationMs >= 0);
  }
  for (const proxied of [byPath['/get?q=1']!, byPath['/post']!]) {
    t.ok(typeof proxied.upstreamMs === 'number' && proxied.upstreamMs <= (proxied.durationMs as number), 'upstream time within the duration');
  }

  // Rotation: the file is moved away, SIGUSR1 reopens it; a /metrics scrape is a barrier (every worker
  // answers its messages in order, so each has reopened before it answers).
  renameSync(logFile, `${logFile}.1`);
  sluice.child.kill('SIGUSR1');
  await sluice.waitForLog((line) => line.msg === 'reopening the access log');
  await adminText(sluice.admin, '/metrics');

  const applied = (version: number) => eventually(async () =>
    (await adminJson<{ workers: { version: number }[] }>(sluice.admin, '/config')).workers.every((w) => w.version === version), 20_000, `version ${version}`);
  sluice.writeConfig(config(0));
  await applied(2);
  for (let i = 0; i < 10; i++) t.equal((await send(web, { host: 'app.test', path: '/unsampled' })).status, 200);
  sluice.writeConfig(config(1));
  await applied(3);
  t.equal((await send(web, { host: 'app.test', path: '/marker' })).status, 200);
  t.equal(await sluice.stop(), 0);

  t.equal(linesOf(`${logFile}.1`).length, 4, 'the rotated file keeps what was written before');
  t.same(linesOf(logFile).map((line) => line.path), ['/marker'], 'sampleRate 0 wrote nothing; the line pending at stop was flushed');
});
