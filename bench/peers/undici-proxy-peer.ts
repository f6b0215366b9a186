// Reference peer, "the minimal undici proxy": a node:http server forwarding through one undici.Pool,
// using `pool.stream` so the upstream body is written straight into the downstream response.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { Pool } from 'undici';
import { LISTEN_HOST, readPeerArgs, requireUpstream } from './peer-args.js';

/** Connection-scoped headers that must not be forwarded (RFC 9110 §7.6.1); undici rejects some of them. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

function endToEnd(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const forwarded: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && !HOP_BY_HOP.has(name)) forwarded[name] = value;
  }
  return forwarded;
}

const args = readPeerArgs();
const pool = new Pool(`http://${LISTEN_HOST}:${requireUpstream(args)}`, { connections: 128 });

createServer((request, response) => {
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
  pool.stream(
    {
      method: request.method ?? 'GET',
      path: request.url ?? '/',
      headers: endToEnd(request.headers),
      body: hasBody ? request : null,
      opaque: response,
    },
    ({ statusCode, headers, opaque }) => {
      const downstream = opaque as ServerResponse;
      downstream.writeHead(statusCode, endToEnd(headers));
      return downstream;
    },
    (error) => {
      if (error === null) return;
      if (response.headersSent) response.destroy();
      else response.writeHead(502).end();
    },
  );
}).listen(args.port, LISTEN_HOST);
