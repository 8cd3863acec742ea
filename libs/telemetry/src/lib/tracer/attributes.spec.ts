import {
  addAttribute,
  Added,
  addInitialAttributes,
  truncated,
  type AttributeStore,
} from './attributes.js';

const store = (): AttributeStore => ({
  keys: [],
  values: [],
  droppedAttributes: 0,
});
const LIMITS = { count: 3, valueLength: 4 };

describe('span attributes in arrays', () => {
  it('cuts strings and byte arrays to the length limit, copying arrays and maps', () => {
    expect(truncated('abcdef', 4)).toBe('abcd');
    expect(truncated('abc', 4)).toBe('abc');
    expect(truncated(Uint8Array.of(1, 2, 3, 4, 5), 2)).toEqual(
      Uint8Array.of(1, 2),
    );
    const array = ['abcdef', 1];
    expect(truncated(array, 2)).toEqual(['ab', 1]);
    expect(truncated(array, 2)).not.toBe(array);
    expect(truncated({ a: 'xyz', b: undefined, c: { d: 'long' } }, 1)).toEqual({
      a: 'x',
      c: { d: 'l' },
    });
    expect(truncated(null, 1)).toBeNull();
    expect(truncated(7, 1)).toBe(7);
  });

  it('adds, overwrites, and refuses as the SDK decides, in its order', () => {
    const s = store();
    expect(addAttribute(s, 'a', 'value', LIMITS)).toBe(Added.Added);
    expect(addAttribute(s, 'a', 'again', LIMITS)).toBe(Added.Added);
    expect(addAttribute(s, 'b', undefined, LIMITS)).toBe(Added.Ignored);
    expect(addAttribute(s, '', 'x', LIMITS)).toBe(Added.Invalid);
    expect(addAttribute(s, 'f', (() => 1) as unknown, LIMITS)).toBe(
      Added.Invalid,
    );
    expect(addAttribute(s, 'b', 1, LIMITS)).toBe(Added.Added);
    expect(addAttribute(s, 'c', [true], LIMITS)).toBe(Added.Added);
    // Full: a new key is refused for the limit even with an invalid value (checked first)...
    expect(addAttribute(s, 'd', (() => 1) as unknown, LIMITS)).toBe(
      Added.LimitReached,
    );
    // ...an existing key is still overwritten.
    expect(addAttribute(s, 'b', 2, LIMITS)).toBe(Added.Added);
    expect(s.keys).toEqual(['a', 'b', 'c']);
    expect(s.values).toEqual(['agai', 2, [true]]);
  });

  it('takes start attributes as the SDK cleans them: invalid ones and those past the limit counted', () => {
    const s = store();
    addInitialAttributes(
      s,
      {
        a: 'long value',
        '': 1,
        b: undefined,
        c: (() => 0) as unknown as string,
        d: 1,
        e: 2,
        f: 3,
      },
      LIMITS,
    );
    expect(s.keys).toEqual(['a', 'd', 'e']);
    expect(s.values).toEqual(['long', 1, 2]);
    expect(s.droppedAttributes).toBe(3);
  });
});
