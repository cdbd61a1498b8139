/**
 * Just enough of the protobuf wire format to read an ONNX model's top-level
 * fields and write new messages: varints, fixed32/64 and length-delimited
 * fields. Reading never decodes nested messages it is not asked about, so an
 * 18 MB model is walked by skipping over its weights.
 */

/** 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32 (groups, 3 and 4, are not used by ONNX). */
export type WireType = 0 | 1 | 2 | 5;

export interface ProtoField {
  field: number;
  wire: WireType;
  /** Byte range of the whole field (tag included), for copying it unchanged. */
  start: number;
  end: number;
  /** Byte range of the payload: the bytes of a length-delimited field, the 4 or 8 bytes of a fixed one. */
  valueStart: number;
  valueEnd: number;
  /** The value of a varint field (0n for the other wire types). */
  varint: bigint;
}

/** Malformed protobuf bytes (readModel turns it into an OnnxFormatError). */
export class ProtoError extends Error {
  override name = 'ProtoError';
}

/** A varint that is a tag or a length (below 2^53): decoded with numbers, no BigInt. */
function readSize(buf: Uint8Array, pos: number, end: number): [number, number] {
  let result = 0;
  let scale = 1;
  for (let p = pos; p < end && scale < 2 ** 53; p++) {
    const b = buf[p]!;
    result += (b & 0x7f) * scale;
    if (b < 0x80) return [result, p + 1];
    scale *= 128;
  }
  throw new ProtoError(`truncated or oversized varint at byte ${pos}`);
}

/** A varint value field (int64 and friends: up to ten bytes). */
function readVarint(buf: Uint8Array, pos: number, end: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (let p = pos; p < end && shift < 70n; p++) {
    const b = buf[p]!;
    result |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) return [result, p + 1];
    shift += 7n;
  }
  throw new ProtoError(`truncated or overlong varint at byte ${pos}`);
}

/** The fields of one message in buf[start, end), in file order. */
export function* readFields(buf: Uint8Array, start = 0, end = buf.length): Generator<ProtoField> {
  let pos = start;
  while (pos < end) {
    const fieldStart = pos;
    const [tag, afterTag] = readSize(buf, pos, end);
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field === 0) throw new ProtoError(`field number 0 at byte ${fieldStart}`);
    let valueStart = afterTag;
    let valueEnd: number;
    let varint = 0n;
    if (wire === 0) {
      [varint, valueEnd] = readVarint(buf, afterTag, end);
      pos = valueEnd;
    } else if (wire === 2) {
      const [len, afterLen] = readSize(buf, afterTag, end);
      valueStart = afterLen;
      valueEnd = afterLen + len;
      pos = valueEnd;
    } else if (wire === 1) {
      valueEnd = afterTag + 8;
      pos = valueEnd;
    } else if (wire === 5) {
      valueEnd = afterTag + 4;
      pos = valueEnd;
    } else {
      throw new ProtoError(`unsupported wire type ${wire} (field ${field}) at byte ${fieldStart}`);
    }
    if (pos > end) throw new ProtoError(`field ${field} at byte ${fieldStart} runs past the end of its message (${pos} > ${end})`);
    yield { field, wire: wire as WireType, start: fieldStart, end: pos, valueStart, valueEnd, varint };
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

export function fieldString(buf: Uint8Array, f: ProtoField): string {
  return utf8.decode(buf.subarray(f.valueStart, f.valueEnd));
}

/** A signed 64-bit varint (int64 fields: negative numbers are ten-byte two's complement). */
export function fieldInt(f: ProtoField): number {
  return Number(BigInt.asIntN(64, f.varint));
}

/**
 * Builds a message from chunks: small fields are collected in a scratch
 * buffer, large byte fields (copied model parts, tensor data) are kept as
 * views and joined once in finish().
 */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private scratch = new Uint8Array(256);
  private used = 0;
  private total = 0;

  private ensure(n: number): void {
    if (this.used + n <= this.scratch.length) return;
    this.flush();
    if (n > this.scratch.length) this.scratch = new Uint8Array(Math.max(n, 256));
  }

  private flush(): void {
    if (this.used === 0) return;
    this.chunks.push(this.scratch.slice(0, this.used));
    this.used = 0;
  }

  private byte(b: number): void {
    this.scratch[this.used++] = b;
    this.total++;
  }

  varint(v: number | bigint): this {
    let x = BigInt.asUintN(64, BigInt(v));
    this.ensure(10);
    while (x >= 0x80n) {
      this.byte(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.byte(Number(x));
    return this;
  }

  tag(field: number, wire: WireType): this {
    return this.varint((field << 3) | wire);
  }

  int(field: number, v: number | bigint): this {
    return this.tag(field, 0).varint(v);
  }

  float(field: number, v: number): this {
    this.tag(field, 5);
    this.ensure(4);
    new DataView(this.scratch.buffer, this.scratch.byteOffset + this.used, 4).setFloat32(0, v, true);
    this.used += 4;
    this.total += 4;
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2).varint(b.length);
    return this.raw(b);
  }

  string(field: number, s: string): this {
    return this.bytes(field, utf8Encoder.encode(s));
  }

  message(field: number, m: ProtoWriter): this {
    this.tag(field, 2).varint(m.length);
    this.flush();
    for (const c of m.parts()) this.chunks.push(c);
    this.total += m.length;
    return this;
  }

  /** Bytes appended as they are (an already encoded field, or a payload after its length). */
  raw(b: Uint8Array): this {
    if (b.length <= 64) {
      this.ensure(b.length);
      this.scratch.set(b, this.used);
      this.used += b.length;
      this.total += b.length;
      return this;
    }
    this.flush();
    this.chunks.push(b);
    this.total += b.length;
    return this;
  }

  get length(): number {
    return this.total;
  }

  private parts(): Uint8Array[] {
    this.flush();
    return this.chunks;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.total);
    let p = 0;
    for (const c of this.parts()) {
      out.set(c, p);
      p += c.length;
    }
    return out;
  }
}
