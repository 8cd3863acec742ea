import { logs, type MeterProvider } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import {
  BatchLogRecordProcessor,
  LoggerProvider,
  SimpleLogRecordProcessor,
  type LogRecordExporter,
  type LogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import type { LogsConfig, PipelineConfig } from './config/model.js';
import {
  ExportHealthLogRecordExporter,
  type ExportHealthReporter,
} from './export-health.js';
import { createLogExporter } from './exporters.js';
import { readPemFiles, type PemStore } from './tls.js';

export interface LogsOptions {
  resource: Resource;
  config: LogsConfig;
  pem?: PemStore;
  /** Replaces every configured exporter (tests pass an InMemoryLogRecordExporter). */
  exporter?: LogRecordExporter;
  /** Receives the log processors' own otel.sdk.* metrics. */
  meterProvider?: MeterProvider;
  reporter: ExportHealthReporter;
  /** Register as the global logger provider (default true). */
  register?: boolean;
}

export interface Logs {
  /** Undefined when no logs exporter is configured: nothing is emitted, nothing is patched. */
  readonly provider: LoggerProvider | undefined;
  /** The first OTLP exporter's export successes, failures and outages. */
  readonly exportHealth: ExportHealthLogRecordExporter | undefined;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * The logs signal: a LoggerProvider whose records go through a batch processor to OTLP (or to the
 * console). The records themselves come from the app's logger through an instrumentation — for
 * pino, @opentelemetry/instrumentation-pino's log sending, which the configuration adds whenever a
 * logs exporter is set — so the app keeps its JSON lines on stdout and gains log records with
 * severity, body, attributes, the active span's trace and span ids, and the service resource.
 */
export function initLogs(options: LogsOptions): Logs {
  const { config } = options;
  if (config.pipelines.length === 0 && options.exporter === undefined)
    return {
      provider: undefined,
      exportHealth: undefined,
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    };
  const pem =
    options.pem ?? readPemFiles(config.pipelines.map((p) => p.exporter));
  let exportHealth: ExportHealthLogRecordExporter | undefined;
  const selfObsMeterProvider = options.meterProvider;

  const processor = (
    exporter: LogRecordExporter,
    pipeline: PipelineConfig | undefined,
  ): LogRecordProcessor =>
    pipeline?.processor.kind === 'simple'
      ? new SimpleLogRecordProcessor({ exporter, selfObsMeterProvider })
      : new BatchLogRecordProcessor({
          exporter,
          ...(pipeline?.processor.kind === 'batch' ? pipeline.processor : {}),
          selfObsMeterProvider,
        });
  const exporterFor = (pipeline: PipelineConfig): LogRecordExporter => {
    const exporter = createLogExporter(pipeline.exporter, pem);
    if (pipeline.exporter.kind !== 'otlp') return exporter;
    const health = new ExportHealthLogRecordExporter(
      exporter,
      pipeline.exporter.otlp.endpoint,
      options.reporter,
      { protocol: pipeline.exporter.otlp.protocol },
    );
    exportHealth ??= health;
    return health;
  };

  const provider = new LoggerProvider({
    resource: options.resource,
    logRecordLimits: config.limits,
    processors: options.exporter
      ? [processor(options.exporter, config.pipelines[0])]
      : config.pipelines.map((p) => processor(exporterFor(p), p)),
  });
  if (options.register !== false) logs.setGlobalLoggerProvider(provider);
  return {
    provider,
    exportHealth,
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
