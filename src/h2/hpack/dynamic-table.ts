// The HPACK dynamic table (RFC 7541 §2.3.2, §4): a FIFO of (name, value) pairs evicted by size,
// kept as a ring of two string arrays so an insert allocates nothing. Knows nothing of the wire.

/** Bytes counted per entry on top of its name and value (RFC 7541 §4.1). */
export const ENTRY_OVERHEAD = 32;

/** Told of each entry leaving the table; seq is the number the entry got when it was inserted. */
export type EvictionListener = (name: string, value: string, seq: number) => void;

export class DynamicTable {
  #names: string[] = new Array(16);
  #values: string[] = new Array(16);
  #mask = 15;
  // Every insert gets the next sequence number; an entry lives at ring slot seq & mask.
  #oldest = 0;
  #next = 0;
  #size = 0;
  #maxSize: number;
  readonly #onEvict: EvictionListener | undefined;

  constructor(maxSize: number, onEvict?: EvictionListener) {
    this.#maxSize = maxSize;
    this.#onEvict = onEvict;
  }

  get maxSize(): number {
    return this.#maxSize;
  }

  get length(): number {
    return this.#next - this.#oldest;
  }

  /** The sequence number the next inserted entry will get. */
  get nextSeq(): number {
    return this.#next;
  }

  /** Name of the entry at dynamic index (1 = newest); index must be in 1..length. */
  nameAt(index: number): string {
    return this.#names[(this.#next - index) & this.#mask]!;
  }

  /** Value of the entry at dynamic index (1 = newest); index must be in 1..length. */
  valueAt(index: number): string {
    return this.#values[(this.#next - index) & this.#mask]!;
  }

  /** Adds an entry as the newest, evicting the oldest as needed; one larger than the table empties it (§4.4). */
  insert(name: string, value: string): void {
    const entrySize = name.length + value.length + ENTRY_OVERHEAD;
    if (entrySize > this.#maxSize) {
      this.#evictUntil(0);
      return;
    }
    this.#evictUntil(this.#maxSize - entrySize);
    if (this.length > this.#mask) this.#grow();
    const slot = this.#next & this.#mask;
    this.#names[slot] = name;
    this.#values[slot] = value;
    this.#next++;
    this.#size += entrySize;
  }

  /** Changes the maximum size, evicting the oldest entries until the table fits (§4.3). */
  setMaxSize(maxSize: number): void {
    this.#maxSize = maxSize;
    this.#evictUntil(maxSize);
  }

  #evictUntil(size: number): void {
    while (this.#size > size) {
      const slot = this.#oldest & this.#mask;
      const name = this.#names[slot]!;
      const value = this.#values[slot]!;
      this.#size -= name.length + value.length + ENTRY_OVERHEAD;
      this.#onEvict?.(name, value, this.#oldest);
      this.#oldest++;
    }
  }

  #grow(): void {
    const capacity = (this.#mask + 1) * 2;
    const names: string[] = new Array(capacity);
    const values: string[] = new Array(capacity);
    for (let seq = this.#oldest; seq < this.#next; seq++) {
      names[seq & (capacity - 1)] = this.#names[seq & this.#mask]!;
      values[seq & (capacity - 1)] = this.#values[seq & this.#mask]!;
    }
    this.#names = names;
    this.#values = values;
    this.#mask = capacity - 1;
  }
}
