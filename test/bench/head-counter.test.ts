// The bench backend's head counter: whole heads, several in one read, and terminators split across
// reads at every position count exactly once; bytes that only look like a start do not.
import t from 'tap';
import { countHeads } from '../../bench/peers/head-counter.js';

const HEAD = 'GET / HTTP/1.1\r\nhost: a\r\n\r\n';

function countSplit(text: string, cuts: readonly number[]): number {
  const state = { matched: 0 };
  let heads = 0;
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    heads += countHeads(Buffer.from(text.slice(from, cut), 'latin1'), state);
    from = cut;
  }
  return heads;
}

t.test('whole heads in one read', async (t) => {
  t.equal(countSplit(HEAD, []), 1);
  t.equal(countSplit(HEAD.repeat(3), []), 3, 'pipelined');
  t.equal(countSplit('GET / HTTP/1.1\r\nhost: a\r\n', []), 0, 'not finished');
});

t.test('a head split at every position, and three heads split at every pair of positions', async (t) => {
  const single = Array.from({ length: HEAD.length - 1 }, (_, i) => countSplit(HEAD, [i + 1]));
  t.same(single.filter((heads) => heads !== 1), [], 'one head whatever the cut');
  const text = HEAD.repeat(3);
  let wrong = 0;
  for (let a = 1; a < text.length; a++) for (let b = a; b < text.length; b++) if (countSplit(text, [a, b]) !== 3) wrong++;
  t.equal(wrong, 0, 'three heads whatever the two cuts');
  t.equal(countSplit(HEAD, Array.from({ length: HEAD.length - 1 }, (_, i) => i + 1)), 1, 'one byte per read');
});

t.test('near misses are not heads', async (t) => {
  t.equal(countSplit('a\r\n\rb\r\n\r', [3, 5]), 0);
  t.equal(countSplit('a\r\r\n\r\n', [2]), 1, 'a CR before the terminator');
  t.equal(countSplit('\r\n\r\r\n\r\n', [3]), 1);
});
