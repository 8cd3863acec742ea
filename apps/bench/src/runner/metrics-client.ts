/**
 * The bench's side of /metrics: a once-a-second scrape loop standing in for Prometheus during
 * load, single scrapes for the span counters, and a timed series of sequential scrapes.
 */
import { performance } from 'node:perf_hooks';
import {
  parsePrometheusText,
  spanPipelineCounters,
  type SpanPipelineCounters,
} from '../lib/prom-text.js';

const SCRAPE_TIMEOUT_MS = 5_000;

export interface Scrape {
  status: number;
  body: string;
  durationMs: number;
}

export async function scrape(baseUrl: string): Promise<Scrape> {
  const startedAt = performance.now();
  const response = await fetch(`${baseUrl}/metrics`, {
    signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS),
  });
  const body = await response.text();
  return {
    status: response.status,
    body,
    durationMs: performance.now() - startedAt,
  };
}

/** As SpanPipelineCounters, with `started` known to be present. */
export type PresentSpanCounters = SpanPipelineCounters & {
  started: number;
  sampled: number;
};

/**
 * The span pipeline counters from one scrape; throws when the page has no
 * otel_sdk_span_started_total (SDK off?). `queueSize` stays undefined when the app has no batch
 * processor (OTEL_TRACES_EXPORTER=none).
 */
export async function readSpanCounters(
  baseUrl: string,
): Promise<PresentSpanCounters> {
  const { status, body } = await scrape(baseUrl);
  if (status !== 200)
    throw new Error(`GET ${baseUrl}/metrics answered ${status}`);
  const counters = spanPipelineCounters(parsePrometheusText(body));
  const { started } = counters;
  if (started === undefined) {
    throw new Error(
      `${baseUrl}/metrics has no otel_sdk_span_started_total; is the SDK on?`,
    );
  }
  return { ...counters, started, sampled: counters.sampled ?? 0 };
}

/**
 * Scrapes every `intervalMs` (starting at once) until stopped, as Prometheus would. A failed
 * scrape is counted, not thrown: the load must go on, and the count is reported.
 */
export function startScrapeLoop(
  baseUrl: string,
  intervalMs = 1_000,
): { stop(): Promise<{ scrapes: number; failures: number }> } {
  let scrapes = 0;
  let failures = 0;
  let inFlight: Promise<void> = Promise.resolve();
  const once = () => {
    inFlight = scrape(baseUrl).then(
      (result) => {
        scrapes++;
        if (result.status !== 200) failures++;
      },
      () => {
        scrapes++;
        failures++;
      },
    );
  };
  once();
  const timer = setInterval(once, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await inFlight;
      return { scrapes, failures };
    },
  };
}
