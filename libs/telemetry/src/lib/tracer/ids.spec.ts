import { hexWord, IdPool, wordHex } from './ids.js';

describe('ids as words', () => {
  it('draws unsigned 32-bit words, refilling its pool as it goes', () => {
    const pool = new IdPool();
    const words = Array.from({ length: 3000 }, () => pool.word());
    for (const word of words) {
      expect(Number.isInteger(word)).toBe(true);
      expect(word).toBeGreaterThanOrEqual(0);
      expect(word).toBeLessThan(2 ** 32);
    }
    // Past the 1024 words of one 4 KiB fill, and not a repeat of the first fill.
    expect(new Set(words).size).toBeGreaterThan(2990);
    expect(words.slice(1024, 1034)).not.toEqual(words.slice(0, 10));
  });

  it('writes a word as eight lowercase hex digits and reads it back', () => {
    for (const word of [0, 1, 0xff, 0x1234abcd, 0xffffffff, 0x80000000]) {
      const hex = wordHex(word);
      expect(hex).toMatch(/^[0-9a-f]{8}$/);
      expect(hexWord(hex, 0)).toBe(word);
    }
    expect(wordHex(0x00f067aa)).toBe('00f067aa');
  });

  it('reads upper case digits at an offset, and -1 for anything that is not hex', () => {
    expect(hexWord('xx4BF92F35yy', 2)).toBe(0x4bf92f35);
    expect(hexWord('4bf92f3g', 0)).toBe(-1);
    expect(hexWord('4bf92f3', 0)).toBe(-1);
    expect(hexWord('-0000001', 0)).toBe(-1);
  });
});
