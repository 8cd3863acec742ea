import {
  context,
  propagation,
  trace,
  type MeterProvider,
  type TextMapPropagator,
  type Counter,
  type TracerProvider as ApiTracerProvider,
} from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { resolveConfigFromEnv } from './config/from-env.js';
import {
  DEFAULT_PROPAGATORS,
  type PipelineConfig,
  type PropagatorName,
  type SamplerConfig,
  type TracesConfig,
} from './config/model.js';
import type { Env } from './config/values.js';
import { RequestContextManager } from './context.js';
import {
  ExportHealthSpanExporter,
  type ExportHealthReporter,
} from './export-health.js';
import { createSpanExporter } from './exporters.js';
import { createPropagator } from './propagators.js';
import {
  createDecider,
  LeanTracerProvider,
  PresetIdGenerator,
  type DropCounter,
} from './lean-tracer.js';
import { PreAggregatedMeterProvider } from './self-metrics.js';
import { readPemFiles, type PemStore } from './tls.js';
import { abOff } from './ab-switches.js';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';

export interface TracesOptions {
  resource: Resource;
  /** The traces part of the configuration model; resolved from `env` when omitted. */
  config?: TracesConfig;
  /** Read only when `config` is omitted; defaults to process.env. */
  env?: Env;
  /** PEM files the configuration names, already read (startTelemetry reads them once). */
  pem?: PemStore;
  /** Replaces every configured exporter (tests pass an InMemorySpanExporter). */
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
  /** Propagators to register (default W3C tracecontext + baggage). */
  propagators?: readonly PropagatorName[];
  /** A ready propagator to register instead of `propagators`. */
  propagator?: TextMapPropagator;
  /**
   * Spans the sampler drops are made without the SDK (LeanTracerProvider; default true). false:
   * every span goes through the SDK's tracer, as with the stock setup
   * (TELEMETRY_HTTP_INSTRUMENTATION=upstream).
   */
  leanTracer?: boolean;
}

export interface Traces {
  /** The SDK tracer provider: flushing, shutting down, its span processors. */
  readonly provider: TracerProvider;
  /**
   * What spans are started through (registered globally, given to the instrumentations): the
   * SDK provider behind a LeanTracerProvider, which makes the spans the sampler drops itself.
   */
  readonly tracerProvider: ApiTracerProvider;
  /** The first OTLP exporter's endpoint, or undefined when there is none. */
  readonly endpoint: string | undefined;
  /** The first OTLP exporter's export successes, failures and outages. */
  readonly exportHealth: ExportHealthSpanExporter | undefined;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

export function createSampler(config: SamplerConfig): Sampler {
  switch (config.type) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(config.ratio);
    case 'parentbased': {
      const child = (c: SamplerConfig | undefined) =>
        c === undefined ? undefined : createSampler(c);
      return new ParentBasedSampler({
        root: createSampler(config.root),
        remoteParentSampled: child(config.remoteParentSampled),
        remoteParentNotSampled: child(config.remoteParentNotSampled),
        localParentSampled: child(config.localParentSampled),
        localParentNotSampled: child(config.localParentNotSampled),
      });
    }
  }
}

export const stderrReporter: ExportHealthReporter = {
  warn: (message) => process.stderr.write(`[otel] warning: ${message}\n`),
  info: (message) => process.stderr.write(`[otel] ${message}\n`),
};

/**
 * The seed's init_traces: a tracer provider whose spans go, by default, through one
 * BatchSpanProcessor to OTLP/gRPC — or to whatever exporters the configuration names. The batch
 * processor never blocks a request: ending a span is an array push. With the collector refusing
 * connections each batch fails at once and is dropped; with it hanging, the queue fills and
 * further spans are dropped. Both are counted in `otel_sdk_processor_span_processed_total{error_type=…}`
 * instead of hoarded.
 */
export function initTraces(options: TracesOptions): Traces {
  const config =
    options.config ??
    resolveConfigFromEnv(options.env ?? process.env, { serviceName: '' })
      .traces;
  const reporter = options.reporter ?? stderrReporter;
  const pem =
    options.pem ?? readPemFiles(config.pipelines.map((p) => p.exporter));
  let exportHealth: ExportHealthSpanExporter | undefined;
  let endpoint: string | undefined;

  /** Wraps an OTLP pipeline's exporter so a lost collector costs one warning (export-health.ts). */
  const withHealth = (
    exporter: SpanExporter,
    pipeline: PipelineConfig,
  ): SpanExporter => {
    if (pipeline.exporter.kind !== 'otlp' || abOff('health')) return exporter;
    const health = new ExportHealthSpanExporter(
      exporter,
      pipeline.exporter.otlp.endpoint,
      reporter,
    );
    exportHealth ??= health;
    endpoint ??= pipeline.exporter.otlp.endpoint;
    return health;
  };
  const selfObsMeterProvider = options.meterProvider;
  const processor = (
    exporter: SpanExporter,
    pipeline: PipelineConfig | undefined,
  ): SpanProcessor =>
    pipeline?.processor.kind === 'simple'
      ? new SimpleSpanProcessor({ exporter, selfObsMeterProvider })
      : new BatchSpanProcessor({
          exporter,
          ...(pipeline?.processor.kind === 'batch' ? pipeline.processor : {}),
          selfObsMeterProvider,
        });
  const pipelineProcessor = (pipeline: PipelineConfig): SpanProcessor =>
    processor(
      withHealth(createSpanExporter(pipeline.exporter, pem), pipeline),
      pipeline,
    );

  const spanProcessors = options.exporter
    ? [processor(options.exporter, config.pipelines[0])]
    : config.pipelines.map(pipelineProcessor);
  const sampler = createSampler(config.sampler);
  const ids = new PresetIdGenerator();
  const selfMetrics =
    options.meterProvider &&
    (abOff('selfmetrics')
      ? (options.meterProvider as PreAggregatedMeterProvider)
      : new PreAggregatedMeterProvider(options.meterProvider));
  const lean = options.leanTracer !== false;
  const provider = new TracerProvider({
    resource: options.resource,
    sampler,
    ...(lean ? { idGenerator: ids } : {}),
    spanLimits: config.limits,
    spanProcessors,
    meterProvider: selfMetrics,
  });
  const tracerProvider: ApiTracerProvider = lean
    ? new LeanTracerProvider(provider, {
        decide: createDecider(config.sampler),
        sampler,
        ids,
        countDrop: dropCounter(selfMetrics),
      })
    : provider;
  if (options.register !== false)
    registerGlobals(
      tracerProvider,
      options.propagator ??
        createPropagator(options.propagators ?? DEFAULT_PROPAGATORS),
    );
  return {
    provider,
    tracerProvider,
    endpoint,
    exportHealth,
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/**
 * The configured propagators over an AsyncLocalStorage context, as every Node service needs. The
 * context manager is the stock one with a cheaper binding of server requests and responses (see
 * RequestContextManager).
 */
function registerGlobals(
  provider: ApiTracerProvider,
  propagator: TextMapPropagator,
): void {
  context.setGlobalContextManager(
    abOff('context')
      ? new AsyncLocalStorageContextManager().enable()
      : new RequestContextManager().enable(),
  );
  propagation.setGlobalPropagator(propagator);
  trace.setGlobalTracerProvider(provider);
}

/**
 * The spans the lean tracer drops, counted where the SDK counts the spans it starts:
 * `otel.sdk.span.started{otel.span.parent.origin, otel.span.sampling_result="DROP"}` — the same
 * pre-aggregated instrument the SDK tracer's self-metrics use.
 */
function dropCounter(
  selfMetrics: PreAggregatedMeterProvider | undefined,
): DropCounter {
  if (selfMetrics === undefined) return () => undefined;
  // Asked for at the first drop, never before: by then the SDK tracer behind the lean one has
  // registered the counter under its versioned meter, and this finds that one (the meter's
  // version, otel_scope_version on /metrics, is the SDK's, not empty).
  let started: Counter | undefined;
  const attributes = {
    none: dropped('none'),
    local: dropped('local'),
    remote: dropped('remote'),
  };
  return (origin) => {
    started ??= selfMetrics
      .getMeter('@opentelemetry/sdk-trace')
      .createCounter('otel.sdk.span.started', {
        unit: '{span}',
        description: 'The number of created spans.',
      });
    started.add(1, attributes[origin]);
  };
}

function dropped(origin: string) {
  return {
    'otel.span.parent.origin': origin,
    'otel.span.sampling_result': 'DROP',
  };
}
