'use strict';
/**
 * The shop's settings, from the environment only. A missing or unusable value stops the start
 * with one line naming the variable (the project's rule for every app).
 */

function required(env, name) {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new Error(`${name} is not set`);
  }
  return value.trim();
}

function url(env, name, protocols) {
  const value = required(env, name);
  let parsed;
  try {
    parsed = new URL(value);
  } catch {
    throw new Error(`${name} is not a URL`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new Error(`${name} must be a ${protocols.join(' or ')} URL`);
  }
  return value;
}

function port(env, name, fallback) {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  if (!/^[0-9]+$/.test(value) || Number(value) < 1 || Number(value) > 65535) {
    throw new Error(`${name}=${JSON.stringify(value)} is not a port (1-65535)`);
  }
  return Number(value);
}

/** @returns the validated settings; throws one Error naming the variable otherwise. */
function loadConfig(env = process.env) {
  return {
    host: env.APP_HOST_NAME || '127.0.0.1',
    port: port(env, 'APP_PORT', 8080),
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    redisUrl: url(env, 'REDIS_URL', ['redis:']),
    pricingUrl: url(env, 'PRICING_URL', ['http:', 'https:']),
  };
}

module.exports = { loadConfig };
