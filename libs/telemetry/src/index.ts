export { startTelemetry, TRACER_NAME } from './lib/telemetry.js';
export type { Telemetry, TelemetryOptions } from './lib/telemetry.js';
export { initTraces, createSampler } from './lib/traces.js';
export type { Traces, TracesOptions } from './lib/traces.js';
export {
  initMetrics,
  registerSeedInstruments,
  METER_NAME,
} from './lib/metrics.js';
export type { Metrics, MetricsOptions } from './lib/metrics.js';
export {
  cpuTimeCallback,
  parseProcStat,
  readCpuTimes,
  cpuTimesFromOs,
  USER_HZ,
} from './lib/cpu.js';
export type { CpuTime, CpuTimeSources } from './lib/cpu.js';
export { createResource } from './lib/resource.js';
export { RequestContextManager } from './lib/context.js';
export { PreAggregatedMeterProvider } from './lib/self-metrics.js';
export type { ResourceOptions } from './lib/resource.js';
export {
  createInstrumentations,
  ignoredExpressLayers,
  DEFAULT_IGNORED_PATHS,
} from './lib/instrumentations.js';
export type {
  ExpressLayerKind,
  InstrumentationOptions,
} from './lib/instrumentations.js';
export {
  ExportHealthSpanExporter,
  ExportSkippedError,
} from './lib/export-health.js';
export type {
  ExportHealthReporter,
  ExportHealthStats,
  ExportHealthOptions,
} from './lib/export-health.js';
export { createShutdown } from './lib/shutdown.js';
export type { ShutdownResult } from './lib/shutdown.js';
export {
  TelemetryConfigError,
  DEFAULT_OTLP_GRPC_ENDPOINT,
  resolveServiceName,
  resolveTraceEndpoint,
  resolveSampler,
  resolveBatchConfig,
  resolveTracesExporter,
  isSdkDisabled,
  parseResourceAttributes,
} from './lib/env.js';
