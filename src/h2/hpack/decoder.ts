// HPACK decoding of header blocks (RFC 7541) into the flat [name, value, ...] form of node's
// rawHeaders. Owns the decoding dynamic table; does not validate HTTP semantics (names, pseudo-fields).

import { DynamicTable, ENTRY_OVERHEAD } from './dynamic-table.js';
import { huffmanDecode } from './huffman.js';
import { STATIC_NAMES, STATIC_TABLE_LENGTH, STATIC_VALUES } from './static-table.js';

/** The block decoded and every field was appended. */
export const DECODED = 0;
/** The header list is larger than maxListSize; the table was still kept in step, `out` is incomplete. */
export const LIST_TOO_LARGE = 1;
/** The block is malformed: a connection error of type COMPRESSION_ERROR (RFC 9113 §4.3). */
export const COMPRESSION_ERROR = -1;
export type DecodeResult = typeof DECODED | typeof LIST_TOO_LARGE | typeof COMPRESSION_ERROR;

// Larger integers are no legitimate index, length or table size; capping keeps arithmetic exact.
const MAX_INTEGER = 2 ** 31 - 1;
// Returned by #integer and #string for malformed input (no valid integer is negative).
const MALFORMED = -1;

export class HpackDecoder {
  readonly #table: DynamicTable;
  // The SETTINGS_HEADER_TABLE_SIZE Sluice advertises (it never changes it): the ceiling for size updates.
  readonly #maxTableSize: number;
  // Cursor and last string of the block being decoded, kept in fields so helpers return plain numbers.
  #pos = 0;
  #text = '';

  constructor(maxTableSize = 4096) {
    this.#maxTableSize = maxTableSize;
    this.#table = new DynamicTable(maxTableSize);
  }

  /**
   * Decodes the header block block[start, end), appending name, value, name, value, ... to out.
   * Returns DECODED, LIST_TOO_LARGE when the header list size (RFC 7541 §4.1) exceeds maxListSize
   * (the whole block is still decoded so the table stays in step; out stops growing), or
   * COMPRESSION_ERROR. Names and values found in a table are the stored strings; literals are latin1.
   */
  decode(block: Buffer, start: number, end: number, out: string[], maxListSize: number): DecodeResult {
    const table = this.#table;
    let listSize = 0;
    let fieldSeen = false;
    this.#pos = start;
    while (this.#pos < end) {
      const first = block[this.#pos]!;
      if ((first & 0xe0) === 0x20) {
        // Dynamic table size update (§6.3): only before the first field of a block (§4.2).
        if (fieldSeen) return COMPRESSION_ERROR;
        const size = this.#integer(block, end, 5);
        if (size < 0 || size > this.#maxTableSize) return COMPRESSION_ERROR;
        table.setMaxSize(size);
        continue;
      }
      fieldSeen = true;
      let name: string;
      let value: string;
      if (first & 0x80) {
        // Indexed field (§6.1).
        const index = this.#integer(block, end, 7);
        if (index <= 0) return COMPRESSION_ERROR;
        if (index <= STATIC_TABLE_LENGTH) {
          name = STATIC_NAMES[index]!;
          value = STATIC_VALUES[index]!;
        } else {
          const dynamicIndex = index - STATIC_TABLE_LENGTH;
          if (dynamicIndex > table.length) return COMPRESSION_ERROR;
          name = table.nameAt(dynamicIndex);
          value = table.valueAt(dynamicIndex);
        }
      } else {
        // Literal field (§6.2): with incremental indexing (01), without indexing (0000) or never indexed (0001).
        const indexing = (first & 0xc0) === 0x40;
        const nameIndex = this.#integer(block, end, indexing ? 6 : 4);
        if (nameIndex < 0) return COMPRESSION_ERROR;
        if (nameIndex === 0) {
          if (this.#string(block, end) < 0) return COMPRESSION_ERROR;
          name = this.#text;
        } else if (nameIndex <= STATIC_TABLE_LENGTH) {
          name = STATIC_NAMES[nameIndex]!;
        } else {
          const dynamicIndex = nameIndex - STATIC_TABLE_LENGTH;
          if (dynamicIndex > table.length) return COMPRESSION_ERROR;
          name = table.nameAt(dynamicIndex);
        }
        if (this.#string(block, end) < 0) return COMPRESSION_ERROR;
        value = this.#text;
        if (indexing) table.insert(name, value);
      }
      if (listSize <= maxListSize) {
        listSize += name.length + value.length + ENTRY_OVERHEAD;
        if (listSize <= maxListSize) out.push(name, value);
      }
    }
    return listSize > maxListSize ? LIST_TOO_LARGE : DECODED;
  }

  // Reads an integer with an N-bit prefix (§5.1) at #pos, or returns MALFORMED when it is truncated
  // or larger than MAX_INTEGER.
  #integer(block: Buffer, end: number, prefixBits: number): number {
    const mask = (1 << prefixBits) - 1;
    let value = block[this.#pos++]! & mask;
    if (value < mask) return value;
    for (let shift = 0; shift <= 28; shift += 7) {
      if (this.#pos >= end) return MALFORMED;
      const octet = block[this.#pos++]!;
      // Multiplication, not <<, so that a 5th octet cannot overflow int32 before the check.
      value += (octet & 0x7f) * 2 ** shift;
      if (value > MAX_INTEGER) return MALFORMED;
      if ((octet & 0x80) === 0) return value;
    }
    return MALFORMED;
  }

  // Reads a string literal (§5.2) at #pos into #text; returns its octet length, or MALFORMED.
  #string(block: Buffer, end: number): number {
    if (this.#pos >= end) return MALFORMED;
    const huffman = block[this.#pos]! & 0x80;
    const length = this.#integer(block, end, 7);
    if (length < 0 || length > end - this.#pos) return MALFORMED;
    const from = this.#pos;
    this.#pos += length;
    if (!huffman) {
      this.#text = block.toString('latin1', from, from + length);
      return length;
    }
    const text = huffmanDecode(block, from, from + length);
    if (text === undefined) return MALFORMED;
    this.#text = text;
    return length;
  }
}
