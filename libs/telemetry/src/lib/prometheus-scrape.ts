/**
 * What a scrape of `/metrics` does, on the app's own port and on the Prometheus port alike:
 * the Prometheus reader's collection, rendered by the exporter's own serializer, served from a
 * page kept for a short while, and counted.
 *
 * Why not the exporter's request handler: it collects and serializes on every request, so a
 * flood of scrapes burns a core (179 scrapes/s of a 234 KB page took 9.5 s of CPU per 10 s)
 * and leaves no trace — `/metrics` gets no span. Here:
 * - one page is rendered at most once per `cacheMs` (1 s by default: shorter than any scrape
 *   interval, so Prometheus sees fresh numbers; concurrent scrapes wait for the same rendering),
 *   and kept as one Buffer that every response shares;
 * - every scrape is counted in `promhttp_metric_handler_requests_total{code}`, the series Go's
 *   Prometheus client serves for the same purpose, so a flood shows on the dashboards;
 * - `target_info` shows the service's identity only, unless asked for all (resource.ts);
 * - the reader's own settings of the configuration model (scope info, resource constant labels)
 *   are the serializer's, as they would be the exporter's.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { diag, type Counter, type Meter } from '@opentelemetry/api';
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { MetricReader } from '@opentelemetry/sdk-metrics';
import { DEFAULT_PROMETHEUS, type TargetInfoMode } from './config/model.js';
import { targetInfoAttributes } from './resource.js';

export interface PrometheusScrapeOptions {
  /** How long a rendered page is served again, in ms; 0 renders every scrape. */
  readonly cacheMs?: number;
  /** What `target_info` shows: see TargetInfoMode. */
  readonly targetInfo?: TargetInfoMode;
  /** The reader's `scope_info_enabled: false`: no otel_scope_* labels. */
  readonly withoutScopeInfo?: boolean;
  /** The reader's `resource_constant_labels`: resource attributes added to every series. */
  readonly withResourceConstantLabels?: RegExp;
  /** Monotonic ms; tests pass their own clock. */
  readonly now?: () => number;
}

export const DEFAULT_SCRAPE_CACHE_MS = DEFAULT_PROMETHEUS.cache;
export const DEFAULT_TARGET_INFO = DEFAULT_PROMETHEUS.target_info;

/** Shown by Prometheus as `promhttp_metric_handler_requests_total{code="200"}`. */
export const SCRAPE_COUNTER = 'promhttp.metric_handler.requests';

/** The text exposition format's media type, as Prometheus asks for it. */
export const EXPOSITION_CONTENT_TYPE =
  'text/plain; version=0.0.4; charset=utf-8';

interface Page {
  readonly status: number;
  readonly body: Buffer;
  readonly renderedAt: number;
}

export class PrometheusScrape {
  private readonly serializer: PrometheusSerializer;
  private readonly cacheMs: number;
  private readonly targetInfo: TargetInfoMode;
  private readonly now: () => number;
  private page: Page | undefined;
  private rendering: Promise<Page> | undefined;
  private scrapes: Counter | undefined;

  /** `reader` is the Prometheus exporter (a MetricReader that was never asked to serve). */
  constructor(
    private readonly reader: Pick<MetricReader, 'collect'>,
    options: PrometheusScrapeOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? DEFAULT_SCRAPE_CACHE_MS;
    if (!Number.isSafeInteger(this.cacheMs) || this.cacheMs < 0)
      throw new RangeError(
        `Prometheus scrape: cacheMs must be an integer >= 0, got ${String(options.cacheMs)}`,
      );
    this.targetInfo = options.targetInfo ?? DEFAULT_TARGET_INFO;
    this.now = options.now ?? (() => performance.now());
    // The exporter's defaults (no prefix, no timestamps) and the reader's settings.
    this.serializer = new TargetInfoSerializer(
      this.targetInfo,
      options.withResourceConstantLabels,
      options.withoutScopeInfo ?? false,
    );
  }

  /** Counts scrapes with an instrument of `meter` (the provider's own, so it shows on the page). */
  countOn(meter: Meter): void {
    this.scrapes = meter.createCounter(SCRAPE_COUNTER, {
      description:
        'Scrapes of the Prometheus metrics page, by HTTP status code.',
      unit: '{request}',
    });
  }

  /** Answers a scrape (any method: the caller routes). */
  readonly handle = (_req: IncomingMessage, res: ServerResponse): void => {
    this.current()
      .then((page) => {
        this.scrapes?.add(1, { code: String(page.status) });
        res.statusCode = page.status;
        res.setHeader('content-type', EXPOSITION_CONTENT_TYPE);
        res.setHeader('content-length', page.body.length);
        res.setHeader('cache-control', 'no-store');
        res.end(page.body);
      })
      // current() does not reject; this is for a throw while answering (a response gone bad)
      .catch((error: unknown) => diag.error('Prometheus scrape failed', error));
  };

  /** The page to serve now: the kept one while fresh, else the one being rendered, else a new one. */
  current(): Promise<Page> {
    const page = this.page;
    if (page !== undefined && this.now() - page.renderedAt < this.cacheMs)
      return Promise.resolve(page);
    this.rendering ??= this.render().then((rendered) => {
      this.page = rendered;
      this.rendering = undefined;
      return rendered;
    });
    return this.rendering;
  }

  private async render(): Promise<Page> {
    try {
      const { resourceMetrics, errors } = await this.reader.collect();
      if (errors.length > 0)
        diag.error('Prometheus scrape: metrics collection errors', ...errors);
      const text = this.serializer.serialize(resourceMetrics);
      return { status: 200, body: Buffer.from(text), renderedAt: this.now() };
    } catch (error) {
      // Kept like a page, so a flood during an outage stays as cheap; no details to the scraper.
      diag.error('Prometheus scrape: metrics collection failed', error);
      return {
        status: 500,
        body: Buffer.from('# metrics collection failed\n'),
        renderedAt: this.now(),
      };
    }
  }
}

/**
 * The exporter's serializer with `target_info` trimmed to `mode`. Only the `target_info` series
 * is trimmed: resource constant labels, which the reader asked for by name, are still taken from
 * the whole resource.
 */
class TargetInfoSerializer extends PrometheusSerializer {
  constructor(
    private readonly mode: TargetInfoMode,
    withResourceConstantLabels: RegExp | undefined,
    withoutScopeInfo: boolean,
  ) {
    super(
      undefined,
      false,
      withResourceConstantLabels,
      mode === 'none',
      withoutScopeInfo,
    );
  }

  protected override _serializeResource(
    ...[resource, ...rest]: Parameters<
      PrometheusSerializer['_serializeResource']
    >
  ): string {
    return this.mode === 'all'
      ? super._serializeResource(resource, ...rest)
      : super._serializeResource(
          resourceFromAttributes(
            targetInfoAttributes(resource.attributes, this.mode),
          ),
          ...rest,
        );
  }
}
