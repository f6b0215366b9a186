// Counts the request heads a stream of reads completes, for the bench backend.

/** "\r\n\r\n": the end of a request head. */
const TERMINATOR = Buffer.from('\r\n\r\n', 'latin1');

/**
 * Request heads that end in `chunk`. Whole terminators are found with a native search (a byte loop
 * in JavaScript made the backend the bottleneck of the bench's core 1 as requests grew); `state`
 * carries a terminator split across reads: how much of it the previous read ended with.
 */
export function countHeads(chunk: Buffer, state: { matched: number }): number {
  let heads = 0;
  let from = 0;
  if (state.matched > 0) {
    let matched = state.matched;
    while (matched < TERMINATOR.length && from < chunk.length && chunk[from] === TERMINATOR[matched]) { matched++; from++; }
    if (matched === TERMINATOR.length) heads++;
    else if (from === chunk.length) { state.matched = matched; return 0; }
    // On a mismatch the bytes matched so far cannot begin a head end the search below misses: search from 0.
    else from = 0;
  }
  for (let at = chunk.indexOf(TERMINATOR, from); at >= 0; at = chunk.indexOf(TERMINATOR, from)) {
    heads++;
    from = at + TERMINATOR.length;
  }
  // The longest start of a terminator the read ends with, past the last whole one.
  let partial = Math.min(TERMINATOR.length - 1, chunk.length - from);
  while (partial > 0 && TERMINATOR.compare(chunk, chunk.length - partial, chunk.length, 0, partial) !== 0) partial--;
  state.matched = partial;
  return heads;
}
