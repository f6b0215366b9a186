// Shared pieces of the HTTP/2 conformance suite (test/integration/h2-conformance-*.test.ts): the codecs
// every test runs once for, the Sluice config of one listener (its http2 block built per codec), an
// HTTP/1.1 backend with the paths the tests need, and a node:http2 request helper.
import type { Test } from 'tap';
import { createHash } from 'node:crypto';
import http from 'node:http';
import http2 from 'node:http2';
import { eventually } from './admin.js';
import { startBackend, type Backend } from './backend.js';
import { requestFields, type WireClient } from './h2-wire.js';

/** The downstream HTTP/2 engines of a listener (`http2.codec`): Sluice's own (the default) and node:http2. */
export type Codec = 'node' | 'sluice';
export const CODECS: readonly Codec[] = ['sluice', 'node'];

/**
 * tap options of a test that a codec is known to fail (node:http2 differs from the RFC there). tap skips
 * todo tests; H2_CONFORMANCE_RUN_TODO=1 runs them as ordinary tests, to see what the codec really does.
 */
export function todoFor(codec: Codec, codecs: Partial<Record<Codec, string | undefined>>): { todo?: string } {
  const reason = codecs[codec];
  if (reason === undefined || process.env['H2_CONFORMANCE_RUN_TODO'] === '1') return {};
  return { todo: `${codec} codec: ${reason}` };
}

export interface ConformanceConfig {
  readonly codec: Codec;
  /** Listener http2 fields besides the codec (maxConcurrentStreams, maxHeaderListSize, ...). */
  readonly http2?: Record<string, unknown>;
  /** Other listener fields (timeouts, maxHeaderBytes, protocol, tls). */
  readonly listener?: Record<string, unknown>;
  /** HTTP/1.1 cluster `backend` gets every path but `/h2c/`. */
  readonly backend: string;
  /** An h2c cluster for paths under `/h2c/`. */
  readonly h2cBackend?: string;
}

/** The listener's http2 block, naming its codec. */
export function http2Block(codec: Codec, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { codec, ...fields };
}

/** A Sluice config (JSON, which is YAML) with one listener `web`. */
export function conformanceYaml(config: ConformanceConfig): string {
  const paths: unknown[] = [{ path: '/', pathType: 'Prefix', cluster: 'backend' }];
  const clusters: unknown[] = [{ name: 'backend', endpoints: [{ address: config.backend }] }];
  if (config.h2cBackend !== undefined) {
    paths.unshift({ path: '/h2c/', pathType: 'Prefix', cluster: 'h2c' });
    clusters.push({ name: 'h2c', protocol: 'h2c', endpoints: [{ address: config.h2cBackend }] });
  }
  return JSON.stringify({
    listeners: [{ name: 'web', address: '127.0.0.1:0', protocol: 'http', ...config.listener, http2: http2Block(config.codec, config.http2) }],
    routes: [{ paths }],
    clusters,
  }, null, 2);
}

export const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** 1 MiB that is not all one byte, so a lost or repeated chunk changes its hash. */
export const BIG_BODY = Buffer.from(Array.from({ length: 1 << 20 }, (_, index) => (index * 7 + (index >> 10)) & 0xff));
export const BIG_BODY_HASH = sha256(BIG_BODY);

/**
 * 20,000 octets (more than the 16,384 of one frame) of characters whose Huffman codes are longer than
 * 8 bits, so the encoder keeps them raw and the header block needs CONTINUATION frames.
 */
export const BIG_HEADER_VALUE = Array.from({ length: 20_000 }, (_, index) => '~^|{}<>'[index % 7]).join('');

export interface ConformanceBackend extends Backend {
  /** `METHOD path` of every request, in order. */
  readonly seen: string[];
  /** sha256 of each /echo request body as received, in order. */
  readonly echoHashes: string[];
  /** Trailers of each /echo request, in order. */
  readonly echoTrailers: http.IncomingHttpHeaders[];
  /** Requests to /gate/* waiting for release(). */
  readonly held: http.ServerResponse[];
  /** Answers every held /gate/* request with its path. */
  release(): void;
  /** Waits until `count` /gate/* requests are held (bounded). */
  untilHeld(count: number): Promise<void>;
}

/**
 * Paths: /ok (text "ok"), /echo (the body back), /big (BIG_BODY), /big-header (x-big: BIG_HEADER_VALUE),
 * /no-content (204), /gate/* (held until release()), /drip (1 KiB every 10 ms for 10 s); anything else
 * answers "seen <path>".
 */
export async function startConformanceBackend(t: { teardown(fn: () => unknown): void }): Promise<ConformanceBackend> {
  const seen: string[] = [];
  const echoHashes: string[] = [];
  const echoTrailers: http.IncomingHttpHeaders[] = [];
  const held: http.ServerResponse[] = [];
  const backend = await startBackend(t, 'conformance', (req, res) => {
    const path = req.url ?? '';
    seen.push(`${req.method} ${path}`);
    if (path === '/echo') {
      const hash = createHash('sha256');
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      req.on('data', (chunk: Buffer) => { hash.update(chunk); res.write(chunk); });
      req.on('end', () => { echoHashes.push(hash.digest('hex')); echoTrailers.push(req.trailers); res.end(); });
      return;
    }
    req.resume();
    if (path.startsWith('/gate/')) {
      held.push(res);
      return;
    }
    req.on('end', () => {
      if (path === '/ok') res.end('ok');
      else if (path === '/big') res.end(BIG_BODY);
      else if (path === '/big-header') { res.setHeader('x-big', BIG_HEADER_VALUE); res.end('big header'); }
      else if (path === '/no-content') { res.statusCode = 204; res.end(); }
      else if (path === '/drip') drip(res);
      else res.end(`seen ${path}`);
    });
  });
  const conformance: ConformanceBackend = Object.assign(backend, {
    seen, echoHashes, echoTrailers, held,
    release() {
      for (const res of held.splice(0)) if (!res.destroyed) res.end(`released ${res.req.url}`);
    },
    untilHeld: (count: number) => eventually(() => held.length >= count, 10_000, `${count} held requests at the backend`),
  });
  t.teardown(() => conformance.release());
  return conformance;
}

function drip(res: http.ServerResponse): void {
  const chunk = Buffer.alloc(1024, 0x2e);
  let sent = 0;
  const timer = setInterval(() => {
    if (res.destroyed || ++sent > 1000) {
      clearInterval(timer);
      if (!res.destroyed) res.end();
      return;
    }
    res.write(chunk);
  }, 10);
  res.on('close', () => clearInterval(timer));
}

export interface H2Result {
  readonly status: number;
  readonly headers: http2.IncomingHttpHeaders;
  readonly body: Buffer;
  readonly trailers: http2.IncomingHttpHeaders | undefined;
}

/** One request on `client`; `body` is sent and the stream ended (bounded: 10 s, then the stream is cancelled). */
export function h2Request(client: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: Buffer): Promise<H2Result> {
  return new Promise((resolve, reject) => {
    const stream = client.request(headers, { endStream: body === undefined });
    let response: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders | undefined;
    const chunks: Buffer[] = [];
    stream.on('response', (received) => { response = received; });
    stream.on('trailers', (received) => { trailers = received; });
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve({ status: Number(response[':status']), headers: response, body: Buffer.concat(chunks), trailers }));
    stream.on('error', reject);
    stream.on('close', () => { if (stream.rstCode !== undefined && stream.rstCode !== 0) reject(new Error(`stream reset with code ${stream.rstCode}`)); });
    stream.setTimeout(10_000, () => stream.close(http2.constants.NGHTTP2_CANCEL));
    if (body !== undefined) stream.end(body);
  });
}

/** A node:http2 client of `address`, closed on teardown. */
export function h2Client(t: { teardown(fn: () => unknown): void }, address: string, options: http2.ClientSessionOptions = {}): http2.ClientHttp2Session {
  const client = http2.connect(`http://${address}`, options);
  client.on('error', () => { /* a test that expects an error checks the request's */ });
  t.teardown(() => { client.destroy(); });
  return client;
}

/** Asserts that a request on `streamId` of this connection is still answered 200 (after a stream error). */
export async function expectUsable(t: Test, client: WireClient, streamId: number, pathname = '/ok'): Promise<void> {
  await client.sendHeaders(streamId, requestFields(pathname));
  t.same(await client.streamOutcome(streamId), { kind: 'response', status: 200 }, `the connection stays usable (stream ${streamId} answered)`);
}
