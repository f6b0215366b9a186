// HPACK encoding of the response heads and trailers Sluice sends to clients (RFC 7541). Owns the
// encoding dynamic table and the choice of what to index; sends raw literals (no Huffman). Field
// values are written as latin1, one octet per char, as they were decoded.

import { DynamicTable, ENTRY_OVERHEAD } from './dynamic-table.js';
import { STATIC_NAMES, STATIC_TABLE_LENGTH, STATIC_VALUES } from './static-table.js';

export type EncodableHeaders = Readonly<Record<string, string | number | readonly string[] | undefined>>;

// HTTP/2's initial SETTINGS_HEADER_TABLE_SIZE, and the most this encoder uses whatever the peer allows.
const MAX_TABLE_SIZE = 4096;
// A longer value is rarely repeated and would push many small entries out of the table.
const MAX_INDEXED_VALUE_LENGTH = 128;

// How a field is sent when no table holds it exactly; names not listed are indexed.
const DROP = 0; // connection-specific: forbidden in HTTP/2 (RFC 9113 §8.2.2)
const NOT_INDEXED = 1; // usually unique per response: indexing would only churn the table
const NEVER_INDEXED = 2; // sensitive: no intermediary may index it either (RFC 7541 §7.1.3)
const POLICIES = new Map<string, number>([
  ...['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade'].map((name) => [name, DROP] as const),
  // content-length varies with every body size; nghttp2 does not index it either.
  ...['date', 'expires', 'last-modified', 'age', 'etag', 'location', 'content-length', 'content-range',
    'x-request-id', 'traceparent', 'tracestate', 'b3', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-parentspanid',
    'grpc-message'].map((name) => [name, NOT_INDEXED] as const),
  ...['set-cookie', 'cookie', 'authorization', 'proxy-authorization'].map((name) => [name, NEVER_INDEXED] as const),
]);

/** A name of the static table: the index of its first entry and the index of each of its values. */
interface StaticName { readonly index: number; readonly values: ReadonlyMap<string, number> }
const STATIC_LOOKUP: ReadonlyMap<string, StaticName> = buildStaticLookup();

function buildStaticLookup(): Map<string, StaticName> {
  const lookup = new Map<string, { index: number; values: Map<string, number> }>();
  for (let index = 1; index <= STATIC_TABLE_LENGTH; index++) {
    const name = STATIC_NAMES[index]!;
    let known = lookup.get(name);
    if (known === undefined) lookup.set(name, (known = { index, values: new Map() }));
    // Only entries with a value can match a field exactly; an empty-valued one is there for its name.
    if (STATIC_VALUES[index] !== '') known.values.set(STATIC_VALUES[index]!, index);
  }
  return lookup;
}

/** Dynamic entries of one name: the sequence number of each value's entry, and of the newest. */
interface DynamicName { newest: number; readonly values: Map<string, number> }

export class HpackEncoder {
  #buf = Buffer.allocUnsafe(1024);
  #pos = 0;
  readonly #table = new DynamicTable(MAX_TABLE_SIZE, (name, value, seq) => this.#forget(name, value, seq));
  readonly #byName = new Map<string, DynamicName>();
  // The table size the peer's decoder last heard of, and the smallest size set since (-1: no change).
  #announcedSize = MAX_TABLE_SIZE;
  #smallestSize = -1;

  /**
   * The peer's SETTINGS_HEADER_TABLE_SIZE is now size: the table shrinks to min(size, 4096) at
   * once, and the next block starts with the dynamic table size update(s) the peer needs (§4.2).
   */
  setMaxTableSize(size: number): void {
    const tableSize = Math.min(size, MAX_TABLE_SIZE);
    this.#table.setMaxSize(tableSize);
    this.#smallestSize = this.#smallestSize < 0 ? tableSize : Math.min(this.#smallestSize, tableSize);
  }

  /**
   * Encodes a response head: :status, then the other fields of headers in object order (names
   * starting with ':' and undefined values skipped, arrays as one field per element, names
   * lower-cased, connection-specific fields dropped). Returns a view of an internal buffer that
   * the next encode call overwrites: copy it out at once.
   */
  encodeResponse(status: number, headers: EncodableHeaders): Buffer {
    this.#begin();
    const index = staticStatusIndex(status);
    if (index > 0) this.#integer(0x80, 7, index);
    else this.#field(':status', String(status));
    this.#fields(headers);
    return this.#buf.subarray(0, this.#pos);
  }

  /** Encodes fields without :status (trailers), as encodeResponse does; the same buffer caveat holds. */
  encodeFields(headers: EncodableHeaders): Buffer {
    this.#begin();
    this.#fields(headers);
    return this.#buf.subarray(0, this.#pos);
  }

  #begin(): void {
    this.#pos = 0;
    if (this.#smallestSize < 0) return;
    const smallest = this.#smallestSize;
    const final = this.#table.maxSize;
    const announced = this.#announcedSize;
    this.#smallestSize = -1;
    this.#reserve(12);
    // The peer must evict what we evicted: announce the low point first if the size rose again since.
    if (smallest < final && smallest < announced) this.#integer(0x20, 5, smallest);
    if (final !== announced || smallest < announced) this.#integer(0x20, 5, final);
    this.#announcedSize = final;
  }

  #fields(headers: EncodableHeaders): void {
    for (const key of Object.keys(headers)) {
      if (key.charCodeAt(0) === 0x3a) continue; // ':status' and other pseudo-fields
      const value = headers[key];
      if (value === undefined) continue;
      const name = lowerCased(key);
      if (typeof value === 'string') this.#field(name, value);
      else if (typeof value === 'number') this.#field(name, String(value));
      else for (const item of value) this.#field(name, item);
    }
  }

  #field(name: string, value: string): void {
    const policy = POLICIES.get(name);
    if (policy === DROP) return;
    this.#reserve(name.length + value.length + 18); // three integers of at most 6 octets each
    const known = STATIC_LOOKUP.get(name);
    const staticIndex = known?.values.get(value);
    if (staticIndex !== undefined) {
      this.#integer(0x80, 7, staticIndex);
      return;
    }
    if (policy !== undefined) {
      this.#literal(policy === NEVER_INDEXED ? 0x10 : 0x00, 4, known?.index ?? 0, name, value);
      return;
    }
    const dynamic = this.#byName.get(name);
    const seq = dynamic?.values.get(value);
    if (seq !== undefined) {
      this.#integer(0x80, 7, this.#indexOf(seq));
      return;
    }
    const nameIndex = known !== undefined ? known.index : dynamic !== undefined ? this.#indexOf(dynamic.newest) : 0;
    if (value.length > MAX_INDEXED_VALUE_LENGTH || name.length + value.length + ENTRY_OVERHEAD > this.#table.maxSize) {
      this.#literal(0x00, 4, nameIndex, name, value);
      return;
    }
    this.#literal(0x40, 6, nameIndex, name, value);
    this.#insert(name, value);
  }

  #insert(name: string, value: string): void {
    const seq = this.#table.nextSeq;
    this.#table.insert(name, value); // may evict, and #forget may drop this name's DynamicName
    const dynamic = this.#byName.get(name);
    if (dynamic === undefined) this.#byName.set(name, { newest: seq, values: new Map([[value, seq]]) });
    else {
      dynamic.newest = seq;
      dynamic.values.set(value, seq);
    }
  }

  #forget(name: string, value: string, seq: number): void {
    const dynamic = this.#byName.get(name)!;
    if (dynamic.values.get(value) === seq) dynamic.values.delete(value);
    // Eviction goes oldest first, so once the newest entry of a name goes, all of them have.
    if (dynamic.newest === seq) this.#byName.delete(name);
  }

  #indexOf(seq: number): number {
    return STATIC_TABLE_LENGTH + this.#table.nextSeq - seq;
  }

  #literal(pattern: number, prefixBits: number, nameIndex: number, name: string, value: string): void {
    this.#integer(pattern, prefixBits, nameIndex);
    if (nameIndex === 0) this.#string(name);
    this.#string(value);
  }

  #string(text: string): void {
    this.#integer(0x00, 7, text.length); // H = 0: raw octets
    this.#pos += this.#buf.write(text, this.#pos, 'latin1');
  }

  // Writes an integer with an N-bit prefix (§5.1); pattern holds the representation's leading bits.
  #integer(pattern: number, prefixBits: number, value: number): void {
    const buf = this.#buf;
    const mask = (1 << prefixBits) - 1;
    if (value < mask) {
      buf[this.#pos++] = pattern | value;
      return;
    }
    buf[this.#pos++] = pattern | mask;
    value -= mask;
    while (value >= 0x80) {
      buf[this.#pos++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    buf[this.#pos++] = value;
  }

  #reserve(octets: number): void {
    if (this.#pos + octets <= this.#buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#pos + octets));
    this.#buf.copy(grown, 0, 0, this.#pos);
    this.#buf = grown;
  }
}

function staticStatusIndex(status: number): number {
  switch (status) {
    case 200: return 8;
    case 204: return 9;
    case 206: return 10;
    case 304: return 11;
    case 400: return 12;
    case 404: return 13;
    case 500: return 14;
    default: return 0;
  }
}

// Header names are almost always lower-case already; only call toLowerCase when one is not.
function lowerCased(name: string): string {
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code >= 0x41 && code <= 0x5a) return name.toLowerCase();
  }
  return name;
}
