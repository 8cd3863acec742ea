'use strict';
/**
 * The shop: an ordinary database-backed Express 4 service with no telemetry code. Run it with
 * `node --require @otel-dice/telemetry/register src/main.js` (see the README).
 */
const Knex = require('knex');
const Redis = require('ioredis');
const { start } = require('./server');

start({ Knex, Redis });
