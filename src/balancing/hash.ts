// 32-bit string hashing for consistent hashing and request keys: FNV-1a over the UTF-16 code units,
// then murmur3's finalizer so that near-identical keys spread over the whole range. Allocation-free.

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Hash of s[start, end), optionally seeded (maglev needs two independent hashes of one key). */
export function hashString(s: string, start = 0, end = s.length, seed = 0): number {
  let h = (FNV_OFFSET ^ seed) >>> 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    h = Math.imul(h ^ (c & 0xff), FNV_PRIME);
    if (c > 0xff) h = Math.imul(h ^ (c >>> 8), FNV_PRIME);
  }
  return mix32(h);
}

/** murmur3 fmix32: every input bit affects every output bit. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
