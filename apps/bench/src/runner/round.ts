/**
 * One measured round of one variant: closed-loop load, with /proc sampling of every process we
 * started, the /metrics scrape loop for SDK-on variants, and the span counters around it.
 */
import type { RoundMeasurement, SpanCounts } from '../lib/results.js';
import { runLoad, type LoadResult } from './load.js';
import { servesMetrics } from '../lib/variants.js';
import { startScrapeLoop } from './metrics-client.js';
import { ownCpuSeconds, readCpuSeconds, readMachineCpu, readMemory, startRssPolling } from './proc-sampler.js';
import { spanSnapshot, waitForDelivery, type RunningVariant, type SpanSnapshot } from './variant-process.js';

export interface RoundSettings {
  connections: number;
  durationSec: number;
}

/** Runs load against a variant without measuring (warm-up), scraping as in a measured round. */
export async function warmUp(variant: RunningVariant, settings: RoundSettings): Promise<LoadResult> {
  const scraping = scrapeLoopFor(variant);
  try {
    return await runLoad({ url: `${variant.app.baseUrl}/rolldice`, ...settings });
  } finally {
    await scraping?.stop();
  }
}

/** Where a variant's span counters stood after its previous round (or warm-up). */
export type SpanBaseline = Map<string, SpanSnapshot>;

export async function measureRound(
  round: number,
  variant: RunningVariant,
  settings: RoundSettings,
  allPids: () => number[],
  baseline: SpanBaseline,
  notes: string[],
): Promise<RoundMeasurement> {
  const app = variant.app.pid;
  const receiver = variant.receiver?.process.pid;
  const pids = allPids();
  const cpuBefore = new Map(pids.map((pid) => [pid, readCpuSeconds(pid)]));
  const machineBefore = readMachineCpu();
  const ownBefore = ownCpuSeconds();
  const rss = startRssPolling(app);
  const scraping = scrapeLoopFor(variant);

  let load: LoadResult;
  try {
    load = await runLoad({ url: `${variant.app.baseUrl}/rolldice`, ...settings });
  } finally {
    await scraping?.stop();
  }
  const maxRssBytes = rss.stop();
  const rssAfterBytes = readMemory(app).rssBytes;
  const cpuDelta = new Map(pids.map((pid) => [pid, readCpuSeconds(pid) - (cpuBefore.get(pid) as number)]));
  const machineDelta = readMachineCpu().busySeconds - machineBefore.busySeconds;
  const ownDelta = ownCpuSeconds() - ownBefore;
  const oursDelta = [...cpuDelta.values()].reduce((a, b) => a + b, 0) + ownDelta;

  // After the CPU readings: waiting for the last batch is not part of the round's cost.
  const spans = await roundSpans(round, variant, baseline, notes);

  return {
    round,
    variantId: variant.spec.id,
    durationSec: load.durationSec,
    requests: load.requests,
    failures: load.failures,
    latenciesMs: load.latenciesMs,
    cpuSeconds: cpuDelta.get(app) as number,
    receiverCpuSeconds: receiver === undefined ? undefined : cpuDelta.get(receiver),
    benchCpuSeconds: ownDelta,
    maxRssBytes,
    rssAfterBytes,
    foreignCpuSeconds: Math.max(0, machineDelta - oursDelta),
    spans,
  };
}

/**
 * Span counts of the round just run, as counter deltas. With a live receiver we first wait for
 * delivery, so the round's tail is exported before the next variant runs; with the collector
 * down there is nothing to wait for (failing exports retry in the background, cheaply).
 */
async function roundSpans(
  round: number,
  variant: RunningVariant,
  baseline: SpanBaseline,
  notes: string[],
): Promise<SpanCounts | undefined> {
  if (variant.spec.collector === undefined) return undefined;
  let now: SpanSnapshot;
  if (variant.spec.collector === 'up') {
    const delivery = await waitForDelivery(variant);
    if (!delivery.settled) {
      notes.push(
        `round ${round + 1}, ${variant.spec.id}: spans still not all delivered ${Math.round(delivery.waitedMs)} ms after the load stopped`,
      );
    }
    now = delivery.snapshot;
  } else {
    now = await spanSnapshot(variant);
  }
  const before = baseline.get(variant.spec.id);
  if (!before) throw new Error(`no span baseline for ${variant.spec.id}`);
  baseline.set(variant.spec.id, now);
  return spanDelta(before, now);
}

export function spanDelta(before: SpanSnapshot, after: SpanSnapshot): SpanCounts {
  return {
    created: after.started - before.started,
    sampled: after.sampled - before.sampled,
    received:
      after.received === undefined || before.received === undefined ? undefined : after.received - before.received,
    droppedQueueFull: after.droppedQueueFull - before.droppedQueueFull,
    exportFailed: after.exportFailed - before.exportFailed,
    exporting: after.source !== 'otel-sdk' || after.queueSize !== undefined,
    appCounters: after.source !== 'receiver',
    pipelineCounters: after.source === 'otel-sdk',
  };
}

/**
 * Every variant with a Prometheus page (dice-api builds, the getting-started peer with its SDK)
 * is scraped once a second, as Prometheus would; dd-trace pushes its metrics instead.
 */
function scrapeLoopFor(variant: RunningVariant): ReturnType<typeof startScrapeLoop> | undefined {
  return servesMetrics(variant.spec) ? startScrapeLoop(variant.app.baseUrl) : undefined;
}
