// Bodies stream through Sluice with backpressure both ways: 100 MB up and 100 MB down without the
// proxy's memory growing with the body.
import t from 'tap';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { startBackend } from '../helpers/backend.js';
import { startSluice } from '../helpers/sluice-process.js';

const TOTAL = 100 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'x');

function bodyOf(bytes: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= bytes) return void this.push(null);
      const size = Math.min(CHUNK.length, bytes - sent);
      sent += size;
      this.push(size === CHUNK.length ? CHUNK : CHUNK.subarray(0, size));
    },
  });
}

t.test('100 MB up and 100 MB down, RSS growth under 50 MB', async (t) => {
  const backend = await startBackend(t, 'stream', (req, res) => {
    if (req.method === 'POST') {
      let received = 0;
      req.on('data', (chunk: Buffer) => { received += chunk.length; });
      req.on('end', () => res.end(String(received)));
      return;
    }
    const size = Number(req.headers['x-size'] ?? TOTAL);
    res.writeHead(200, { 'content-length': String(size) });
    bodyOf(size).pipe(res);
  });
  const sluice = await startSluice(t, `
listeners: [{ name: web, address: "127.0.0.1:0", protocol: http }]
routes: [{ paths: [{ path: /, pathType: Prefix, cluster: stream }] }]
clusters: [{ name: stream, endpoints: [{ address: "${backend.address}" }], timeouts: { request: 120s } }]
`);
  // Warm up with 16 MB each way so the baseline includes V8's steady garbage slack for streamed
  // chunks (it collects external memory in steps of tens of MB); what must not happen is growth that
  // scales with the 100 MB bodies.
  // New connections each time, so that both workers warm up (16 connections: a worker left cold would
  // add its own slack to the measurement, and the kernel picks the worker).
  for (let i = 0; i < 8; i++) {
    await (await request(sluice.url('/warm'), { method: 'POST', body: bodyOf(16 * 1024 * 1024), reset: true })).body.text();
    await (await request(sluice.url('/warm'), { headers: { 'x-size': String(16 * 1024 * 1024) }, reset: true })).body.dump();
  }
  const baseline = sluice.rss();
  let peak = baseline;
  const sampler = setInterval(() => { peak = Math.max(peak, sluice.rss()); }, 50);
  t.teardown(() => clearInterval(sampler));

  const upload = await request(sluice.url('/upload'), {
    method: 'POST', body: bodyOf(TOTAL), headers: { 'content-length': String(TOTAL) },
  });
  t.equal(upload.statusCode, 200);
  t.equal(await upload.body.text(), String(TOTAL), 'backend received every uploaded byte (content-length)');

  const chunkedUpload = await request(sluice.url('/upload-chunked'), { method: 'POST', body: bodyOf(TOTAL) });
  t.equal(await chunkedUpload.body.text(), String(TOTAL), 'backend received every uploaded byte (chunked)');

  const download = await request(sluice.url('/download'));
  let received = 0;
  for await (const chunk of download.body) received += (chunk as Buffer).length;
  t.equal(received, TOTAL, 'client received every downloaded byte');

  clearInterval(sampler);
  const growth = peak - baseline;
  t.ok(growth < 50 * 1024 * 1024, `proxy RSS grew ${(growth / 1048576).toFixed(1)} MB (baseline ${(baseline / 1048576).toFixed(1)} MB)`);
  t.equal(await sluice.stop(), 0);
});
