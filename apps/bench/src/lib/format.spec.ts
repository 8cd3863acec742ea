import {
  formatChange,
  formatMiB,
  formatMs,
  formatNumber,
  formatPercent,
  formatRatio,
  markdownTable,
} from './format.js';

describe('markdownTable', () => {
  it('pads columns, right-aligns all but the first by default and escapes pipes', () => {
    expect(
      markdownTable(
        ['variant', 'req/s'],
        [
          ['on', '1,234'],
          ['a|b', '5'],
        ],
      ),
    ).toBe(
      [
        '| variant | req/s |',
        '| ------- | ----: |',
        '| on      | 1,234 |',
        '| a\\|b    |     5 |',
      ].join('\n'),
    );
  });

  it('honours explicit alignment', () => {
    expect(markdownTable(['a', 'b'], [['1', '2']], ['right', 'left'])).toBe(
      ['|   a | b   |', '| --: | --- |', '|   1 | 2   |'].join('\n'),
    );
  });

  it('rejects ragged rows', () => {
    expect(() => markdownTable(['a', 'b'], [['1']])).toThrow(
      /row 0 has 1 cells, expected 2/,
    );
  });
});

describe('number formatting', () => {
  it('formats counts, latencies, sizes, ratios, changes and percentages', () => {
    expect(formatNumber(12345.6)).toBe('12,346');
    expect(formatNumber(2.345, 2)).toBe('2.35');
    expect(formatNumber(undefined)).toBe('–');
    expect(formatMs(1.234)).toBe('1.23 ms');
    expect(formatMs(12.34)).toBe('12.3 ms');
    expect(formatMs(1234.5)).toBe('1,235 ms');
    expect(formatMiB(3 * 1024 * 1024)).toBe('3.0 MiB');
    expect(formatRatio(0.8049)).toBe('0.80×');
    expect(formatRatio(Number.POSITIVE_INFINITY)).toBe('–');
    expect(formatChange(0.0312)).toBe('+3.1 %');
    expect(formatChange(-0.05)).toBe('−5.0 %');
    expect(formatPercent(0.99951, 2)).toBe('99.95 %');
  });
});
