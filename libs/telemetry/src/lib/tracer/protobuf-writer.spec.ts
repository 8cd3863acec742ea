import { Reader } from 'protobufjs/minimal';
import { ProtobufWriter, varintSize } from './protobuf-writer.js';

function bytes(write: (w: ProtobufWriter) => void, initialSize = 1): number[] {
  const w = new ProtobufWriter(initialSize);
  write(w);
  return [...w.view()];
}

describe('ProtobufWriter', () => {
  it('writes varints, fixed-width numbers and doubles as protobuf has them', () => {
    expect(bytes((w) => w.varint(0))).toEqual([0]);
    expect(bytes((w) => w.varint(300))).toEqual([0xac, 0x02]);
    expect(bytes((w) => w.varint(2 ** 32 - 1))).toEqual([
      0xff, 0xff, 0xff, 0xff, 0x0f,
    ]);
    expect(bytes((w) => w.fixed32(0x01020304))).toEqual([4, 3, 2, 1]);
    expect(bytes((w) => w.fixed64(0x01020304, 0x05060708))).toEqual([
      4, 3, 2, 1, 8, 7, 6, 5,
    ]);
    expect(bytes((w) => w.double(1.5))).toEqual([0, 0, 0, 0, 0, 0, 0xf8, 0x3f]);
  });

  it('writes int64 from any integer a double holds, negatives in ten bytes', () => {
    for (const value of [
      0,
      1,
      127,
      2 ** 32,
      2 ** 53 + 2,
      2 ** 62,
      -1,
      -300,
      -(2 ** 40),
      -(2 ** 63),
    ]) {
      const encoded = Uint8Array.from(bytes((w) => w.int64(value)));
      expect(BigInt(Reader.create(encoded).int64().toString())).toBe(
        BigInt(value),
      );
    }
    expect(bytes((w) => w.int64(-1))).toHaveLength(10);
  });

  it('writes strings as UTF-8 with their length: ASCII directly, the rest and long ones through Node', () => {
    for (const value of [
      '',
      'GET',
      'é',
      'a\ud800b',
      '日本語 🎲',
      'x'.repeat(127),
      'y'.repeat(128),
      'z✓'.repeat(300),
    ]) {
      const encoded = Uint8Array.from(bytes((w) => w.string(value)));
      expect(Reader.create(encoded).string()).toBe(
        Buffer.from(value, 'utf8').toString('utf8'),
      );
      expect(encoded.length).toBe(
        varintSize(Buffer.byteLength(value)) + Buffer.byteLength(value),
      );
    }
  });

  it('patches a nested length in, moving the body when it needs more than one byte', () => {
    for (const length of [0, 5, 127, 128, 300, 20_000, 3_000_000]) {
      const encoded = bytes((w) => {
        w.byte(0x0a);
        const mark = w.begin();
        w.raw(new Uint8Array(length).fill(7));
        w.finish(mark);
        w.byte(0x10);
      });
      const reader = Reader.create(Uint8Array.from(encoded));
      expect(reader.uint32()).toBe(0x0a);
      const body = reader.bytes();
      expect(body.length).toBe(length);
      expect(body.every((b: number) => b === 7)).toBe(true);
      expect(reader.uint32()).toBe(0x10);
      expect(reader.pos).toBe(encoded.length);
    }
  });

  it('grows its buffer, keeping what was written', () => {
    const w = new ProtobufWriter(2);
    for (let i = 0; i < 1000; i++) w.varint(i);
    const reader = Reader.create(Uint8Array.from(w.view()));
    for (let i = 0; i < 1000; i++) expect(reader.uint32()).toBe(i);
    w.reset();
    expect(w.view()).toHaveLength(0);
  });

  it('knows the size of a varint', () => {
    expect(
      [0, 127, 128, 16383, 16384, 2 ** 21, 2 ** 28, 2 ** 32 - 1].map(
        varintSize,
      ),
    ).toEqual([1, 1, 2, 2, 3, 4, 5, 5]);
  });
});
