import type { MeterProvider } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type {
  LogRecordExporter,
  LogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import { knownSecrets, redactText } from './config/redact.js';
import {
  DeferredLoggerProvider,
  type FlushableLoggerProvider,
} from './deferred-logger-provider.js';
import type {
  ExporterModel,
  ProcessorModel,
  TelemetryConfig,
} from './config/model.js';
import {
  ExportHealthLogRecordExporter,
  type ExportHealthStats,
  type TelemetryLogger,
} from './export-health.js';
import { createLogExporter } from './exporters.js';
import { registerLogs } from './globals.js';
import { protocolOptions } from './protocol-hint.js';
import { createResource } from './resource.js';
import { readPemFiles, type PemStore } from './tls.js';

export interface LogsOptions {
  readonly config: TelemetryConfig;
  readonly resource?: Resource;
  /** Receives the log processors' own otel.sdk.* metrics. */
  readonly meterProvider?: MeterProvider;
  readonly logger: TelemetryLogger;
  /** Register as the global logger provider (default true). */
  readonly register?: boolean;
}

export interface LogsInternals {
  readonly pem?: PemStore;
  /** As TracesInternals: replaces the exporters, in one processor (simple with `simple`). */
  readonly exporter?: LogRecordExporter;
  readonly simple?: boolean;
}

export interface Logs {
  /** Undefined when no logs processor is configured: nothing is emitted, nothing is patched. */
  readonly provider: FlushableLoggerProvider | undefined;
  exportHealth(): Readonly<ExportHealthStats> | undefined;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * The logs signal: a LoggerProvider whose records go through the configured processors to OTLP
 * (or to the console). The records themselves come from the app's logger through an
 * instrumentation — for pino, @opentelemetry/instrumentation-pino's log sending, which the
 * configuration adds whenever a logs exporter is set — so the app keeps its JSON lines on stdout
 * and gains log records with severity, body, attributes, the active span's trace and span ids,
 * and the service resource. The SDK's provider is made at the first record
 * (deferred-logger-provider.ts): an app that never logs through OpenTelemetry never loads it.
 */
export function initLogs(
  options: LogsOptions,
  internals: LogsInternals = {},
): Logs {
  const { config } = options;
  const configured = (config.logger_provider?.processors ??
    []) as ProcessorModel[];
  if (configured.length === 0 && internals.exporter === undefined)
    return {
      provider: undefined,
      exportHealth: () => undefined,
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    };
  // Read now, not at the first record: a PEM file that cannot be read stops the start.
  const pem = internals.pem ?? readPemFiles(config);
  let exportHealth: ExportHealthLogRecordExporter | undefined;
  const selfObsMeterProvider = options.meterProvider;

  const exporterFor = (model: ExporterModel): LogRecordExporter => {
    if (internals.exporter) return internals.exporter;
    const exporter = createLogExporter(model, pem);
    const endpoint = (model.otlp_grpc ?? model.otlp_http)?.endpoint;
    if (endpoint === undefined) return exporter;
    const health = new ExportHealthLogRecordExporter(
      exporter,
      endpoint,
      options.logger,
      protocolOptions(model, config),
    );
    exportHealth ??= health;
    return health;
  };
  const processor = (p: ProcessorModel): LogRecordProcessor => {
    const { BatchLogRecordProcessor, SimpleLogRecordProcessor } =
      require('@opentelemetry/sdk-logs') as typeof import('@opentelemetry/sdk-logs');
    if (p.simple)
      return new SimpleLogRecordProcessor({
        exporter: exporterFor(p.simple.exporter),
        selfObsMeterProvider,
      });
    const batch = p.batch;
    // checkModel admits a simple or a batch processor, nothing else.
    if (!batch)
      throw new Error(
        'internal: a log processor that is neither simple nor batch',
      );
    return new BatchLogRecordProcessor({
      exporter: exporterFor(batch.exporter),
      scheduledDelayMillis: batch.schedule_delay,
      exportTimeoutMillis: batch.export_timeout,
      maxQueueSize: batch.max_queue_size,
      maxExportBatchSize: batch.max_export_batch_size,
      selfObsMeterProvider,
    });
  };
  const limits = config.logger_provider?.limits ?? {};
  const resource = options.resource ?? createResource(config);
  const make = () =>
    new (
      require('@opentelemetry/sdk-logs') as typeof import('@opentelemetry/sdk-logs')
    ).LoggerProvider({
      resource,
      logRecordLimits: {
        attributeValueLengthLimit:
          limits.attribute_value_length_limit ?? undefined,
        attributeCountLimit: limits.attribute_count_limit ?? undefined,
      },
      processors: (internals.exporter
        ? [
            internals.simple || configured[0] === undefined
              ? { simple: { exporter: {} } }
              : configured[0],
          ]
        : configured
      ).map(processor),
    });
  const provider = new DeferredLoggerProvider(make, (error) =>
    options.logger.warn(
      `logs could not be exported, so log records are dropped: ${redactText((error as Error)?.message ?? String(error), knownSecrets(config))}`,
    ),
  );
  const unregister =
    options.register === false ? () => undefined : registerLogs(provider);
  return {
    provider,
    exportHealth: () => exportHealth?.getStats(),
    forceFlush: () => provider.forceFlush(),
    shutdown: async () => {
      await provider.shutdown();
      unregister();
    },
  };
}
