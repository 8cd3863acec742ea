/**
 * The protobuf wire format, written into a Buffer that is reused: varints, fixed-width numbers,
 * UTF-8 strings and length-delimited fields whose length is patched in when they end.
 *
 * Nested messages reserve one byte for their length and move their bytes when the length needs
 * more (upstream's otlp-transformer writer does the same): most OTLP sub-messages — a
 * KeyValue, an AnyValue, a status — are shorter than 128 bytes, and measuring every message
 * before writing it would walk the span twice.
 *
 * When the buffer is full, `grow` decides where writing continues: by default a buffer twice as
 * large with everything copied; the span queue (span-queue.ts) instead moves only the record
 * being written to a fresh chunk.
 */

const TWO_32 = 4294967296;

export class ProtobufWriter {
  buf: Buffer;
  pos = 0;

  constructor(initialSize = 1024) {
    this.buf = Buffer.allocUnsafeSlow(initialSize);
  }

  /** Makes room for `bytes` more bytes at `pos`. */
  ensure(bytes: number): void {
    if (this.pos + bytes > this.buf.length) this.grow(bytes);
  }

  /** Room for `bytes` more: here, a buffer at least twice as large, with everything copied. */
  protected grow(bytes: number): void {
    let size = this.buf.length * 2;
    while (size < this.pos + bytes) size *= 2;
    const next = Buffer.allocUnsafeSlow(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  reset(): void {
    this.pos = 0;
  }

  /** The bytes written so far (a view: valid until the next write). */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  byte(value: number): void {
    this.ensure(1);
    this.buf[this.pos++] = value;
  }

  /** An unsigned varint below 2^32 (lengths, counts, tags, enums). */
  varint(value: number): void {
    this.ensure(5);
    const buf = this.buf;
    let pos = this.pos;
    let v = value >>> 0;
    while (v > 127) {
      buf[pos++] = (v & 127) | 128;
      v >>>= 7;
    }
    buf[pos++] = v;
    this.pos = pos;
  }

  /**
   * A 64-bit integer varint from a JS number (an integer in [-2^63, 2^63)): negatives as two's
   * complement in ten bytes, as protobuf's int64 has them.
   */
  int64(value: number): void {
    if (value >= 0 && value < TWO_32) {
      this.varint(value);
      return;
    }
    let low: number;
    let high: number;
    const abs = Math.abs(value);
    low = abs >>> 0;
    high = Math.floor(abs / TWO_32) >>> 0;
    if (value < 0) {
      low = ~low >>> 0;
      high = ~high >>> 0;
      low = (low + 1) >>> 0;
      if (low === 0) high = (high + 1) >>> 0;
    }
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    while (high > 0 || low > 127) {
      buf[pos++] = (low & 127) | 128;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    buf[pos++] = low;
    this.pos = pos;
  }

  // Fixed-width numbers byte by byte: Buffer's writeUInt32LE checks its arguments on every call.
  fixed32(value: number): void {
    this.ensure(4);
    const buf = this.buf;
    const pos = this.pos;
    buf[pos] = value;
    buf[pos + 1] = value >>> 8;
    buf[pos + 2] = value >>> 16;
    buf[pos + 3] = value >>> 24;
    this.pos = pos + 4;
  }

  fixed64(lo: number, hi: number): void {
    this.ensure(8);
    const buf = this.buf;
    const pos = this.pos;
    buf[pos] = lo;
    buf[pos + 1] = lo >>> 8;
    buf[pos + 2] = lo >>> 16;
    buf[pos + 3] = lo >>> 24;
    buf[pos + 4] = hi;
    buf[pos + 5] = hi >>> 8;
    buf[pos + 6] = hi >>> 16;
    buf[pos + 7] = hi >>> 24;
    this.pos = pos + 8;
  }

  /** A 32-bit word big-endian (ids are big-endian byte strings); room already ensured. */
  wordBE(value: number): void {
    const buf = this.buf;
    const pos = this.pos;
    buf[pos] = value >>> 24;
    buf[pos + 1] = value >>> 16;
    buf[pos + 2] = value >>> 8;
    buf[pos + 3] = value;
    this.pos = pos + 4;
  }

  /**
   * The bytes of an ASCII string without its length (the caller knows it), or false, with nothing
   * written, at the first character that is not ASCII. Room already ensured.
   */
  ascii(value: string): boolean {
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c > 127) return false;
      buf[pos++] = c;
    }
    this.pos = pos;
    return true;
  }

  double(value: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  /** A string field's body: its UTF-8 length, then the bytes. */
  string(value: string): void {
    const length = value.length;
    // ASCII, the common case for names, keys and most values: one byte per character, written
    // directly. Anything else: Node's UTF-8 encoder (lone surrogates become U+FFFD, as with
    // upstream's TextEncoder).
    if (length < 128) {
      this.ensure(1 + length);
      const buf = this.buf;
      const start = this.pos;
      buf[start] = length;
      let pos = start + 1;
      for (let i = 0; i < length; i++) {
        const c = value.charCodeAt(i);
        if (c > 127) {
          this.pos = start;
          this.utf8(value);
          return;
        }
        buf[pos++] = c;
      }
      this.pos = pos;
      return;
    }
    this.utf8(value);
  }

  private utf8(value: string): void {
    const bytes = Buffer.byteLength(value, 'utf8');
    this.varint(bytes);
    this.ensure(bytes);
    this.pos += this.buf.write(value, this.pos, bytes, 'utf8');
  }

  /** A bytes field's body: the length, then the bytes. */
  bytes(value: Uint8Array): void {
    this.varint(value.length);
    this.raw(value);
  }

  /** Bytes as they are (already encoded fields). */
  raw(value: Uint8Array): void {
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  /**
   * Starts a length-delimited field's body (its tag already written): reserves one byte for the
   * length and returns the mark `finish` needs. Positions are relative to the record start, so a
   * record moved by `grow` keeps its marks valid.
   */
  begin(): number {
    this.ensure(1);
    return this.pos++ - this.recordStart();
  }

  /** Ends the field begun at `mark`: writes its length, moving the body if it needs more bytes. */
  finish(mark: number): void {
    const at = mark + this.recordStart();
    const length = this.pos - at - 1;
    if (length < 128) {
      this.buf[at] = length;
      return;
    }
    const size = varintSize(length);
    this.ensure(size - 1);
    const buf = this.buf;
    const start = mark + this.recordStart();
    buf.copyWithin(start + size, start + 1, this.pos);
    this.pos += size - 1;
    let v = length;
    let pos = start;
    while (v > 127) {
      buf[pos++] = (v & 127) | 128;
      v >>>= 7;
    }
    buf[pos] = v;
  }

  /** Where the record being written starts; 0 here, the span's start in the span queue. */
  protected recordStart(): number {
    return 0;
  }
}

/** Bytes of an unsigned varint below 2^32. Pure. */
export function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}
