/**
 * A protobuf wire-format writer into a fixed region of a buffer: varints, fixed-width numbers,
 * strings (UTF-8), hex ids as bytes, and nested messages whose length is patched in when they
 * are finished. Used by otlp-span-encoding.ts to write OTLP messages in one pass.
 *
 * One pass: a nested message reserves one byte for its length and, in the rare case it grows
 * past 127 bytes, its content is moved up by the extra bytes when it is finished (the content
 * is small, so the move is cheap). A writer that runs out of room throws WriterFull, and the
 * caller starts the message again in a bigger buffer — simpler and faster than sizing every
 * message before writing it, which is the other way to do it in one pass.
 */

/**
 * Thrown when the message does not fit in what is left of the buffer. One instance, thrown as
 * is: it is control flow, and a fresh Error would capture a stack trace every time.
 */
export class WriterFull extends Error {
  override readonly name = 'WriterFull';
  static readonly instance = new WriterFull();
  private constructor() {
    super('protobuf writer: the message does not fit in the buffer');
  }
}

/** Wire types. */
export const VARINT = 0;
export const FIXED64 = 1;
export const LEN = 2;
export const FIXED32 = 5;

const encoder = new TextEncoder();

export class ProtobufWriter {
  buf: Uint8Array;
  pos: number;
  private view: DataView;

  constructor(buf: Uint8Array, start = 0) {
    this.buf = buf;
    this.pos = start;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Bytes left in the buffer. */
  get free(): number {
    return this.buf.length - this.pos;
  }

  /** Continues writing into `buf` from `start` (a new chunk). */
  reset(buf: Uint8Array, start = 0): void {
    if (buf !== this.buf) {
      this.buf = buf;
      this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    this.pos = start;
  }

  private room(n: number): void {
    if (this.pos + n > this.buf.length) throw WriterFull.instance;
  }

  tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  /** A non-negative integer below 2^53, or a negative one (two's complement, ten bytes). */
  varint(value: number): void {
    if (value >= 0 && value <= 0x7f) {
      this.room(1);
      this.buf[this.pos++] = value;
      return;
    }
    this.room(10);
    const buf = this.buf;
    if (value >= 0 && value <= 0xffffffff) {
      let v = value >>> 0;
      while (v > 0x7f) {
        buf[this.pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      buf[this.pos++] = v;
      return;
    }
    let low: number;
    let high: number;
    if (value >= 0) {
      low = value >>> 0;
      high = (value / 4294967296) >>> 0;
    } else {
      const abs = -value;
      low = ~(abs >>> 0) >>> 0;
      high = ~((abs / 4294967296) >>> 0) >>> 0;
      low = (low + 1) >>> 0;
      if (low === 0) high = (high + 1) >>> 0;
    }
    while (high > 0 || low > 0x7f) {
      buf[this.pos++] = (low & 0x7f) | 0x80;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    buf[this.pos++] = low;
  }

  fixed32(value: number): void {
    this.room(4);
    this.view.setUint32(this.pos, value >>> 0, true);
    this.pos += 4;
  }

  fixed64(low: number, high: number): void {
    this.room(8);
    this.view.setUint32(this.pos, low >>> 0, true);
    this.view.setUint32(this.pos + 4, high >>> 0, true);
    this.pos += 8;
  }

  double(value: number): void {
    this.room(8);
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  /** A length-delimited string (UTF-8). */
  string(value: string): void {
    const length = value.length;
    let ascii = true;
    for (let i = 0; i < length; i++) {
      if (value.charCodeAt(i) > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      this.varint(length);
      this.room(length);
      const buf = this.buf;
      let pos = this.pos;
      for (let i = 0; i < length; i++) buf[pos++] = value.charCodeAt(i);
      this.pos = pos;
      return;
    }
    // Reserve for the longest varint the UTF-8 length can need, write, then close the gap.
    const lengthBytes = varintSize(length * 3);
    this.room(lengthBytes + length * 3);
    const start = this.pos + lengthBytes;
    const { written } = encoder.encodeInto(
      value,
      this.buf.subarray(start, start + length * 3),
    );
    const actualLengthBytes = varintSize(written);
    if (actualLengthBytes < lengthBytes)
      this.buf.copyWithin(this.pos + actualLengthBytes, start, start + written);
    this.varint(written);
    this.pos += written;
  }

  /** Length-delimited raw bytes. */
  bytes(value: Uint8Array): void {
    this.varint(value.length);
    this.room(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  /** A length-delimited byte string given as hex (trace and span ids). */
  hexBytes(hex: string): void {
    const length = hex.length >>> 1;
    this.varint(length);
    this.room(length);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < hex.length; i += 2)
      buf[pos++] =
        (hexValue(hex.charCodeAt(i)) << 4) | hexValue(hex.charCodeAt(i + 1));
    this.pos = pos;
  }

  /** Starts a nested message: returns where its length goes (one byte reserved). */
  begin(): number {
    this.room(1);
    return this.pos++;
  }

  /** Finishes the nested message begun at `at`: writes its length, moving it up if need be. */
  end(at: number): void {
    const length = this.pos - at - 1;
    if (length <= 0x7f) {
      this.buf[at] = length;
      return;
    }
    const size = varintSize(length);
    this.room(size - 1);
    this.buf.copyWithin(at + size, at + 1, this.pos);
    this.pos += size - 1;
    let v = length;
    let p = at;
    while (v > 0x7f) {
      this.buf[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[p] = v;
  }
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  if (code >= 97 && code <= 102) return code - 87; // a-f
  return code - 55; // A-F
}

/** Bytes a varint takes (non-negative values). */
export function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  if (value < 0x800000000) return 5;
  if (value < 0x40000000000) return 6;
  if (value < 0x2000000000000) return 7;
  return 8;
}
