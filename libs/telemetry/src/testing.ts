/**
 * `@otel-dice/telemetry/testing`: telemetry for an app's own tests, started through the same code
 * path as `startTelemetry()`, with spans and log records kept in memory and metrics collected on
 * demand (see lib/testing.ts).
 *
 * @packageDocumentation
 */
export { startTestTelemetry } from './lib/testing.js';
export type {
  CounterPoint,
  TestTelemetry,
  TestTelemetryOptions,
} from './lib/testing.js';
