// The two tiny messages of grpc.health.v1.Health/Check, hand-encoded (protobuf wire format) inside
// gRPC's 5-byte message framing. Encoding and decoding only; no I/O.

/** HealthCheckResponse.ServingStatus values. */
export const ServingStatus = { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 } as const;

const WIRE_VARINT = 0;
const WIRE_LEN = 2;

/** A framed HealthCheckRequest { string service = 1; }. */
export function encodeHealthCheckRequest(service: string): Buffer {
  const name = Buffer.from(service, 'utf8');
  const body = name.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([(1 << 3) | WIRE_LEN]), varint(name.length), name]);
  const frame = Buffer.alloc(5);
  frame.writeUInt8(0, 0); // not compressed
  frame.writeUInt32BE(body.length, 1);
  return Buffer.concat([frame, body]);
}

/**
 * The `status` (field 1) of the first framed HealthCheckResponse in `data`; undefined when the data is
 * not one well-formed, uncompressed message. A message without the field means UNKNOWN (proto3 default).
 */
export function decodeHealthCheckResponse(data: Buffer): number | undefined {
  if (data.length < 5 || data[0] !== 0) return undefined;
  const length = data.readUInt32BE(1);
  if (data.length < 5 + length) return undefined;
  let offset = 5;
  const end = 5 + length;
  let status: number = ServingStatus.UNKNOWN;
  while (offset < end) {
    const key = readVarint(data, offset, end);
    if (key === undefined) return undefined;
    offset = key.next;
    const field = key.value >>> 3;
    const wire = key.value & 7;
    if (wire === WIRE_VARINT) {
      const value = readVarint(data, offset, end);
      if (value === undefined) return undefined;
      offset = value.next;
      if (field === 1) status = value.value;
    } else if (wire === WIRE_LEN) {
      const size = readVarint(data, offset, end);
      if (size === undefined || size.next + size.value > end) return undefined;
      offset = size.next + size.value;
    } else {
      return undefined; // no other wire type appears in this message
    }
  }
  return status;
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  while (value > 0x7f) {
    bytes.push((value & 0x7f) | 0x80);
    value >>>= 7;
  }
  bytes.push(value);
  return Buffer.from(bytes);
}

function readVarint(data: Buffer, offset: number, end: number): { value: number; next: number } | undefined {
  let value = 0;
  for (let shift = 0; shift < 35 && offset < end; shift += 7) {
    const byte = data[offset++]!;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return { value, next: offset };
  }
  return undefined;
}
