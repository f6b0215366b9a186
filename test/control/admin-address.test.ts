// HOST:PORT parsing for --admin, and formatting with IPv6 brackets.
import t from 'tap';
import { formatHostPort, parseHostPort } from '../../src/control/admin-address.js';

t.test('parses IPv4, names and bracketed IPv6', async (t) => {
  t.same(parseHostPort('127.0.0.1:9901'), { host: '127.0.0.1', port: 9901 });
  t.same(parseHostPort('localhost:0'), { host: 'localhost', port: 0 });
  t.same(parseHostPort('[::1]:8080'), { host: '::1', port: 8080 });
});

t.test('rejects what is not HOST:PORT', async (t) => {
  for (const text of ['9901', '127.0.0.1', '::1:80', '127.0.0.1:', ':80', '127.0.0.1:abc']) {
    t.match(parseHostPort(text), { error: /^expected HOST:PORT/ }, text);
  }
  t.same(parseHostPort('127.0.0.1:65536'), { error: 'port must be 0–65535, got 65536' });
});

t.test('formats IPv6 in brackets', async (t) => {
  t.equal(formatHostPort('::1', 80), '[::1]:80');
  t.equal(formatHostPort('127.0.0.1', 80), '127.0.0.1:80');
});
