export { startTelemetry, TRACER_NAME } from './lib/telemetry.js';
export type {
  ExportHealthBySignal,
  Telemetry,
  TelemetryOptions,
} from './lib/telemetry.js';

// The configuration model
export { resolveTelemetryConfig, applyOptions } from './lib/config/resolve.js';
export type {
  ConfigOverrides,
  ResolveConfigOptions,
} from './lib/config/resolve.js';
export { resolveConfigFromEnv } from './lib/config/from-env.js';
export type { ConfigDefaults } from './lib/config/from-env.js';
export { configFromModel, loadConfigFile } from './lib/config/from-file.js';
export { describeConfig } from './lib/config/describe.js';
export { TelemetryConfigError } from './lib/config/errors.js';
export { MODEL_VARIABLES } from './lib/config/known-variables.js';
export { redactText, redactUrl } from './lib/config/redact.js';
export type { Env } from './lib/config/values.js';
export {
  OTLP_PROTOCOLS,
  PROPAGATOR_NAMES,
  DEFAULT_ATTRIBUTE_VALUE_LENGTH_LIMIT,
  DEFAULT_PROTOCOL,
  DEFAULT_GRPC_ENDPOINT,
  DEFAULT_HTTP_ENDPOINT,
  DEFAULT_OTLP_TIMEOUT_MS,
  DEFAULT_BSP,
  DEFAULT_BLRP,
  DEFAULT_METRIC_EXPORT_INTERVAL_MS,
  DEFAULT_METRIC_EXPORT_TIMEOUT_MS,
  DEFAULT_PROMETHEUS_HOST,
  DEFAULT_PROMETHEUS_PORT,
  DEFAULT_SPAN_LIMITS,
  DEFAULT_LOG_LIMITS,
  DEFAULT_PROPAGATORS,
  DEFAULT_SAMPLER,
  DEFAULT_DETECTORS,
  DEFAULT_INSTRUMENTATIONS,
} from './lib/config/model.js';
export type {
  HttpConfig,
  Signal,
  OtlpProtocol,
  Compression,
  PemFileRef,
  TlsConfig,
  OtlpExporterConfig,
  BatchProcessorConfig,
  SimpleProcessorConfig,
  ProcessorConfig,
  ExporterConfig,
  PipelineConfig,
  SamplerConfig,
  SpanLimitsConfig,
  LogRecordLimitsConfig,
  TracesConfig,
  TemporalityPreference,
  HistogramAggregation,
  MetricReaderConfig,
  MetricsConfig,
  LogsConfig,
  PropagatorName,
  ResourceDetectorName,
  AttributeValue,
  ResourceConfig,
  DiagLevelName,
  TelemetryConfig,
} from './lib/config/model.js';

// Building blocks
export { initTraces, createSampler } from './lib/traces.js';
export type { Traces, TracesOptions } from './lib/traces.js';
export {
  initMetrics,
  registerSeedInstruments,
  METER_NAME,
} from './lib/metrics.js';
export type { Metrics, MetricsOptions } from './lib/metrics.js';
export { initLogs } from './lib/logs.js';
export type { Logs, LogsOptions } from './lib/logs.js';
export {
  createSpanExporter,
  createMetricExporter,
  createLogExporter,
} from './lib/exporters.js';
export { createPropagator } from './lib/propagators.js';
export {
  clientAddress,
  DEFAULT_REDACTED_QUERY_PARAMS,
  isSensitiveName,
  proxyMatcher,
  redactQuery,
  SENSITIVE_NAME_PARTS,
  SENSITIVE_NAME_WORDS,
  sensitiveNames,
  UntrustedExtractPropagator,
} from './lib/http-edge.js';
export { resolveHttpFromEnv } from './lib/config/http-env.js';
export { JaegerPropagator } from './lib/jaeger-propagator.js';
export {
  cpuTimeCallback,
  parseProcStat,
  readCpuTimes,
  cpuTimesFromOs,
  USER_HZ,
} from './lib/cpu.js';
export type { CpuTime, CpuTimeSources } from './lib/cpu.js';
export {
  createResource,
  DROPPED_PROCESS_ATTRIBUTES,
  safeProcessDetector,
  TARGET_INFO_ATTRIBUTES,
} from './lib/resource.js';
export type { TargetInfoMode } from './lib/resource.js';
export { RequestContextManager } from './lib/context.js';
export {
  guardConnections,
  DEFAULT_CONNECTION_GUARD,
} from './lib/connection-guard.js';
export type { ConnectionGuardOptions } from './lib/connection-guard.js';
export type { PrometheusScrapeOptions } from './lib/prometheus-scrape.js';
export type { PrometheusServerLimits } from './lib/prometheus-server.js';
export { PreAggregatedMeterProvider } from './lib/self-metrics.js';
export {
  createInstrumentations,
  httpEdgeHooks,
  ignoredExpressLayers,
  DEFAULT_IGNORED_PATHS,
} from './lib/instrumentations.js';
export type {
  ExpressLayerKind,
  InstrumentationOptions,
} from './lib/instrumentations.js';
export {
  ExportHealthSpanExporter,
  ExportHealthMetricExporter,
  ExportHealthLogRecordExporter,
  ExportSkippedError,
} from './lib/export-health.js';
export type {
  ExportHealthReporter,
  ExportHealthStats,
  ExportHealthOptions,
} from './lib/export-health.js';
export { readPemFiles } from './lib/tls.js';
export type { PemStore } from './lib/tls.js';
export {
  createDeferredReporter,
  stderrLines,
  MAX_HELD_LINES,
} from './lib/reporter.js';
export type { DeferredReporter } from './lib/reporter.js';
export { createShutdown } from './lib/shutdown.js';

// Starting from `node --import`: the running telemetry, /metrics and flushing without a handle
export { getTelemetry, metricsHandler } from './lib/active.js';
export { flushOnExit, FLUSH_SIGNALS } from './lib/exit.js';
export type { ExitProcess, FlushOnExitOptions } from './lib/exit.js';
export {
  registerEsmLoaderHook,
  instrumentedModuleNames,
} from './lib/esm-hook.js';
export type {
  EsmLoaderHookMode,
  EsmLoaderHookState,
  RegisterEsmLoaderHookOptions,
} from './lib/esm-hook.js';
export { watchLateStart, lateStartMessage } from './lib/late-start.js';
export type { LateStartOptions, LateStartWatch } from './lib/late-start.js';
export type { ShutdownResult } from './lib/shutdown.js';
