import type { IncomingMessage, ServerResponse } from 'node:http';
import { metrics, type Counter, type Meter } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { Resource } from '@opentelemetry/resources';
import { MeterProvider, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { cpuTimeCallback } from './cpu.js';

export const METER_NAME = '@otel-dice/telemetry';

export interface MetricsOptions {
  resource: Resource;
  /** Extra readers besides Prometheus (tests pass a reader they can collect from). */
  readers?: IMetricReader[];
  /** Register as the global meter provider (default true). */
  register?: boolean;
}

export interface Metrics {
  readonly provider: MeterProvider;
  readonly meter: Meter;
  /** The seed's `request_counter`: exposed as `request_counter_total`. */
  readonly requestCounter: Counter;
  /** Prometheus text exposition for the app's own `/metrics` route. */
  metricsHandler(req: IncomingMessage, res: ServerResponse): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * The seed's init_metrics: a meter provider read by Prometheus on the app's own server (no
 * second port: the exporter's HTTP server is never started, its request handler is mounted by
 * the app), the `request_counter` counter and the `system.cpu.time` observable counter.
 */
export function initMetrics(options: MetricsOptions): Metrics {
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({
    resource: options.resource,
    readers: [prometheus, ...(options.readers ?? [])],
  });
  if (options.register !== false) metrics.setGlobalMeterProvider(provider);
  const meter = provider.getMeter(METER_NAME);
  const requestCounter = registerSeedInstruments(meter);
  return {
    provider,
    meter,
    requestCounter,
    metricsHandler: (req, res) => prometheus.getMetricsRequestHandler(req, res),
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
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
