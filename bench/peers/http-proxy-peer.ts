// Reference peer: the `http-proxy` package behind a node:http server, upstream over a keep-alive agent.
import { Agent, createServer } from 'node:http';
import httpProxy from 'http-proxy';
import { LISTEN_HOST, readPeerArgs, requireUpstream } from './peer-args.js';

const args = readPeerArgs();
const agent = new Agent({ keepAlive: true, maxSockets: 128 });
const proxy = httpProxy.createProxyServer({ target: `http://${LISTEN_HOST}:${requireUpstream(args)}`, agent });

proxy.on('error', (_error, _request, response) => {
  // On a socket-level failure http-proxy hands over a Socket, not a ServerResponse.
  if ('writeHead' in response && !response.headersSent) response.writeHead(502);
  response.end();
});

createServer((request, response) => proxy.web(request, response)).listen(args.port, LISTEN_HOST);
