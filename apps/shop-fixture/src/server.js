'use strict';
/**
 * Starting the shop, given its database and Redis clients' packages: main.js (CommonJS) and
 * main.mjs (an ES module) load them with require and import respectively.
 */
const { fork } = require('node:child_process');
const { join } = require('node:path');
const { loadConfig } = require('./config');
const { migrate } = require('./db');
const { createApp } = require('./app');

async function start({ Knex, Redis }) {
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
    console.log(
      `shop listening on http://${config.host}:${config.port} (worker pid ${worker.pid})`,
    );
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

module.exports = {
  start: (clients) =>
    start(clients).catch((error) => {
      console.error(`shop: cannot start: ${error.message}`);
      process.exit(1);
    }),
};
