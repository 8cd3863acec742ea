import type { IncomingMessage, ServerResponse } from 'node:http';
import { metrics, type Counter, type Meter } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { Resource } from '@opentelemetry/resources';
import {
  MeterProvider,
  PeriodicExportingMetricReader,
  type IMetricReader,
} from '@opentelemetry/sdk-metrics';
import { resolveConfigFromEnv } from './config/from-env.js';
import {
  DEFAULT_PROMETHEUS_HOST,
  type MetricReaderConfig,
  type MetricsConfig,
} from './config/model.js';
import type { Env } from './config/values.js';
import { cpuTimeCallback } from './cpu.js';
import {
  ExportHealthMetricExporter,
  type ExportHealthReporter,
} from './export-health.js';
import { createMetricExporter } from './exporters.js';
import {
  PrometheusScrape,
  type PrometheusScrapeOptions,
} from './prometheus-scrape.js';
import {
  startPrometheusServer,
  type PrometheusServer,
  type PrometheusServerLimits,
} from './prometheus-server.js';
import { readPemFiles, type PemStore } from './tls.js';

export const METER_NAME = '@otel-dice/telemetry';

export interface MetricsOptions {
  resource: Resource;
  /** The metrics part of the configuration model; resolved from `env` when omitted. */
  config?: MetricsConfig;
  /** Read only when `config` is omitted; defaults to process.env. */
  env?: Env;
  /** PEM files the configuration names, already read (startTelemetry reads them once). */
  pem?: PemStore;
  /** Extra readers besides the configured ones (tests pass a reader they can collect from). */
  readers?: IMetricReader[];
  /** Where the one-line-per-outage warnings of a push exporter go. */
  reporter?: ExportHealthReporter;
  /** Register as the global meter provider (default true). */
  register?: boolean;
  /**
   * How `/metrics` is served, on the app's port and on the Prometheus port: the page cache and
   * `target_info` (prometheus-scrape.ts), the Prometheus port's limits (prometheus-server.ts).
   */
  prometheus?: {
    readonly scrape?: Omit<PrometheusScrapeOptions, 'now'>;
    readonly limits?: Partial<PrometheusServerLimits>;
  };
}

export interface Metrics {
  readonly provider: MeterProvider;
  readonly meter: Meter;
  /** The seed's `request_counter`: exposed as `request_counter_total`. */
  readonly requestCounter: Counter;
  /** The first push (OTLP) exporter's export successes, failures and outages. */
  readonly exportHealth: ExportHealthMetricExporter | undefined;
  /**
   * Prometheus text exposition for the app's own `/metrics` route. Answers 404 when no
   * Prometheus reader serves on the app's port (metrics pushed, or on a port of their own).
   */
  metricsHandler(req: IncomingMessage, res: ServerResponse): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

const warnOnStderr: ExportHealthReporter = {
  warn: (message) => process.stderr.write(`[otel] warning: ${message}\n`),
  info: (message) => process.stderr.write(`[otel] ${message}\n`),
};

/**
 * The seed's init_metrics: a meter provider read, by default, by Prometheus on the app's own
 * server (the exporter's HTTP server is never started, its request handler is mounted by the
 * app), plus whatever readers the configuration names — OTLP push every
 * OTEL_METRIC_EXPORT_INTERVAL, Prometheus on a port of its own, console — and the seed's
 * `request_counter` and `system.cpu.time` instruments.
 */
export function initMetrics(options: MetricsOptions): Metrics {
  const config =
    options.config ??
    resolveConfigFromEnv(options.env ?? process.env, { serviceName: '' })
      .metrics;
  const reporter = options.reporter ?? warnOnStderr;
  const pem =
    options.pem ??
    readPemFiles(
      config.readers.flatMap((r) =>
        r.kind === 'periodic' ? [r.exporter] : [],
      ),
    );
  let appPortScrape: PrometheusScrape | undefined;
  const scrapes: PrometheusScrape[] = [];
  const servers: Promise<PrometheusServer | undefined>[] = [];
  let exportHealth: ExportHealthMetricExporter | undefined;

  const reader = (readerConfig: MetricReaderConfig): IMetricReader => {
    if (readerConfig.kind === 'prometheus') {
      // The exporter collects; it never serves (prometheus-server.ts says why).
      const exporter = new PrometheusExporter({ preventServerStart: true });
      const scrape = new PrometheusScrape(exporter, options.prometheus?.scrape);
      scrapes.push(scrape);
      const { host = DEFAULT_PROMETHEUS_HOST, port } = readerConfig;
      if (port === undefined) appPortScrape ??= scrape;
      else
        servers.push(
          startPrometheusServer(scrape.handle, {
            host,
            port,
            limits: options.prometheus?.limits,
          }).catch((error: unknown) => {
            reporter.warn(
              `cannot serve Prometheus metrics on ${host}:${port}: ${(error as Error).message}`,
            );
            return undefined;
          }),
        );
      return exporter;
    }
    let exporter = createMetricExporter(readerConfig, pem);
    if (readerConfig.exporter.kind === 'otlp') {
      const health = new ExportHealthMetricExporter(
        exporter,
        readerConfig.exporter.otlp.endpoint,
        reporter,
      );
      exportHealth ??= health;
      exporter = health;
    }
    return new PeriodicExportingMetricReader({
      exporter,
      exportIntervalMillis: readerConfig.exportIntervalMillis,
      exportTimeoutMillis: readerConfig.exportTimeoutMillis,
    });
  };

  const provider = new MeterProvider({
    resource: options.resource,
    readers: [...config.readers.map(reader), ...(options.readers ?? [])],
  });
  if (options.register !== false) metrics.setGlobalMeterProvider(provider);
  const meter = provider.getMeter(METER_NAME);
  const requestCounter = registerSeedInstruments(meter);
  for (const scrape of scrapes) scrape.countOn(meter);
  const served = appPortScrape;
  return {
    provider,
    meter,
    requestCounter,
    exportHealth,
    metricsHandler: served ? served.handle : notServedHere,
    forceFlush: () => provider.forceFlush(),
    shutdown: async () => {
      await Promise.all([
        provider.shutdown(),
        ...servers.map(async (server) => (await server)?.close()),
      ]);
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

/** The seed's two instruments, with its names, descriptions and units. */
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
