// Ring hash (Envoy's ketama ring): each candidate gets points on a 32-bit ring in proportion to its
// weight, at least minRingSize points in all (at most maxRingSize); a request goes to the first
// point at or after its hash. Built when availability changes; a pick is one binary search.
import type { BalancerDeps, BalancerEndpoint, BalancerOptions, PickContext, Policy } from './balancer.js';
import type { CandidateSet } from './candidate-set.js';
import type { ClusterView } from './cluster-view.js';
import { hashString, mix32 } from './hash.js';
import type { Random } from './random.js';

export const TWO_TO_32 = 4_294_967_296;
/** Rehashes tried before a retry gives up on its key and takes any member not tried yet. */
const REHASH_LIMIT = 32;

export interface Ring {
  /** Point hashes, ascending. */
  readonly hashes: Uint32Array;
  /** owners[i]: index into the candidate set of the point hashes[i]. */
  readonly owners: Int32Array;
}

/** Envoy's RingHashLoadBalancer::Ring: scale so the lightest member gets whole points, then sort. */
export function buildRing(set: CandidateSet<BalancerEndpoint>, minRingSize: number, maxRingSize: number): Ring {
  const { endpoints, weights, total } = set;
  let minNormalized = 1;
  for (let i = 0; i < endpoints.length; i++) minNormalized = Math.min(minNormalized, weights[i]! / total);
  const scale = Math.min(Math.ceil(minNormalized * minRingSize) / minNormalized, maxRingSize);
  const size = Math.ceil(scale);
  const pointHashes = new Uint32Array(size);
  const pointOwners = new Int32Array(size);
  let current = 0;
  let target = 0;
  for (let i = 0; i < endpoints.length; i++) {
    const key = endpointKey(endpoints[i]!);
    target += (scale * weights[i]!) / total;
    for (let k = 0; current < target && current < size; k++, current++) {
      pointHashes[current] = hashString(`${key}_${k}`);
      pointOwners[current] = i;
    }
  }
  const order = Array.from({ length: current }, (_, i) => i).sort((a, b) => pointHashes[a]! - pointHashes[b]! || pointOwners[a]! - pointOwners[b]!);
  return { hashes: Uint32Array.from(order, (i) => pointHashes[i]!), owners: Int32Array.from(order, (i) => pointOwners[i]!) };
}

/** The configured address identifies an endpoint on the ring; the slot when there is none. */
export function endpointKey(endpoint: BalancerEndpoint): string {
  return endpoint.address ?? `slot-${endpoint.slot}`;
}

/** Index of the first point at or after `hash`, wrapping to 0. */
export function ringIndex(hashes: Uint32Array, hash: number): number {
  let low = 0;
  let high = hashes.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (hashes[middle]! < hash) low = middle + 1;
    else high = middle;
  }
  return low === hashes.length ? 0 : low;
}

/**
 * For a retry whose key maps to a tried member: the same key rehashed 1, 2, … times (deterministic, and
 * each rehash lands in proportion to weight, so retries keep the weights); past REHASH_LIMIT, the first
 * member not tried; -1 when every member was tried.
 */
export function selectNotExcluded(
  set: CandidateSet<BalancerEndpoint>, exclude: ReadonlySet<number>, hash: number, ownerOf: (key: number) => number,
): number {
  const endpoints = set.endpoints;
  for (let attempt = 0; attempt < REHASH_LIMIT; attempt++) {
    const owner = ownerOf(attempt === 0 ? hash >>> 0 : mix32((hash + Math.imul(attempt, 0x9e3779b9)) >>> 0));
    if (!exclude.has(endpoints[owner]!.slot)) return owner;
  }
  for (let i = 0; i < endpoints.length; i++) if (!exclude.has(endpoints[i]!.slot)) return i;
  return -1;
}

class RingHashPolicy<E extends BalancerEndpoint> implements Policy<E> {
  readonly zoneAware = false;
  readonly slowStart = false;
  readonly #random: Random;
  readonly #minRingSize: number;
  readonly #maxRingSize: number;
  #ring: Ring = { hashes: new Uint32Array(0), owners: new Int32Array(0) };

  constructor(random: Random, options: BalancerOptions) {
    const { minRingSize, maxRingSize } = options.ringHash;
    if (!Number.isInteger(minRingSize) || minRingSize < 1 || !Number.isInteger(maxRingSize) || maxRingSize < minRingSize) {
      throw new RangeError(`ring sizes must be whole numbers with 1 <= minRingSize <= maxRingSize, got ${minRingSize} and ${maxRingSize}`);
    }
    this.#random = random;
    this.#minRingSize = minRingSize;
    this.#maxRingSize = maxRingSize;
  }

  viewChanged(view: ClusterView<E>): void {
    this.#ring = buildRing(view.all, this.#minRingSize, this.#maxRingSize);
  }

  /** The owner of the request's point; when it was tried already, the owner of a rehashed key's point. */
  select(set: CandidateSet<E>, exclude: ReadonlySet<number> | undefined, ctx: PickContext): number {
    const { hashes, owners } = this.#ring;
    const hash = ctx.hash ?? Math.floor(this.#random.next() * TWO_TO_32);
    if (exclude === undefined) return owners[ringIndex(hashes, hash >>> 0)]!;
    return selectNotExcluded(set, exclude, hash, (key) => owners[ringIndex(hashes, key)]!);
  }
}

export function ringHashPolicy<E extends BalancerEndpoint>(_endpoints: readonly E[], deps: BalancerDeps, options: BalancerOptions): Policy<E> {
  return new RingHashPolicy<E>(deps.random, options);
}
