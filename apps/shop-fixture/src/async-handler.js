'use strict';
/**
 * Express 4 does not catch a rejected promise from a handler (Express 5 does): the usual wrapper
 * every Express 4 codebase has hands the rejection to next(err).
 */
module.exports = function asyncHandler(handler) {
  return function (req, res, next) {
    Promise.resolve(handler(req, res, next)).catch(next);
  };
};
