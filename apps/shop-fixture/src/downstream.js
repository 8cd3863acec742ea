'use strict';
/**
 * The pricing service the shop calls with fetch: a few lines of node:http, no telemetry, on
 * 127.0.0.1 (PRICING_PORT, default 8081). `GET /price/<sku>?base=<cents>` answers the price of
 * the day.
 */
const http = require('node:http');

const port = Number(process.env.PRICING_PORT || 8081);
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://pricing');
  const match = /^\/price\/([\w-]+)$/.exec(url.pathname);
  if (req.method !== 'GET' || !match) {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'not found' }));
    return;
  }
  const base = Number(url.searchParams.get('base') || 0);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      cents: Math.round(base * 0.9),
      currency: 'EUR',
      traceparent: req.headers.traceparent ?? null,
    }),
  );
});
server.listen(port, '127.0.0.1', () => {
  console.log(`pricing listening on http://127.0.0.1:${port}`);
});
process.once('SIGTERM', () => server.close());
