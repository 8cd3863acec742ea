export * from './lib/telemetry.js';
