'use strict';
/**
 * The shop: an ordinary database-backed Express 4 service with no telemetry code. Run it with
 * `node --require @otel-dice/telemetry/register src/main.js` (see the README).
 */
const { fork } = require('node:child_process');
const { join } = require('node:path');
const Knex = require('knex');
const Redis = require('ioredis');
const { loadConfig } = require('./config');
const { migrate } = require('./db');
const { createApp } = require('./app');

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    console.error(`shop: cannot start: ${error.message}`);
    process.exit(1);
  }
  const knex = Knex({
    client: 'pg',
    connection: config.databaseUrl,
    pool: { min: 0, max: 10 },
  });
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 2 });
  await migrate(knex);

  // The job worker: a child process that inherits this one's flags (and so its --require).
  const worker = fork(join(__dirname, 'worker.js'), [], {
    env: process.env,
    stdio: 'inherit',
  });

  const app = createApp({ knex, redis, pricingUrl: config.pricingUrl });
  const server = app.listen(config.port, config.host, () => {
    console.log(`shop listening on http://${config.host}:${config.port} (worker pid ${worker.pid})`);
  });
  server.on('error', (error) => {
    console.error(`shop: failed to start: ${error.message}`);
    process.exit(1);
  });

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    worker.kill('SIGTERM');
    server.close(() => {
      Promise.allSettled([knex.destroy(), redis.quit()]).then(() => {
        // The loop runs dry: telemetry flushes on the way out.
      });
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error) => {
  console.error(`shop: cannot start: ${error.message}`);
  process.exit(1);
});
