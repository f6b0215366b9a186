// The bench backend: a raw node:net HTTP/1.1 keep-alive server answering every request with one
// fixed 200. It only counts request heads (CRLFCRLF), so it serves bodiless requests only, and it
// copes with heads split across reads and several heads in one read (pipelining).
import { createServer, type Socket } from 'node:net';
import { countHeads } from './head-counter.js';
import { BACKEND_HOSTS, readPeerArgs } from './peer-args.js';

const RESPONSE = Buffer.from('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 13\r\n\r\nhello, world\n', 'latin1');
function serve(socket: Socket): void {
  socket.setNoDelay(true);
  const state = { matched: 0 };
  socket.on('data', (chunk: Buffer) => {
    const heads = countHeads(chunk, state);
    if (heads === 0) return;
    if (heads === 1) {
      socket.write(RESPONSE);
      return;
    }
    socket.cork();
    for (let i = 0; i < heads; i++) socket.write(RESPONSE);
    socket.uncork();
  });
  // Load generators reset connections when they stop; that is not an error worth reporting.
  socket.on('error', () => socket.destroy());
}

const { port } = readPeerArgs();
for (const host of BACKEND_HOSTS) createServer(serve).listen(port, host);
