'use strict';
/**
 * The job worker, forked by main.js: takes order jobs from the Redis list and marks each order
 * done in PostgreSQL (pg directly, no query builder) and in Redis.
 */
const { Pool } = require('pg');
const Redis = require('ioredis');
const { QUEUE } = require('./routes/orders');

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
const redis = new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: null });
let running = true;

async function handle(job) {
  const { orderId } = JSON.parse(job);
  const result = await pool.query(
    "UPDATE orders SET status = 'done' WHERE id = $1 RETURNING id",
    [orderId],
  );
  if (result.rowCount === 1)
    await redis.set(`order:${orderId}:status`, 'done', 'EX', 60);
}

async function loop() {
  while (running) {
    // Wait up to a second for a job, so a stop is noticed soon.
    const popped = await redis.brpop(QUEUE, 1).catch((error) => {
      if (running) console.error(`worker: ${error.message}`);
      return null;
    });
    if (popped) {
      await handle(popped[1]).catch((error) =>
        console.error(`worker: job failed: ${error.message}`),
      );
    }
  }
}

function stop() {
  running = false;
}
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
// The parent went away: stop too.
process.once('disconnect', stop);

loop()
  .then(() => Promise.allSettled([pool.end(), redis.quit()]))
  .then(() => {
    // The IPC channel to the parent keeps both processes alive: close it so each can end.
    if (process.connected) process.disconnect();
  });
