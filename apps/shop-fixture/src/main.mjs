/**
 * The shop as an ES module entry: knex and ioredis come in by `import`, so their
 * instrumentations must patch an ES module import. Run it with
 * `node --import @otel-dice/telemetry/register src/main.mjs`.
 */
import Knex from 'knex';
import Redis from 'ioredis';
import server from './server.js';

server.start({ Knex, Redis });
