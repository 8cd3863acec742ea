/**
 * A growable protobuf writer over one reused Buffer: what a span encoder writes into. Only the
 * wire types OTLP traces use (varint, fixed32/64, length-delimited). Length prefixes of nested
 * messages are reserved as two bytes and patched when the message ends (shifting the body when
 * the length needs one or three bytes), so nothing is encoded twice.
 */
const TWO_32 = 2 ** 32;

export class ProtobufWriter {
  buf: Buffer;
  pos = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  reset(): void {
    this.pos = 0;
  }

  /** Makes room for `n` more bytes, doubling the buffer (and keeping what was written). */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const bigger = Buffer.allocUnsafe(size);
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  byte(value: number): void {
    this.ensure(1);
    this.buf[this.pos++] = value;
  }

  /** A non-negative integer up to 2^53 as a varint. */
  varint(value: number): void {
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    while (value >= 0x80) {
      buf[pos++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    buf[pos++] = value;
    this.pos = pos;
  }

  /** An int64 varint: negative values take ten bytes (two's complement), as protobuf defines. */
  int64(value: number): void {
    if (value >= 0) {
      this.varint(value);
      return;
    }
    const hi = Math.floor(value / TWO_32);
    const lo = value - hi * TWO_32;
    this.ensure(10);
    let low = lo >>> 0;
    let high = hi >>> 0;
    for (let i = 0; i < 9; i++) {
      this.buf[this.pos++] = (low & 0x7f) | 0x80;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    this.buf[this.pos++] = low & 0x01;
  }

  fixed32(value: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(value >>> 0, this.pos);
    this.pos += 4;
  }

  fixed64(lo: number, hi: number): void {
    this.ensure(8);
    this.buf.writeUInt32LE(lo >>> 0, this.pos);
    this.buf.writeUInt32LE(hi >>> 0, this.pos + 4);
    this.pos += 8;
  }

  double(value: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  bytes(source: Uint8Array): void {
    this.ensure(source.length);
    this.buf.set(source, this.pos);
    this.pos += source.length;
  }

  /** A length-delimited UTF-8 string (the tag is the caller's). */
  string(value: string): void {
    // Up to 42 UTF-16 units are at most 126 UTF-8 bytes: a one-byte length, written after.
    if (value.length <= 42) {
      this.ensure(1 + value.length * 3);
      const written = this.buf.write(value, this.pos + 1);
      this.buf[this.pos] = written;
      this.pos += 1 + written;
      return;
    }
    const length = Buffer.byteLength(value);
    this.varint(length);
    this.ensure(length);
    this.pos += this.buf.write(value, this.pos, length);
  }

  /** Starts a nested message: reserves a two-byte length; returns where its body begins. */
  begin(): number {
    this.ensure(2);
    this.pos += 2;
    return this.pos;
  }

  /** Ends the message begun at `start`: writes its length, moving the body if it is not two bytes. */
  end(start: number): void {
    const length = this.pos - start;
    if (length < 0x80) {
      this.buf.copyWithin(start - 1, start, this.pos);
      this.buf[start - 2] = length;
      this.pos -= 1;
    } else if (length < 0x4000) {
      this.buf[start - 2] = (length & 0x7f) | 0x80;
      this.buf[start - 1] = length >>> 7;
    } else {
      const extra = varintLength(length) - 2;
      this.ensure(extra);
      this.buf.copyWithin(start + extra, start, this.pos);
      this.pos += extra;
      let pos = start - 2;
      let value = length;
      while (value >= 0x80) {
        this.buf[pos++] = (value % 0x80) | 0x80;
        value = Math.floor(value / 0x80);
      }
      this.buf[pos] = value;
    }
  }
}

export function varintLength(value: number): number {
  let n = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    n++;
  }
  return n;
}

/** A field key: (field number << 3) | wire type, as one or two bytes. */
export function tag(field: number, wireType: 0 | 1 | 2 | 5): number[] {
  const key = (field << 3) | wireType;
  return key < 0x80 ? [key] : [(key & 0x7f) | 0x80, key >>> 7];
}
