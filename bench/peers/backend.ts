// The bench backend: a raw node:net HTTP/1.1 keep-alive server answering every request with one
// fixed 200. It only counts request heads (CRLFCRLF), so it serves bodiless requests only, and it
// copes with heads split across reads and several heads in one read (pipelining).
import { createServer, type Socket } from 'node:net';
import { BACKEND_HOSTS, readPeerArgs } from './peer-args.js';

const RESPONSE = Buffer.from('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 13\r\n\r\nhello, world\n', 'latin1');
const CR = 0x0d;
const LF = 0x0a;

/** Bytes of "\r\n\r\n" expected at each step of the terminator match. */
const TERMINATOR = [CR, LF, CR, LF] as const;

function serve(socket: Socket): void {
  socket.setNoDelay(true);
  // How much of the head terminator the previous read ended with; survives across reads.
  let matched = 0;
  socket.on('data', (chunk: Buffer) => {
    let heads = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (byte === TERMINATOR[matched]) {
        matched++;
        if (matched === TERMINATOR.length) {
          heads++;
          matched = 0;
        }
      } else {
        matched = byte === CR ? 1 : 0;
      }
    }
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
