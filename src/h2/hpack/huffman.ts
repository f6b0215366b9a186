// Decoding of the HPACK Huffman code (RFC 7541 Appendix B, §5.2) into latin1 strings.
// Sluice's encoder sends raw literals, so there is no Huffman encoder here.

// Code length in bits of each symbol 0..255 and EOS (256). The HPACK code is canonical: codes are
// handed out in order of (length, symbol), so the lengths alone determine every code.
// Exported with HUFFMAN_CODES for the tests' reference encoder.
export const HUFFMAN_CODE_LENGTHS: readonly number[] = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28,
  28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,
  5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
  7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,
  6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,
  24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23,
  21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,
  19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,
  26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  30,
];

const EOS = 256;

/** The code of each symbol, MSB-aligned to its length, derived canonically from the lengths. */
export const HUFFMAN_CODES: readonly number[] = canonicalCodes(HUFFMAN_CODE_LENGTHS);

function canonicalCodes(lengths: readonly number[]): number[] {
  const symbols = lengths.map((_, symbol) => symbol).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  const codes: number[] = new Array(lengths.length);
  let code = 0;
  let length = lengths[symbols[0]!]!;
  for (const symbol of symbols) {
    // Multiplication, not <<, because 30-bit codes shifted left would overflow int32.
    code *= 2 ** (lengths[symbol]! - length);
    length = lengths[symbol]!;
    codes[symbol] = code;
    code += 1;
  }
  return codes;
}

// The decoder is a state machine over 4-bit input (the scheme of nghttp2): a state is an internal
// node of the code tree, and TRANSITIONS[state << 4 | nibble] packs the next state (bits 0-7), the
// symbol completed on the way (bits 8-15, when EMIT is set) and whether the string may end there.
// The shortest code is 5 bits, so one nibble completes at most one symbol.
const EMIT = 1 << 16;
const ACCEPT = 1 << 17; // the bits since the last symbol are ≤ 7 ones: valid padding (§5.2)
const FAIL = 1 << 18; // EOS decoded
const TRANSITIONS = buildTransitions();

function buildTransitions(): Uint32Array {
  // children[node * 2 + bit]: an internal node id (> 0), or ~symbol (< 0) for a leaf.
  const children: number[] = [0, 0];
  let nodes = 1;
  HUFFMAN_CODES.forEach((code, symbol) => {
    let node = 0;
    for (let bit = HUFFMAN_CODE_LENGTHS[symbol]! - 1; bit >= 0; bit--) {
      const slot = node * 2 + (Math.floor(code / 2 ** bit) & 1);
      if (bit === 0) children[slot] = ~symbol;
      else {
        if (children[slot] === 0) {
          children[slot] = nodes++;
          children.push(0, 0);
        }
        node = children[slot]!;
      }
    }
  });
  // Depth of each node on the all-ones path from the root (the prefix of EOS); -1 elsewhere.
  const onesDepth = new Int8Array(nodes).fill(-1);
  for (let node = 0, depth = 0; node > 0 || depth === 0; node = children[node * 2 + 1]!, depth++) onesDepth[node] = depth;

  const table = new Uint32Array(nodes * 16);
  for (let state = 0; state < nodes; state++) {
    for (let nibble = 0; nibble < 16; nibble++) {
      let node = state;
      let entry = 0;
      for (let bit = 3; bit >= 0; bit--) {
        const next = children[node * 2 + ((nibble >> bit) & 1)]!;
        if (next >= 0) node = next;
        else if (~next === EOS) entry |= FAIL;
        else {
          entry |= EMIT | (~next << 8);
          node = 0;
        }
      }
      const depth = onesDepth[node]!;
      if (depth >= 0 && depth <= 7) entry |= ACCEPT;
      table[state * 16 + nibble] = entry | node;
    }
  }
  return table;
}

// Decoded octets land here before becoming one string; grown on demand, never shrunk.
let scratch = Buffer.allocUnsafe(4096);

/**
 * Decodes the Huffman-coded octets buf[start, end) into a latin1 string (one char per octet), or
 * undefined when the input is invalid: EOS decoded, or padding longer than 7 bits or not all ones.
 */
export function huffmanDecode(buf: Buffer, start: number, end: number): string | undefined {
  // At most one symbol per 5 bits.
  const maxLength = Math.floor(((end - start) * 8) / 5);
  if (scratch.length < maxLength) scratch = Buffer.allocUnsafe(Math.max(maxLength, scratch.length * 2));
  const out = scratch;
  let length = 0;
  let entry = ACCEPT; // state 0, the root: the empty string is valid
  for (let i = start; i < end; i++) {
    const octet = buf[i]!;
    entry = TRANSITIONS[((entry & 0xff) << 4) | (octet >> 4)]!;
    if (entry & FAIL) return undefined;
    if (entry & EMIT) out[length++] = (entry >> 8) & 0xff;
    entry = TRANSITIONS[((entry & 0xff) << 4) | (octet & 0xf)]!;
    if (entry & FAIL) return undefined;
    if (entry & EMIT) out[length++] = (entry >> 8) & 0xff;
  }
  return entry & ACCEPT ? out.toString('latin1', 0, length) : undefined;
}
