import { parse } from 'node:querystring';
import {
  checkQueryLength,
  MAX_QUERY_PARAMETERS,
  MAX_ROLLS,
  parseRolls,
  type InvalidReason,
} from './validation.js';

describe('parseRolls', () => {
  it('treats a missing parameter as the single-roll request', () => {
    expect(parseRolls(undefined)).toEqual({ kind: 'single' });
  });

  it.each([
    ['1', 1],
    ['2', 2],
    ['42', 42],
    [String(MAX_ROLLS), MAX_ROLLS],
    ['007', 7],
  ])('accepts rolls=%j as %d rolls', (raw, count) => {
    expect(parseRolls(raw)).toEqual({ kind: 'multiple', count });
  });

  it.each<[string, unknown, InvalidReason]>([
    ['empty', '', 'empty'],
    ['zero', '0', 'out_of_range'],
    ['negative', '-3', 'out_of_range'],
    ['one above the maximum', String(MAX_ROLLS + 1), 'out_of_range'],
    ['huge', '99999999999999999999999', 'out_of_range'],
    ['a word', 'abc', 'not_an_integer'],
    ['a decimal', '2.5', 'not_an_integer'],
    ['a decimal with zero fraction', '2.0', 'not_an_integer'],
    ['exponent notation', '1e2', 'not_an_integer'],
    ['hexadecimal', '0x10', 'not_an_integer'],
    ['explicitly positive', '+3', 'not_an_integer'],
    ['padded with blanks', ' 3', 'not_an_integer'],
    ['trailing garbage', '3abc', 'not_an_integer'],
    ['given twice', ['1', '2'], 'repeated'],
    ['given twice, same value', ['3', '3'], 'repeated'],
    ['an object (extended query parser)', { a: '1' }, 'not_an_integer'],
    ['a number instead of a string', 3, 'not_an_integer'],
  ])('rejects rolls that is %s', (_case, raw, reason) => {
    expect(parseRolls(raw)).toEqual({
      kind: 'invalid',
      error: {
        error: 'invalid_parameter',
        parameter: 'rolls',
        reason,
        message: 'rolls must be an integer between 1 and 100',
      },
    });
  });
});

describe('checkQueryLength', () => {
  const tooMany = {
    error: 'too_many_parameters',
    limit: MAX_QUERY_PARAMETERS,
    message: `a query may have at most ${MAX_QUERY_PARAMETERS} parameters`,
  };
  const query = (pieces: string[]) => `/rolldice?${pieces.join('&')}`;

  it('lets through what the query parser reads whole', () => {
    expect(checkQueryLength('/rolldice')).toBeUndefined();
    expect(checkQueryLength('/rolldice?')).toBeUndefined();
    expect(checkQueryLength('/rolldice?rolls=3')).toBeUndefined();
    const limit = query([
      ...Array(MAX_QUERY_PARAMETERS - 1).fill('a=1'),
      'rolls=3',
    ]);
    expect(checkQueryLength(limit)).toBeUndefined();
    // the parser agrees: nothing was dropped
    expect(parse(limit.split('?')[1] ?? '').rolls).toBe('3');
  });

  it.each([
    ['parameters', 'a=1'],
    ['empty pieces', ''],
    ['bare keys', 'a'],
  ])(
    'refuses a rolls after 1,000 %s, which the parser would drop',
    (_what, piece) => {
      const url = query([
        ...Array(MAX_QUERY_PARAMETERS).fill(piece),
        'rolls=3',
      ]);
      expect(parse(url.split('?')[1] ?? '').rolls).toBeUndefined();
      expect(checkQueryLength(url)).toEqual(tooMany);
    },
  );
});
