'use strict';
/**
 * The four ways an Express handler fails, each ending in a 500 from the app's error handler —
 * what the telemetry must record on the server span (issue 19, item 4).
 */
const express = require('express');
const asyncHandler = require('../async-handler');

function failuresRouter({ knex }) {
  const failures = express.Router();

  // A database error: the query names a table that does not exist (pg's DatabaseError, 42P01).
  failures.get(
    '/db',
    asyncHandler(async (req, res) => {
      res.json(await knex('no_such_table').select('*'));
    }),
  );

  // Thrown synchronously in the handler.
  failures.get('/throw', () => {
    throw new TypeError('inventory snapshot is not iterable');
  });

  // Handed on with next(err).
  failures.get('/next', (req, res, next) => {
    next(new RangeError('discount above 100 %'));
  });

  // A rejected promise (through the async wrapper, as Express 4 needs).
  failures.get(
    '/reject',
    asyncHandler(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      throw new Error('payment provider timed out');
    }),
  );

  // A message carrying secrets: credentials in a URL and a token in its query.
  failures.get('/secret', () => {
    throw new Error(
      'pricing refused https://shop:hunter2@pricing.internal/v1/quote?token=abc123&sku=d6',
    );
  });
  return failures;
}

module.exports = { failuresRouter };
