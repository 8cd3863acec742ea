/**
 * Trace and span ids as 32-bit words, drawn from a pooled random buffer, and their hex form.
 *
 * Why words: a span's ids are needed as bytes when it is encoded and as hex only when someone
 * asks for its SpanContext (propagation to an outgoing request, log correlation). Keeping them
 * as numbers means no string is built for the spans nobody asks about, children copy four
 * numbers from their parent, and the trace-id-ratio sampler reads the words it hashes directly.
 *
 * Why a pool: one `randomFillSync` per 4 KiB (170 spans' ids) instead of one call per id; the
 * CSPRNG rather than Math.random, which is what the SDK's generator uses, because ids in a
 * multi-tenant trace store should not be guessable from each other.
 */
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;

/** Random 32-bit words from a buffer refilled by the CSPRNG 4 KiB at a time. */
export class IdPool {
  private readonly pool = Buffer.allocUnsafeSlow(POOL_BYTES);
  private offset = POOL_BYTES;

  word(): number {
    if (this.offset === POOL_BYTES) {
      randomFillSync(this.pool);
      this.offset = 0;
    }
    const value = this.pool.readUInt32BE(this.offset);
    this.offset += 4;
    return value;
  }
}

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) =>
  i.toString(16).padStart(2, '0'),
);

/** Eight lowercase hex digits of an unsigned 32-bit word. Pure. */
export function wordHex(word: number): string {
  return (
    HEX[word >>> 24] +
    HEX[(word >>> 16) & 0xff] +
    HEX[(word >>> 8) & 0xff] +
    HEX[word & 0xff]
  );
}

/**
 * Eight hex digits (lower or upper case) at `offset` as an unsigned word, or -1 when one of them
 * is not a hex digit. Pure.
 */
export function hexWord(hex: string, offset: number): number {
  let word = 0;
  for (let i = offset; i < offset + 8; i++) {
    const c = hex.charCodeAt(i);
    let digit: number;
    if (c >= 48 && c <= 57) digit = c - 48;
    else if (c >= 97 && c <= 102) digit = c - 87;
    else if (c >= 65 && c <= 70) digit = c - 55;
    else return -1;
    word = word * 16 + digit;
  }
  return word;
}
