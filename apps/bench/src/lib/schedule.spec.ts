import { roundOrder, schedule } from './schedule.js';

describe('roundOrder', () => {
  it('rotates by one position per round and wraps', () => {
    const v = ['limit', 'off', 'on', 'down'];
    expect(roundOrder(v, 0)).toEqual(['limit', 'off', 'on', 'down']);
    expect(roundOrder(v, 1)).toEqual(['off', 'on', 'down', 'limit']);
    expect(roundOrder(v, 3)).toEqual(['down', 'limit', 'off', 'on']);
    expect(roundOrder(v, 4)).toEqual(roundOrder(v, 0));
  });

  it('puts every variant first exactly once in n rounds', () => {
    const v = ['a', 'b', 'c'];
    expect([0, 1, 2].map((r) => roundOrder(v, r)[0]).sort()).toEqual([
      'a',
      'b',
      'c',
    ]);
  });

  it('handles empty input and rejects bad rounds', () => {
    expect(roundOrder([], 3)).toEqual([]);
    expect(() => roundOrder(['a'], -1)).toThrow(/non-negative/);
    expect(() => roundOrder(['a'], 1.5)).toThrow(/non-negative/);
  });
});

describe('schedule', () => {
  it('runs every variant once per round', () => {
    const plan = schedule(['a', 'b'], 3);
    expect(plan).toEqual([
      { round: 0, variant: 'a' },
      { round: 0, variant: 'b' },
      { round: 1, variant: 'b' },
      { round: 1, variant: 'a' },
      { round: 2, variant: 'a' },
      { round: 2, variant: 'b' },
    ]);
  });
});
