// Gives every endpoint key a stable slot in the EndpointTable and recycles the slots of removed
// endpoints once their in-flight requests have drained. Main thread only; it never touches counters but reset.
import type { EndpointTable } from './endpoint-table.js';

export class SlotAllocator {
  readonly #table: EndpointTable;
  readonly #live = new Map<string, number>();
  /** Removed keys whose slots still have requests in flight. */
  readonly #draining = new Map<string, number>();
  /** Released slots, oldest release first. */
  readonly #released: number[] = [];
  #neverUsed = 0;

  constructor(table: EndpointTable) {
    this.#table = table;
  }

  /**
   * The key's slot; a new key gets a free slot, zeroed, in `initialState` (EndpointState bits), available
   * since `nowMs` (the table's epoch by default: endpoints of the first configuration are not in slow
   * start; later ones pass the clock).
   */
  slotFor(key: string, initialState = 0, nowMs: number = this.#table.epochMs): number {
    const live = this.#live.get(key);
    if (live !== undefined) return live;
    // A key that comes back while draining keeps its slot: its in-flight requests are still counted there.
    const draining = this.#draining.get(key);
    if (draining !== undefined) {
      this.#draining.delete(key);
      this.#live.set(key, draining);
      return draining;
    }
    const slot = this.#takeFreeSlot();
    this.#table.reset(slot, nowMs, initialState);
    this.#live.set(key, slot);
    return slot;
  }

  /** Keeps exactly these keys; every other key drains, and its slot is released once idle. */
  retain(keys: Iterable<string>): void {
    const kept = new Set(keys);
    for (const [key, slot] of this.#live) {
      if (kept.has(key)) continue;
      this.#live.delete(key);
      this.#draining.set(key, slot);
    }
    this.sweep();
  }

  /** Releases the slots of removed keys that no longer have requests in flight. */
  sweep(): void {
    for (const [key, slot] of this.#draining) {
      if (this.#table.active(slot) !== 0) continue;
      this.#draining.delete(key);
      this.#released.push(slot);
    }
  }

  // Never-used slots go first and released ones are reused oldest first: a worker still running an
  // older snapshot may touch a removed endpoint's slot briefly, so a slot waits as long as possible
  // before it counts for someone else.
  #takeFreeSlot(): number {
    if (this.#neverUsed < this.#table.capacity) return this.#neverUsed++;
    const released = this.#released.shift();
    if (released !== undefined) return released;
    throw new Error(
      `EndpointTable is full: all ${this.#table.capacity} slots are in use ` +
        `(${this.#live.size} endpoints, ${this.#draining.size} removed but still draining); raise the table capacity`,
    );
  }
}
