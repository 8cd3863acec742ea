import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Counter, Meter } from '@opentelemetry/api';
import type { ConfigurationModel } from '@opentelemetry/configuration';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { Resource } from '@opentelemetry/resources';
import {
  AggregationType,
  InstrumentType,
  MeterProvider,
  PeriodicExportingMetricReader,
  type AggregationOption,
  type IMetricReader,
  type MetricProducer,
  type MetricReader,
  type ViewOptions,
} from '@opentelemetry/sdk-metrics';
import {
  cellBackedMeter,
  CellMetrics,
  setCellMetrics,
} from './cells/registry.js';
import {
  DEFAULT_PROMETHEUS_HOST,
  DEFAULT_PROMETHEUS_PORT,
  settingsOf,
  type ExporterModel,
  type TelemetryConfig,
} from './config/model.js';
import { cpuTimeCallback } from './cpu.js';
import {
  ExportHealthMetricExporter,
  type ExportHealthStats,
  type TelemetryLogger,
} from './export-health.js';
import { createMetricExporter } from './exporters.js';
import { registerMetrics } from './globals.js';
import { globMatcher, globSource } from './glob.js';
import { protocolOptions } from './protocol-hint.js';
import type { PrometheusScrape } from './prometheus-scrape.js';
import {
  prometheusServerLimits,
  startPrometheusServer,
  type PrometheusServer,
} from './prometheus-server.js';
import { standalone, stderrReporter } from './reporter.js';
import { createResource } from './resource.js';
import { readPemFiles, type PemStore } from './tls.js';

export const METER_NAME = '@otel-dice/telemetry';

export interface MetricsOptions {
  /**
   * The resolved configuration (`resolveTelemetryConfig`). Omitted: resolved once from the
   * environment, as startTelemetry() would.
   */
  readonly config?: TelemetryConfig;
  /** Defaults to the configuration's resource. */
  readonly resource?: Resource;
  /** Where the one-line-per-outage warnings of a push exporter go; stderr by default. */
  readonly logger?: TelemetryLogger;
  /** Register as the global meter provider (default true). */
  readonly register?: boolean;
}

export interface Metrics {
  readonly meterProvider: MeterProvider;
  readonly meter: Meter;
  /** The seed's `request_counter`: exposed as `request_counter_total`. */
  readonly requestCounter: Counter;
  /** Export successes, failures and outages of the first push (OTLP) exporter, if any. */
  exportHealth(): Readonly<ExportHealthStats> | undefined;
  /**
   * Prometheus text exposition for the app's own `/metrics` route. Answers 404 when no
   * Prometheus reader serves on the app's port (metrics pushed, or on a port of their own).
   */
  metricsHandler(req: IncomingMessage, res: ServerResponse): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * A reader given its producer of the fast path's metrics (cells/), which it must pass on as one
 * of its `metricProducers`.
 */
export type ReaderFactory = (producer: MetricProducer) => IMetricReader;

/** What only the library itself passes: things already built once, and test readers. */
export interface MetricsInternals {
  readonly pem?: PemStore;
  /** Extra readers besides the configured ones (the testing entry's on-demand reader). */
  readonly readers?: readonly ReaderFactory[];
}

type ReaderModel = NonNullable<
  ConfigurationModel['meter_provider']
>['readers'][number];
type Cardinality = NonNullable<
  NonNullable<ReaderModel['periodic']>['cardinality_limits']
>;
type ViewModel = NonNullable<
  NonNullable<ConfigurationModel['meter_provider']>['views']
>[number];

const INSTRUMENT_TYPES: Record<string, InstrumentType> = {
  counter: InstrumentType.COUNTER,
  gauge: InstrumentType.GAUGE,
  histogram: InstrumentType.HISTOGRAM,
  observable_counter: InstrumentType.OBSERVABLE_COUNTER,
  observable_gauge: InstrumentType.OBSERVABLE_GAUGE,
  observable_up_down_counter: InstrumentType.OBSERVABLE_UP_DOWN_COUNTER,
  up_down_counter: InstrumentType.UP_DOWN_COUNTER,
};

/** A reader's `cardinality_limits` as the SDK's selector: per instrument type, else default. */
export function cardinalitySelector(
  limits: Cardinality | null | undefined,
): ((type: InstrumentType) => number) | undefined {
  if (!limits) return undefined;
  const byType = new Map<InstrumentType, number>();
  for (const [name, type] of Object.entries(INSTRUMENT_TYPES)) {
    const value = (limits as Record<string, number | null | undefined>)[name];
    if (value != null) byType.set(type, value);
  }
  const fallback = limits.default ?? 2000;
  return (type) => byType.get(type) ?? fallback;
}

type LimitOf = ((type: InstrumentType) => number) | undefined;
let limitedExporterClass:
  | (new (
      options: ConstructorParameters<typeof PrometheusExporter>[0],
      limitOf: LimitOf,
    ) => PrometheusExporter)
  | undefined;

/**
 * The Prometheus exporter with the reader's cardinality limits: the exporter takes no selector
 * option, so it answers the reader's question itself. Its package (and the page rendering,
 * prometheus-scrape.ts) is loaded only when a pull reader is configured: an app that pushes its
 * metrics does not pay for it at start.
 */
function limitedPrometheusExporter(
  options: ConstructorParameters<typeof PrometheusExporter>[0],
  limitOf: LimitOf,
): PrometheusExporter {
  if (limitedExporterClass === undefined) {
    const { PrometheusExporter: Base } =
      require('@opentelemetry/exporter-prometheus') as typeof import('@opentelemetry/exporter-prometheus');
    limitedExporterClass = class LimitedPrometheusExporter extends Base {
      constructor(
        options: ConstructorParameters<typeof PrometheusExporter>[0],
        private readonly limitOf: LimitOf,
      ) {
        super(options);
      }

      override selectCardinalityLimit(type: InstrumentType): number {
        return this.limitOf
          ? this.limitOf(type)
          : super.selectCardinalityLimit(type);
      }
    };
  }
  return new limitedExporterClass(options, limitOf);
}

/**
 * `resource_constant_labels` as the exporter's one RegExp: the included globs minus the
 * excluded ones (a negative look-ahead), anchored.
 */
export function constantLabels(
  labels: { included?: string[]; excluded?: string[] } | null | undefined,
): RegExp | undefined {
  if (!labels?.included?.length) return undefined;
  const included = labels.included.map(globSource).join('|');
  const excluded = labels.excluded?.length
    ? `(?!(?:${labels.excluded.map(globSource).join('|')})$)`
    : '';
  return new RegExp(`^${excluded}(?:${included})$`);
}

function aggregation(
  model: ViewModel['stream']['aggregation'],
): AggregationOption | undefined {
  if (!model) return undefined;
  if (model.drop) return { type: AggregationType.DROP };
  if (model.sum) return { type: AggregationType.SUM };
  if (model.last_value) return { type: AggregationType.LAST_VALUE };
  if (model.explicit_bucket_histogram) {
    const h = model.explicit_bucket_histogram;
    return {
      type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM,
      options: {
        recordMinMax: h.record_min_max ?? true,
        // The schema's default boundaries, as sdk-node's create-from-config uses them.
        boundaries: h.boundaries ?? [
          0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500,
          10000,
        ],
      },
    };
  }
  if (model.base2_exponential_bucket_histogram) {
    const h = model.base2_exponential_bucket_histogram;
    return {
      type: AggregationType.EXPONENTIAL_HISTOGRAM,
      options: {
        recordMinMax: h.record_min_max ?? undefined,
        maxSize: h.max_size ?? undefined,
      },
    };
  }
  return { type: AggregationType.DEFAULT };
}

/** A view of the model as the SDK's (checked when the configuration was resolved). */
export function viewOptions(view: ViewModel): ViewOptions {
  const { selector, stream } = view;
  const keys = stream.attribute_keys;
  const included = keys?.included?.length
    ? globMatcher(keys.included)
    : undefined;
  const excluded = keys?.excluded?.length
    ? globMatcher(keys.excluded)
    : undefined;
  return {
    ...(selector.instrument_name
      ? { instrumentName: selector.instrument_name }
      : {}),
    ...(selector.instrument_type
      ? { instrumentType: INSTRUMENT_TYPES[selector.instrument_type] }
      : {}),
    ...(selector.unit ? { instrumentUnit: selector.unit } : {}),
    ...(selector.meter_name ? { meterName: selector.meter_name } : {}),
    ...(selector.meter_version ? { meterVersion: selector.meter_version } : {}),
    ...(selector.meter_schema_url
      ? { meterSchemaUrl: selector.meter_schema_url }
      : {}),
    ...(stream.name ? { name: stream.name } : {}),
    ...(stream.description ? { description: stream.description } : {}),
    ...(stream.aggregation
      ? { aggregation: aggregation(stream.aggregation) }
      : {}),
    ...(stream.aggregation_cardinality_limit != null
      ? { aggregationCardinalityLimit: stream.aggregation_cardinality_limit }
      : {}),
    // The schema's keys may be globs; the SDK's allow/deny lists take exact names.
    ...(included || excluded
      ? {
          attributesProcessors: [
            {
              process: (incoming) =>
                Object.fromEntries(
                  Object.entries(incoming).filter(
                    ([key]) =>
                      (included === undefined || included(key)) &&
                      !(excluded !== undefined && excluded(key)),
                  ),
                ),
            },
          ],
        }
      : {}),
  };
}

/**
 * The seed's init_metrics: a meter provider read, by default, by Prometheus on the app's own
 * server (the exporter's HTTP server is never started, its request handler is mounted by the
 * app), plus whatever readers the configuration names — OTLP push every interval, Prometheus on
 * a port of its own, console — with its views and cardinality limits, and the seed's
 * `request_counter` and `system.cpu.time` instruments.
 */
export function initMetrics(options: MetricsOptions = {}): Metrics {
  return buildMetrics(standalone(options));
}

export function buildMetrics(
  options: MetricsOptions & { readonly config: TelemetryConfig },
  internals: MetricsInternals = {},
): Metrics {
  const { config } = options;
  const reporter = options.logger ?? stderrReporter;
  const pem = internals.pem ?? readPemFiles(config);
  const settings = settingsOf(config);
  const onAppPort = settings.prometheus_on_app_port;
  let appPortScrape: PrometheusScrape | undefined;
  const scrapes: PrometheusScrape[] = [];
  const servers: Promise<PrometheusServer | undefined>[] = [];
  let exportHealth: ExportHealthMetricExporter | undefined;

  const views = (config.meter_provider?.views ?? []).map(viewOptions);
  const resource = options.resource ?? createResource(config);
  const cells = new CellMetrics(views, resource);
  /** A reader with its producer of the fast path's metrics attached. */
  const withCells = (make: ReaderFactory): IMetricReader => {
    const producer = cells.producer();
    const made = make(producer);
    producer.attach(made as MetricReader);
    return made;
  };

  const reader = (
    model: ReaderModel,
    producer: MetricProducer,
  ): IMetricReader => {
    if (model.pull) {
      const p = model.pull.exporter['prometheus/development'] ?? {};
      // The first reader that names no host and port is the app's /metrics, when so configured.
      const ownServer = !(
        onAppPort &&
        p.host == null &&
        p.port == null &&
        appPortScrape === undefined
      );
      const host = p.host ?? DEFAULT_PROMETHEUS_HOST;
      const port = p.port ?? DEFAULT_PROMETHEUS_PORT;
      // The exporter collects; it never serves, and its page is rendered by PrometheusScrape
      // (prometheus-scrape.ts and prometheus-server.ts say why).
      const exporter = limitedPrometheusExporter(
        { preventServerStart: true, metricProducers: [producer] },
        cardinalitySelector(model.pull.cardinality_limits),
      );
      const { PrometheusScrape } =
        require('./prometheus-scrape.js') as typeof import('./prometheus-scrape.js');
      const scrape = new PrometheusScrape(exporter, {
        cacheMs: settings.prometheus.cache,
        targetInfo:
          p['target_info_enabled/development'] === false
            ? 'none'
            : settings.prometheus.target_info,
        withoutScopeInfo: p.scope_info_enabled === false,
        withResourceConstantLabels: constantLabels(p.resource_constant_labels),
      });
      scrapes.push(scrape);
      if (!ownServer) appPortScrape ??= scrape;
      else
        servers.push(
          startPrometheusServer(scrape.handle, {
            host,
            port,
            limits: prometheusServerLimits(settings.prometheus.server),
          }).catch((error: unknown) => {
            reporter.warn(
              `cannot serve Prometheus metrics on ${host}:${port}: ${(error as Error).message}`,
            );
            return undefined;
          }),
        );
      return exporter;
    }
    const periodic = model.periodic;
    // checkModel admits a pull (prometheus) or a periodic reader, nothing else.
    if (!periodic)
      throw new Error(
        'internal: a metric reader that is neither pull nor periodic',
      );
    const exporterModel = periodic.exporter as ExporterModel;
    let exporter = createMetricExporter(exporterModel, pem);
    const endpoint = (exporterModel.otlp_grpc ?? exporterModel.otlp_http)
      ?.endpoint;
    if (endpoint !== undefined) {
      const health = new ExportHealthMetricExporter(
        exporter,
        endpoint,
        reporter,
        protocolOptions(exporterModel, config),
      );
      exportHealth ??= health;
      exporter = health;
    }
    const limits = periodic.cardinality_limits;
    return new PeriodicExportingMetricReader({
      exporter,
      metricProducers: [producer],
      exportIntervalMillis: periodic.interval ?? undefined,
      exportTimeoutMillis: periodic.timeout ?? undefined,
      ...(limits
        ? {
            cardinalityLimits: {
              default: limits.default ?? undefined,
              counter: limits.counter ?? undefined,
              gauge: limits.gauge ?? undefined,
              histogram: limits.histogram ?? undefined,
              upDownCounter: limits.up_down_counter ?? undefined,
              observableCounter: limits.observable_counter ?? undefined,
              observableGauge: limits.observable_gauge ?? undefined,
              observableUpDownCounter:
                limits.observable_up_down_counter ?? undefined,
            },
          }
        : {}),
      maxExportBatchSize:
        periodic['max_export_batch_size/development'] ?? undefined,
    });
  };

  const readers = [
    ...(config.meter_provider?.readers ?? []).map((model) =>
      withCells((producer) => reader(model, producer)),
    ),
    ...(internals.readers ?? []).map(withCells),
  ];
  const provider = new MeterProvider({ resource, readers, views });
  cells.fallBackTo(provider);
  setCellMetrics(provider, cells);
  const unregister =
    options.register === false ? () => undefined : registerMetrics(provider);
  // The app's own counters and histograms (telemetry.meter) record into cells too.
  const meter = cellBackedMeter(
    provider.getMeter(METER_NAME),
    cells.meter(METER_NAME),
  );
  const requestCounter = registerSeedInstruments(meter);
  for (const scrape of scrapes) scrape.countOn(meter);
  const served = appPortScrape;
  return {
    meterProvider: provider,
    meter,
    requestCounter,
    exportHealth: () => exportHealth?.getStats(),
    metricsHandler: served ? served.handle : notServedHere,
    forceFlush: () => provider.forceFlush(),
    shutdown: async () => {
      await Promise.all([
        provider.shutdown(),
        ...servers.map(async (server) => (await server)?.close()),
      ]);
      unregister();
    },
  };
}

function notServedHere(_req: IncomingMessage, res: ServerResponse): void {
  res.statusCode = 404;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(
    JSON.stringify({
      error: 'not_found',
      message: 'metrics are not served on this port',
    }),
  );
}

/**
 * The seed's two instruments, with its names, descriptions and units. On the library's meter
 * `request_counter` records into one cell (it has no attributes: counting a request is one
 * addition), and the CPU time is observed at each collection.
 */
export function registerSeedInstruments(meter: Meter): Counter {
  const requestCounter = meter.createCounter('request_counter', {
    description: 'Number of requests',
    unit: '1',
  });
  meter
    .createObservableCounter('system.cpu.time', {
      description: 'CPU time',
      unit: 's',
    })
    .addCallback((result) => cpuTimeCallback(result));
  return requestCounter;
}
