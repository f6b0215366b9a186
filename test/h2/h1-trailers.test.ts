// h2Trailers: trailer field lines of a chunked HTTP/1.1 body as HTTP/2 trailers, whatever the split.
import t from 'tap';
import { h2Trailers } from '../../src/h2/h1-trailers.js';

const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');

t.test('names lower-cased, values trimmed of SP/HTAB only, repeats as lists, hop-by-hop and framing dropped', async (t) => {
  const section = 'Grpc-Status: 0\r\nX-Empty:\r\nX-T:\ta b \t\r\nX-Rep: 1\r\nx-rep: 2\r\nX-REP: 3\r\nX-Obs: \xa0v\xa0\r\n' +
    'Connection: close\r\nKeep-Alive: 5\r\nProxy-Connection: x\r\nTransfer-Encoding: chunked\r\nUpgrade: h2c\r\nTE: trailers\r\n' +
    'Trailer: X\r\nContent-Length: 4\r\nHost: h\r\n';
  const expected = { 'grpc-status': '0', 'x-empty': '', 'x-t': 'a b', 'x-rep': ['1', '2', '3'], 'x-obs': '\xa0v\xa0' };
  t.same(h2Trailers([latin1(section)]), expected, 'one piece');
  const pieces = Array.from(section, (char) => latin1(char));
  t.same(h2Trailers(pieces), expected, 'one byte per piece');
});
