// ResponseHeadReader: a head found whatever the split (byte by byte included), interim heads read on
// from where they end, the body's first bytes left after the head, malformed and oversized heads refused.
import t from 'tap';
import { isParseFailure, MAX_RESPONSE_HEAD_BYTES, ResponseHeadReader } from '../../src/http1/index.js';

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

t.test('a head split anywhere, and the body bytes after it', async (t) => {
  const text = 'HTTP/1.1 200 OK\r\ncontent-length: 5\r\nx-a: b\r\n\r\nhello';
  const whole = bytes(text);
  const headEnd = text.indexOf('\r\n\r\n') + 4;
  const wrong: number[] = [];
  for (let cut = 1; cut < whole.length; cut++) {
    const reader = new ResponseHeadReader();
    let head = reader.read(whole.subarray(0, cut), 'GET');
    let after = text.slice(headEnd, cut);
    if (cut < headEnd) {
      if (head !== undefined) wrong.push(cut);
      head = reader.read(whole.subarray(cut), 'GET');
      after = text.slice(headEnd);
    }
    const ok = head !== undefined && !isParseFailure(head) && head.status === 200 && head.contentLength === 5 && head.headers[3] === 'b';
    if (!ok || reader.buf.toString('latin1', reader.end) !== after) wrong.push(cut);
  }
  t.same(wrong, [], 'every two-piece split gives the head and leaves the body bytes after it');
  const reader = new ResponseHeadReader();
  let head: ReturnType<ResponseHeadReader['read']>;
  for (let index = 0; index < headEnd; index++) head = reader.read(whole.subarray(index, index + 1), 'GET');
  t.match(head!, { status: 200, contentLength: 5 }, 'byte by byte');
});

t.test('an interim head, then the final one from where it ended', async (t) => {
  const reader = new ResponseHeadReader();
  const interim = reader.read(bytes('HTTP/1.1 103 Early Hints\r\nlink: </a.css>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n'), 'GET');
  t.match(interim, { status: 103 });
  const final = reader.read(reader.buf.subarray(reader.end), 'GET');
  t.match(final, { status: 204 });
  t.equal(reader.end, reader.buf.length, 'nothing after the final head');
});

t.test('malformed and oversized heads are failures; reset drops what was held', async (t) => {
  const reader = new ResponseHeadReader();
  const bad = reader.read(bytes('NOT HTTP\r\n\r\n'), 'GET');
  t.ok(bad !== undefined && isParseFailure(bad), 'a head that does not parse');
  const pad = bytes(`HTTP/1.1 200 OK\r\nx-pad: ${'a'.repeat(MAX_RESPONSE_HEAD_BYTES)}`);
  t.same(reader.read(pad, 'GET'), { error: 'headers_too_large', reason: `response head larger than ${MAX_RESPONSE_HEAD_BYTES} bytes` });
  t.match(reader.read(bytes('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n'), 'GET'), { status: 200 }, 'after a failure, a new head reads from scratch');
  t.equal(reader.read(bytes('HTTP/1.1 200 OK\r\n'), 'HEAD'), undefined);
  reader.reset();
  t.match(reader.read(bytes('HTTP/1.1 304 Not Modified\r\n\r\n'), 'GET'), { status: 304 }, 'reset dropped the partial head');
});
