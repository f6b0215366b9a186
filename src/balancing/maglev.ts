// Maglev consistent hashing (Envoy's MaglevTable): a lookup table of a prime size (65537) filled by
// each candidate's own permutation of the entries, in turn and in proportion to weight; a request goes
// to table[hash % size]. Built when availability changes; a pick is one array read.
import type { BalancerDeps, BalancerEndpoint, PickContext, Policy } from './balancer.js';
import type { CandidateSet } from './candidate-set.js';
import type { ClusterView } from './cluster-view.js';
import { hashString } from './hash.js';
import type { Random } from './random.js';
import { endpointKey, selectNotExcluded, TWO_TO_32 } from './ring-hash.js';

/** Envoy's default table size: a prime, so every skip visits every entry. */
export const MAGLEV_TABLE_SIZE = 65_537;
const OFFSET_SEED = 0;
const SKIP_SEED = 0x9e3779b9;

/** table[i]: index into the candidate set; built per Envoy's MaglevTable::constructMaglevTableInternal. */
export function buildMaglevTable(set: CandidateSet<BalancerEndpoint>, size = MAGLEV_TABLE_SIZE): Int32Array {
  const table = new Int32Array(size).fill(-1);
  const count = set.size;
  if (count === 0) return table;
  const skips = new Int32Array(count);
  /** Each member's next entry in its permutation offset, offset + skip, offset + 2·skip, … (mod size). */
  const position = new Int32Array(count);
  const normalized = new Float64Array(count);
  const target = new Float64Array(count);
  let maxNormalized = 0;
  for (let i = 0; i < count; i++) {
    const key = endpointKey(set.endpoints[i]!);
    position[i] = hashString(key, 0, key.length, OFFSET_SEED) % size;
    skips[i] = (hashString(key, 0, key.length, SKIP_SEED) % (size - 1)) + 1;
    normalized[i] = set.weights[i]! / set.total;
    maxNormalized = Math.max(maxNormalized, normalized[i]!);
  }
  let filled = 0;
  for (let iteration = 1; filled < size; iteration++) {
    for (let i = 0; i < count && filled < size; i++) {
      // A member with the largest weight takes an entry every iteration; one with a third of it, every third.
      if (iteration * normalized[i]! < target[i]!) continue;
      target[i] += maxNormalized;
      let entry = position[i]!;
      while (table[entry] !== -1) entry = (entry + skips[i]!) % size;
      table[entry] = i;
      position[i] = (entry + skips[i]!) % size;
      filled++;
    }
  }
  return table;
}

class MaglevPolicy<E extends BalancerEndpoint> implements Policy<E> {
  readonly zoneAware = false;
  readonly slowStart = false;
  readonly #random: Random;
  #table: Int32Array = new Int32Array(0);

  constructor(random: Random) {
    this.#random = random;
  }

  viewChanged(view: ClusterView<E>): void {
    this.#table = buildMaglevTable(view.all);
  }

  /** The request's entry; when its member was tried already, the entry of a rehashed key (see rehash). */
  select(set: CandidateSet<E>, exclude: ReadonlySet<number> | undefined, ctx: PickContext): number {
    const table = this.#table;
    const hash = ctx.hash ?? Math.floor(this.#random.next() * TWO_TO_32);
    if (exclude === undefined) return table[hash % table.length]!;
    return selectNotExcluded(set, exclude, hash, (key) => table[key % table.length]!);
  }
}

export function maglevPolicy<E extends BalancerEndpoint>(_endpoints: readonly E[], deps: BalancerDeps): Policy<E> {
  return new MaglevPolicy<E>(deps.random);
}
