/**
 * Parsing of the `rolls` query parameter of GET /rolldice. Pure.
 *
 * Input is whatever Express 5 puts in `req.query.rolls`. Express 5 defaults to the "simple"
 * query parser (node:querystring), so a value is a string, an array of strings when the key is
 * repeated, or undefined; bracket syntax like `rolls[a]=1` yields a different key, not an object.
 * The parser still takes `unknown` so a change of query parser cannot smuggle in other shapes.
 */

/** Upper bound for `rolls`: one request may not ask for more spans than a trace view can show. */
export const MAX_ROLLS = 100;

export type RollsRequest =
  /** No `rolls` parameter: the seed's single roll answered as plain text. */
  | { readonly kind: 'single' }
  /** `rolls=N`: N rolls answered as a JSON array. */
  | { readonly kind: 'multiple'; readonly count: number }
  | { readonly kind: 'invalid'; readonly error: InvalidParameterBody };

/** Why a value was rejected, for clients that want more than the human-readable message. */
export type InvalidReason =
  | 'empty'
  | 'not_an_integer'
  | 'out_of_range'
  | 'repeated';

/** The 400 response body. */
export interface InvalidParameterBody {
  readonly error: 'invalid_parameter';
  readonly parameter: 'rolls';
  readonly reason: InvalidReason;
  readonly message: string;
}

export function parseRolls(raw: unknown): RollsRequest {
  if (raw === undefined) return { kind: 'single' };
  // `?rolls=1&rolls=2`: which one the client meant is a guess, so refuse instead of picking.
  if (Array.isArray(raw)) return invalid('repeated');
  if (typeof raw !== 'string') return invalid('not_an_integer');
  if (raw === '') return invalid('empty');
  // Digits only (optionally negative, so "-3" is reported as out of range rather than as
  // garbage). Number() alone would accept "1e2", "0x10", " 7" and "2.0".
  if (!/^-?[0-9]+$/.test(raw)) return invalid('not_an_integer');
  const count = Number(raw);
  if (count < 1 || count > MAX_ROLLS) return invalid('out_of_range');
  return { kind: 'multiple', count };
}

function invalid(reason: InvalidReason): RollsRequest {
  return {
    kind: 'invalid',
    error: {
      error: 'invalid_parameter',
      parameter: 'rolls',
      reason,
      message: `rolls must be an integer between 1 and ${MAX_ROLLS}`,
    },
  };
}
