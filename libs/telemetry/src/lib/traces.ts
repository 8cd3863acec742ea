import {
  context,
  propagation,
  trace,
  type MeterProvider,
} from '@opentelemetry/api';
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import type { Resource } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import {
  resolveBatchConfig,
  resolveSampler,
  resolveTraceEndpoint,
  resolveTracesExporter,
  type Env,
  type SamplerConfig,
} from './env.js';
import { RequestContextManager } from './context.js';
import {
  ExportHealthSpanExporter,
  type ExportHealthReporter,
} from './export-health.js';
import { PreAggregatedMeterProvider } from './self-metrics.js';

export interface TracesOptions {
  resource: Resource;
  env?: Env;
  /** OTLP/gRPC endpoint; beats every environment variable. */
  endpoint?: string;
  /** Replaces the exporter chosen from OTEL_TRACES_EXPORTER (tests pass an InMemorySpanExporter). */
  exporter?: SpanExporter;
  /**
   * Receives the SDK's own otel.sdk.* span metrics: the batch processor's queue size and
   * processed/dropped spans, and the tracer's started/live spans (pre-aggregated, see
   * PreAggregatedMeterProvider: they are updated three times per span).
   */
  meterProvider?: MeterProvider;
  /** Where the one-line-per-outage export warnings go; stderr by default. */
  reporter?: ExportHealthReporter;
  /** Register as the global tracer provider, context manager and propagator (default true). */
  register?: boolean;
}

export interface Traces {
  readonly provider: TracerProvider;
  /** The OTLP endpoint in use, or undefined when exporting to console/none/a given exporter. */
  readonly endpoint: string | undefined;
  /** Present when the default exporter is used: export successes, failures and outages. */
  readonly exportHealth: ExportHealthSpanExporter | undefined;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

export function createSampler(config: SamplerConfig): Sampler {
  switch (config.name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(config.ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({
        root: new TraceIdRatioBasedSampler(config.ratio),
      });
  }
}

export const stderrReporter: ExportHealthReporter = {
  warn: (message) => process.stderr.write(`[otel] warning: ${message}\n`),
  info: (message) => process.stderr.write(`[otel] ${message}\n`),
};

/**
 * The seed's init_traces: a tracer provider whose spans go through one BatchSpanProcessor to
 * OTLP/gRPC. The batch processor never blocks a request: ending a span is an array push. With
 * the collector refusing connections each batch fails at once and is dropped; with it hanging,
 * the queue fills and further spans are dropped. Both are counted in
 * `otel_sdk_processor_span_processed_total{error_type=…}` instead of hoarded.
 */
export function initTraces(options: TracesOptions): Traces {
  const env = options.env ?? process.env;
  const { exporter, endpoint, exportHealth } = chooseExporter(options, env);
  const spanProcessors: SpanProcessor[] = [];
  if (exporter) {
    spanProcessors.push(
      new BatchSpanProcessor({
        exporter,
        ...resolveBatchConfig(env),
        selfObsMeterProvider: options.meterProvider,
      }),
    );
  }
  const provider = new TracerProvider({
    resource: options.resource,
    sampler: createSampler(resolveSampler(env)),
    spanProcessors,
    meterProvider:
      options.meterProvider &&
      new PreAggregatedMeterProvider(options.meterProvider),
  });
  if (options.register !== false) registerGlobals(provider);
  return {
    provider,
    endpoint,
    exportHealth,
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

function chooseExporter(
  options: TracesOptions,
  env: Env,
): {
  exporter?: SpanExporter;
  endpoint?: string;
  exportHealth?: ExportHealthSpanExporter;
} {
  if (options.exporter) return { exporter: options.exporter };
  switch (resolveTracesExporter(env)) {
    case 'none':
      return {};
    case 'console':
      return { exporter: new ConsoleSpanExporter() };
    case 'otlp': {
      const endpoint = resolveTraceEndpoint(env, options.endpoint);
      // Headers, compression, timeout and TLS still come from OTEL_EXPORTER_OTLP_* as the
      // exporter reads them; only the endpoint is resolved here, to add the seed's TRACE_ENDPOINT.
      const exportHealth = new ExportHealthSpanExporter(
        new OTLPTraceExporter({ url: endpoint }),
        endpoint,
        options.reporter ?? stderrReporter,
      );
      return { exporter: exportHealth, endpoint, exportHealth };
    }
  }
}

/**
 * W3C tracecontext + baggage over an AsyncLocalStorage context, as every Node service needs. The
 * context manager is the stock one with a cheaper binding of server requests and responses (see
 * RequestContextManager).
 */
function registerGlobals(provider: TracerProvider): void {
  context.setGlobalContextManager(new RequestContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({
      propagators: [
        new W3CTraceContextPropagator(),
        new W3CBaggagePropagator(),
      ],
    }),
  );
  trace.setGlobalTracerProvider(provider);
}
