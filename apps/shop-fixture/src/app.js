'use strict';
/**
 * The shop's Express 4 app: versioned APIs under /api (the catalog router mounted twice, orders,
 * deliberate failures) with a JSON error handler, and a legacy router without one, whose errors
 * reach Express's final handler.
 */
const express = require('express');
const { catalogRouter } = require('./routes/catalog');
const { ordersRouter } = require('./routes/orders');
const { failuresRouter } = require('./routes/failures');

function createApp(deps) {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '16kb' }));

  app.get('/healthz', (req, res) => {
    res.json({ status: 'ok' });
  });

  const api = express.Router();
  const catalog = catalogRouter(deps);
  api.use('/v1/catalog', catalog);
  api.use('/v2/catalog', catalog);
  api.use('/v1/orders', ordersRouter(deps));
  api.use('/v1/fail', failuresRouter(deps));
  app.use('/api', api);

  // Unknown API paths: a JSON 404.
  app.use('/api', (req, res) => {
    res
      .status(404)
      .json({ error: `no route ${req.method} ${req.originalUrl}` });
  });

  // The API's error handler: a malformed body is the client's fault, the rest a 500 that does
  // not leak the message.
  // Four parameters make it an error handler for Express, even if `next` is not called.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  app.use('/api', (err, req, res, next) => {
    if (err.type === 'entity.parse.failed') {
      res.status(400).json({ error: 'the body is not JSON' });
      return;
    }
    res.status(500).json({ error: 'internal error' });
  });

  // Older pages with no error handler of their own: Express's final handler answers.
  const legacy = express.Router();
  legacy.get('/boom', () => {
    throw new Error('legacy report failed');
  });
  app.use('/legacy', legacy);

  app.use((req, res) => {
    res
      .status(404)
      .json({ error: `no route ${req.method} ${req.originalUrl}` });
  });
  return app;
}

module.exports = { createApp };
