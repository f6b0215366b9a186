// findHeadEnd: where the CRLFCRLF ending a head is, searched from a given offset.
import t from 'tap';
import { findHeadEnd } from '../../src/http1/index.js';

const buf = (text: string): Buffer => Buffer.from(text, 'latin1');

t.equal(findHeadEnd(buf('GET / HTTP/1.1\r\nHost: a\r\n\r\n'), 0), 27, 'just past the CRLFCRLF');
t.equal(findHeadEnd(buf('GET / HTTP/1.1\r\nHost: a\r\n\r\nbody'), 0), 27, 'body bytes follow');
t.equal(findHeadEnd(buf('GET / HTTP/1.1\r\nHost: a\r\n'), 0), -1, 'not there yet');
t.equal(findHeadEnd(buf('GET / HTTP/1.1\r\nHost: a\r\n\r'), 0), -1, 'three of four bytes');
t.equal(findHeadEnd(buf('GET / HTTP/1.1\nHost: a\n\n'), 0), -1, 'bare LFs do not end a head');
t.equal(findHeadEnd(buf('GET / HTTP/1.1\r\nHost: a\r\n\r\n'), 23), 27, 'from inside the terminator');
t.equal(findHeadEnd(buf('a\r\n\r\nb\r\n\r\n'), 1), 5, 'the first terminator at or after from');
t.equal(findHeadEnd(buf('a\r\n\r\nb\r\n\r\n'), 2), 10, 'a terminator starting before from is not seen');
