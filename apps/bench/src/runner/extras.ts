/**
 * The two side measurements: timed /metrics scrapes, and a sustained fixed-rate run that checks
 * span delivery and memory over a minute.
 */
import { parsePrometheusText } from '../lib/prom-text.js';
import type { FixedRateResult, ScrapeResult } from '../lib/results.js';
import { summariseLatencies } from '../lib/stats.js';
import { runLoad } from './load.js';
import { scrape, startScrapeLoop } from './metrics-client.js';
import { readMemory } from './proc-sampler.js';
import { spanDelta } from './round.js';
import { waitForDelivery, type RunningVariant } from './variant-process.js';

/** `count` scrapes one after the other, as fast as they come back. */
export async function timeScrapes(
  variant: RunningVariant,
  count: number,
): Promise<ScrapeResult> {
  const durations: number[] = [];
  let failures = 0;
  let last = '';
  for (let i = 0; i < count; i++) {
    try {
      const result = await scrape(variant.app.baseUrl);
      if (result.status !== 200) failures++;
      durations.push(result.durationMs);
      last = result.body;
    } catch {
      failures++;
    }
  }
  if (durations.length === 0)
    throw new Error(
      `all ${count} scrapes of ${variant.app.baseUrl}/metrics failed`,
    );
  return {
    scrapes: count,
    failures,
    latency: summariseLatencies(durations),
    bodyBytes: Buffer.byteLength(last),
    seriesCount: parsePrometheusText(last).length,
  };
}

export interface FixedRateSettings {
  rate: number;
  durationSec: number;
  warmupSec: number;
  connections: number;
}

/**
 * Warm-up at the same rate, wait for its spans to be delivered, note RSS; then the measured run
 * with the scrape loop on; then wait for the final batches and note RSS again.
 */
export async function runFixedRate(
  variant: RunningVariant,
  settings: FixedRateSettings,
  progress: (line: string) => void,
): Promise<FixedRateResult> {
  const url = `${variant.app.baseUrl}/rolldice`;
  const connections = Math.min(settings.connections, settings.rate);
  if (settings.warmupSec > 0) {
    progress(
      `fixed rate: warm-up ${settings.warmupSec} s at ${settings.rate} req/s`,
    );
    await runLoad({
      url,
      connections,
      durationSec: settings.warmupSec,
      overallRate: settings.rate,
    });
  }
  const before = (await waitForDelivery(variant)).snapshot;
  const rssStartBytes = readMemory(variant.app.pid).rssBytes;

  progress(`fixed rate: ${settings.durationSec} s at ${settings.rate} req/s`);
  const rssTimelineBytes = [rssStartBytes];
  const timeline = setInterval(
    () => rssTimelineBytes.push(readMemory(variant.app.pid).rssBytes),
    10_000,
  );
  const scraping = startScrapeLoop(variant.app.baseUrl);
  let load;
  try {
    load = await runLoad({
      url,
      connections,
      durationSec: settings.durationSec,
      overallRate: settings.rate,
    });
  } finally {
    clearInterval(timeline);
    await scraping.stop();
  }
  rssTimelineBytes.push(readMemory(variant.app.pid).rssBytes);

  const { snapshot: after, waitedMs: flushWaitMs } = await waitForDelivery(
    variant,
    30_000,
  );
  const memory = readMemory(variant.app.pid);

  return {
    targetRate: settings.rate,
    durationSec: settings.durationSec,
    achievedRate: load.requests / load.durationSec,
    failures: load.failures,
    latency: summariseLatencies(load.latenciesMs),
    spans: spanDelta(before, after),
    rssTimelineBytes,
    flushWaitMs,
    rssStartBytes,
    rssEndBytes: memory.rssBytes,
    peakRssBytes: memory.peakRssBytes,
  };
}
