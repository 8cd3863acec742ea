/**
 * `@otel-dice/telemetry`: traces, metrics and logs for a Node service in one call
 * (`startTelemetry`) or one `--import` (`@otel-dice/telemetry/register`), configured by the
 * standard OTEL_* variables or an OpenTelemetry configuration file, resolved into one object of
 * the specification's configuration model. Tests use `@otel-dice/telemetry/testing`.
 *
 * @packageDocumentation
 */

// Starting it
export { startTelemetry } from './lib/telemetry.js';
export type { Telemetry, TelemetryOptions } from './lib/telemetry.js';
export { runService } from './lib/service.js';
export type { ServiceOptions } from './lib/service.js';

// The configuration: one object of the specification's model, plus the library's extension
export { resolveTelemetryConfig } from './lib/config/resolve.js';
export type { ResolveConfigOptions } from './lib/config/resolve.js';
export type { ConfigOverrides } from './lib/config/overrides.js';
export type { OtelDiceSettings, TelemetryConfig } from './lib/config/model.js';
export { TelemetryConfigError } from './lib/config/errors.js';

// The seed's pieces, for code that composes its own setup
export { initTraces } from './lib/traces.js';
export type { Traces, TracesOptions } from './lib/traces.js';
export { initMetrics } from './lib/metrics.js';
export type { Metrics, MetricsOptions } from './lib/metrics.js';
export { cpuTimeCallback } from './lib/cpu.js';

// The apps' own servers: clients that pipeline requests and never read the answers
export {
  DEFAULT_CONNECTION_GUARD,
  guardConnections,
} from './lib/connection-guard.js';
export type { ConnectionGuardOptions } from './lib/connection-guard.js';

// Reaching the running telemetry (an app started with `node --import`)
export { getTelemetry, metricsHandler } from './lib/active.js';
export { flushOnExit } from './lib/exit.js';

// What the library prints, and how (its redaction routine is `@otel-dice/telemetry/redact`)
export type {
  ExportHealthStats,
  TelemetryLogger,
} from './lib/export-health.js';
export type { EsmLoaderHookState } from './lib/esm-hook.js';
