// Balancing end to end: real sluice (2 workers), real node:http upstreams. least_request steers away from
// a slow endpoint that round_robin keeps feeding; zone-aware routing keeps traffic local or splits it
// as Envoy does; cookie affinity (HTTP/1.1 and HTTP/2 clients, http1 and h2c clusters) and header hashing
// pin clients. Assertions are on shares, not timings.
import t, { type Test } from 'tap';
import http2 from 'node:http2';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { startBackend, type Backend } from '../helpers/backend.js';
import { startH2Backend } from '../helpers/h2-backend.js';
import { startSluice } from '../helpers/sluice-process.js';

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await request(url, { headers });
  return { status: response.statusCode, headers: response.headers, body: await response.body.text() };
}

/** `total` GETs from `concurrency` clients in parallel; returns responses per body. */
async function load(url: string, total: number, concurrency: number): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) {
      next++;
      const { status, body } = await get(url);
      if (status !== 200) throw new Error(`status ${status}: ${body}`);
      counts.set(body, (counts.get(body) ?? 0) + 1);
    }
  }));
  return counts;
}

/** A backend that answers its name after `delayMs`. */
const delayed = (t: Parameters<typeof startBackend>[0], name: string, delayMs: number) =>
  startBackend(t, name, (req, res) => {
    req.resume();
    req.on('end', () => { setTimeout(() => res.end(name), delayMs); });
  });

t.test('one endpoint 10× slower: least_request sends it clearly less than round_robin', async (t) => {
  const backends = [await delayed(t, 'fast-1', 20), await delayed(t, 'fast-2', 20), await delayed(t, 'slow', 200)];
  const endpoints = backends.map((backend) => `{ address: "${backend.address}" }`).join(', ');
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0" }]
routes:
  - paths:
      - { path: /rr, pathType: Prefix, cluster: rr }
      - { path: /lr, pathType: Prefix, cluster: lr }
clusters:
  - { name: rr, balancer: round_robin, endpoints: [${endpoints}] }
  - { name: lr, balancer: least_request, endpoints: [${endpoints}] }
`);
  const share = (counts: Map<string, number>, total: number) => (counts.get('slow') ?? 0) / total;
  const roundRobin = share(await load(sluice.url('/rr'), 300, 12), 300);
  const leastRequest = share(await load(sluice.url('/lr'), 300, 12), 300);
  t.ok(roundRobin > 0.28, `round_robin gives the slow endpoint its third: ${(roundRobin * 100).toFixed(1)} %`);
  t.ok(leastRequest < 0.2, `least_request gives it clearly less: ${(leastRequest * 100).toFixed(1)} %`);
  t.ok(leastRequest < roundRobin * 0.7, 'clearly less than round_robin');
});

t.test('zone-aware routing: all local with capacity, Envoy\'s split without', async (t) => {
  const names = ['a1', 'a2', 'b1', 'b2', 'b3', 'c1', 'c2'];
  const byName = new Map<string, Backend>();
  for (const name of names) byName.set(name, await startBackend(t, name));
  const endpoint = (name: string) => `{ address: "${byName.get(name)!.address}", zone: zone-${name[0]} }`;
  const cluster = (name: string, members: string[]) => `  - { name: ${name}, endpoints: [${members.map(endpoint).join(', ')}] }`;
  const yaml = (local: string[]) => `
fleet: { zone-a: 1, zone-b: 1, zone-c: 1 }
listeners: [{ name: web, address: "127.0.0.1:0" }]
routes:
  - paths:
      - { path: /local, pathType: Prefix, cluster: local }
      - { path: /split, pathType: Prefix, cluster: split }
clusters:
${cluster('local', local)}
${cluster('split', ['a1', 'b1', 'b2', 'b3', 'c1', 'c2'])}
`;
  const sluice = await startSluice(t, yaml(['a1', 'a2', 'b1', 'b2', 'c1', 'c2']), { args: ['--zone', 'zone-a'] });
  const zones = (counts: Map<string, number>) => {
    const perZone: Record<string, number> = {};
    for (const [name, count] of counts) perZone[name[0]!] = (perZone[name[0]!] ?? 0) + count;
    return perZone;
  };

  t.same(zones(await load(sluice.url('/local'), 200, 4)), { a: 200 }, 'zone a holds a third of the endpoints and of the fleet: everything local');
  // Envoy: local share 1/6 of 1/3 → 49.98 % stays; zone b has 3/6 − 1/3 spare, zone c none.
  const split = zones(await load(sluice.url('/split'), 1000, 8));
  t.ok(Math.abs((split['a'] ?? 0) / 1000 - 0.5) < 0.07, `about half local: ${JSON.stringify(split)}`);
  t.equal(split['c'], undefined, 'zone c has no spare capacity: nothing');
  t.equal((split['a'] ?? 0) + (split['b'] ?? 0), 1000);

});

t.test('zone-aware routing spills over when the local zone\'s endpoints fail their health checks', async (t) => {
  const names = ['a1', 'a2', 'b1', 'b2', 'c1', 'c2'];
  const backends = await Promise.all(names.map((name) => startBackend(t, name, (req, res) => {
    req.resume();
    // Zone a's endpoints fail their health check, and would answer traffic fine.
    res.statusCode = req.url === '/healthz' && name.startsWith('a') ? 503 : 200;
    res.end(name);
  })));
  const endpoints = backends.map((backend) => `{ address: "${backend.address}", zone: zone-${backend.name[0]} }`).join(', ');
  const sluice = await startSluice(t, `
fleet: { zone-a: 1, zone-b: 1, zone-c: 1 }
listeners: [{ name: web, address: "127.0.0.1:0" }]
routes: [{ paths: [{ path: /, pathType: Prefix, cluster: app }] }]
clusters:
  - name: app
    endpoints: [${endpoints}]
    healthCheck: { path: /healthz, interval: 200ms, unhealthyThreshold: 1, healthyThreshold: 1 }
`, { args: ['--zone', 'zone-a'] });
  // Until the first checks ran every endpoint is unchecked (panic: all take traffic); wait for them.
  const deadline = Date.now() + 15_000;
  for (;;) {
    const recent = await load(sluice.url('/'), 20, 2);
    if (![...recent.keys()].some((name) => name.startsWith('a'))) break;
    if (Date.now() > deadline) throw new Error(`zone a still served: ${JSON.stringify([...recent])}`);
    await sleep(100);
  }
  const counts = await load(sluice.url('/'), 300, 4);
  t.notOk([...counts.keys()].some((name) => name.startsWith('a')), `nothing to the failing zone a: ${JSON.stringify([...counts])}`);
  t.equal([...counts.values()].reduce((sum, count) => sum + count, 0), 300, 'every request answered by zones b and c');
  t.ok((counts.get('b1') ?? 0) > 0 && (counts.get('c1') ?? 0) > 0, 'both other zones serve');
});

t.test('cookie affinity pins a client; header hashing pins a key', async (t) => {
  const backends = [await startBackend(t, 'one'), await startBackend(t, 'two'), await startBackend(t, 'three')];
  const endpoints = backends.map((backend) => `{ address: "${backend.address}" }`).join(', ');
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0" }]
routes:
  - paths:
      - { path: /sticky, pathType: Prefix, cluster: sticky }
      - { path: /ring, pathType: Prefix, cluster: ring }
      - { path: /maglev, pathType: Prefix, cluster: maglev }
clusters:
  - { name: sticky, balancer: round_robin, affinity: { cookie: { name: pin, ttl: 1h } }, endpoints: [${endpoints}] }
  - { name: ring, balancer: ring_hash, hashPolicy: { header: x-user }, endpoints: [${endpoints}] }
  - { name: maglev, balancer: maglev, hashPolicy: { header: x-user }, endpoints: [${endpoints}] }
`);
  const first = await get(sluice.url('/sticky'));
  const setCookie = String(first.headers['set-cookie']);
  t.match(setCookie, /^pin=[0-9a-f]{8}; Path=\/; Max-Age=3600; HttpOnly$/, 'a client without the cookie gets one');
  t.notOk(backends.some((backend) => setCookie.includes(String(backend.port))), 'the cookie does not carry the address');
  const cookie = setCookie.split(';')[0]!;
  const pinned = new Set<string>();
  for (let i = 0; i < 30; i++) {
    const response = await get(sluice.url('/sticky'), { cookie: `theme=dark; ${cookie}` });
    pinned.add(response.body);
    t.equal(response.headers['set-cookie'], undefined, 'a pinned request gets no new cookie');
  }
  t.same([...pinned], [first.body], 'round_robin would rotate; the cookie pins every request to one endpoint');
  const stale = await get(sluice.url('/sticky'), { cookie: 'pin=00000000' });
  t.match(String(stale.headers['set-cookie']), /^pin=[0-9a-f]{8};/, 'a cookie naming no endpoint is replaced');

  for (const path of ['/ring', '/maglev']) {
    const seen = new Map<string, Set<string>>();
    for (let i = 0; i < 60; i++) {
      const user = `user-${i % 12}`;
      const { body } = await get(sluice.url(path), { 'x-user': user });
      if (!seen.has(user)) seen.set(user, new Set());
      seen.get(user)!.add(body);
    }
    t.ok([...seen.values()].every((bodies) => bodies.size === 1), `${path}: every user always reaches the same endpoint (both workers)`);
    t.ok(new Set([...seen.values()].map((bodies) => [...bodies][0])).size > 1, `${path}: users spread over several endpoints`);
  }
});

/** A response as the affinity checks read it. */
interface Pinning { readonly setCookie: unknown; readonly body: string }

/** A GET from an HTTP/2 client. */
function h2Get(client: http2.ClientHttp2Session, path: string, cookie?: string): Promise<Pinning> {
  return new Promise((resolve, reject) => {
    const stream = client.request({ ':path': path, ...(cookie === undefined ? {} : { cookie }) });
    let setCookie: unknown;
    let body = '';
    stream.on('response', (headers) => { setCookie = headers['set-cookie']; });
    stream.setEncoding('utf8').on('data', (chunk: string) => { body += chunk; });
    stream.on('end', () => resolve({ setCookie, body }));
    stream.on('error', reject);
  });
}

/** The first answer sets the cookie; 12 requests carrying it reach the same endpoint and get no new one. */
async function checkPinned(t: Test, what: string, send: (cookie?: string) => Promise<Pinning>): Promise<void> {
  const first = await send();
  t.match(String(first.setCookie), /^pin=[0-9a-f]{8}; Path=\/; HttpOnly$/, `${what}: the first response sets the cookie`);
  const cookie = `theme=dark; ${String(first.setCookie).split(';')[0]}`;
  const bodies = new Set<string>();
  let newCookies = 0;
  for (let i = 0; i < 12; i++) {
    const response = await send(cookie);
    bodies.add(response.body);
    if (response.setCookie !== undefined) newCookies++;
  }
  t.same([...bodies], [first.body], `${what}: the cookie pins every request to the endpoint that set it`);
  t.equal(newCookies, 0, `${what}: a pinned request gets no new cookie`);
}

t.test('cookie affinity across protocols: HTTP/1.1 clients of an h2c cluster, HTTP/2 clients of an http1 cluster', async (t) => {
  const h2 = [await startH2Backend(t, 'h2-one'), await startH2Backend(t, 'h2-two'), await startH2Backend(t, 'h2-three')];
  const h1 = [await startBackend(t, 'one'), await startBackend(t, 'two'), await startBackend(t, 'three')];
  const list = (backends: readonly { address: string }[]) => backends.map((backend) => `{ address: "${backend.address}" }`).join(', ');
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0" }]
routes: [{ paths: [{ path: /h1, pathType: Prefix, cluster: h1 }] }]
defaultCluster: h2c
clusters:
  - { name: h2c, protocol: h2c, balancer: round_robin, affinity: { cookie: { name: pin } }, endpoints: [${list(h2)}] }
  - { name: h1, balancer: round_robin, affinity: { cookie: { name: pin } }, endpoints: [${list(h1)}] }
`);
  await checkPinned(t, 'HTTP/1.1 client of an h2c cluster', async (cookie) => {
    const response = await get(sluice.url('/h2c'), cookie === undefined ? {} : { cookie });
    return { setCookie: response.headers['set-cookie'], body: response.body };
  });
  const client = http2.connect(`http://${sluice.listeners.web}`);
  t.teardown(() => client.close());
  await checkPinned(t, 'HTTP/2 client of an http1 cluster', (cookie) => h2Get(client, '/h1', cookie));
});
