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

/**
 * node:querystring (Express's "simple" query parser) reads the first 1,000 `&`-separated pieces
 * of a query and silently drops the rest, so a `rolls` after them would be a single roll. A query
 * with more pieces is refused instead.
 */
export const MAX_QUERY_PARAMETERS = 1_000;

/** The 400 response body for a query with more than MAX_QUERY_PARAMETERS parameters. */
export interface TooManyParametersBody {
  readonly error: 'too_many_parameters';
  readonly limit: number;
  readonly message: string;
}

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

/**
 * The 400 body if the query of `url` (a request target) has more parameters than the query parser
 * reads, counted as it counts them: every `&`-separated piece, empty ones included. Pure.
 */
export function checkQueryLength(
  url: string,
): TooManyParametersBody | undefined {
  const start = url.indexOf('?');
  if (start === -1 || start === url.length - 1) return undefined;
  let pieces = 1;
  for (let i = url.indexOf('&', start); i !== -1; i = url.indexOf('&', i + 1))
    if (++pieces > MAX_QUERY_PARAMETERS)
      return {
        error: 'too_many_parameters',
        limit: MAX_QUERY_PARAMETERS,
        message: `a query may have at most ${MAX_QUERY_PARAMETERS} parameters`,
      };
  return undefined;
}
