/**
 * What a benchmark run measures, and how rounds add up to one line per variant. Pure.
 */
import { concatSamples, mean, summariseLatencies, type LatencySummary } from './stats.js';

/** Spans over a measured interval (counter deltas), for variants whose SDK is on. */
export interface SpanCounts {
  /** otel_sdk_span_started_total delta, from the app's own /metrics. */
  created: number;
  /** Of those, the ones the sampler kept: what should reach the collector. */
  sampled: number;
  /** Spans the OTLP receiver got; undefined when nothing was listening (collector down). */
  received: number | undefined;
  /** Dropped by the batch processor because its queue was full. */
  droppedQueueFull: number;
  /** In batches the exporter gave up on. */
  exportFailed: number;
  /** False when the app has no batch processor at all (OTEL_TRACES_EXPORTER=none). */
  exporting: boolean;
  /**
   * False when the app publishes no span self-metrics (the getting-started "peer"): then only
   * `received` is measured, and created/sampled/dropped/failed are 0 for want of a source.
   */
  appCounters: boolean;
  /**
   * Whether dropped/failed are measured (the OTel SDK's processor counters). dd-trace's count
   * is of finished spans only: created and sampled are known, dropped and failed are not.
   */
  pipelineCounters: boolean;
}

/** One variant under load for one round. */
export interface RoundMeasurement {
  round: number;
  variantId: string;
  durationSec: number;
  /** Completed requests (any status). */
  requests: number;
  /** Connection errors + timeouts + non-2xx responses: should be 0, shown when not. */
  failures: number;
  /** Every response's latency in ms, as autocannon timed it. */
  latenciesMs: Float64Array;
  /** user+system CPU of the app process during the round. */
  cpuSeconds: number;
  /** CPU of the OTLP receiver during the round (it shares the machine). */
  receiverCpuSeconds: number | undefined;
  /** CPU of the bench process (autocannon, scraper): near 1 s per second = the load generator is the limit. */
  benchCpuSeconds: number;
  /** Highest VmRSS sampled during the round. */
  maxRssBytes: number;
  /** VmRSS when the round's load stopped: round after round, a leak climbs and a warm heap levels off. */
  rssAfterBytes: number;
  /** Machine-wide busy CPU seconds NOT used by the app, receiver or bench: other tenants. */
  foreignCpuSeconds: number;
  spans: SpanCounts | undefined;
}

export interface MemoryMarks {
  /** VmRSS once warm-up was over (and, for exporting variants, its spans delivered). */
  rssAfterWarmupBytes: number;
  /** VmRSS after the last round. */
  rssEndBytes: number;
  /** VmHWM at the end: the highest RSS the process ever had. */
  peakRssBytes: number;
}

export interface VariantSummary extends MemoryMarks {
  id: string;
  label: string;
  /** The variant that is this one's app with its telemetry off (see VariantSpec.offId). */
  offId?: string;
  /** Whose telemetry: the library's, a peer's, or none. */
  family?: 'ours' | 'peer' | 'none';
  rounds: number;
  /** Mean of the rounds' req/s (rounds have equal length, so this is total/duration too). */
  reqPerSec: number;
  reqPerSecMin: number;
  reqPerSecMax: number;
  requests: number;
  failures: number;
  /** Over all rounds' responses pooled. */
  latency: LatencySummary;
  cpuSeconds: number;
  /** CPU milliseconds per 1,000 requests: cost per unit of work, independent of throughput. */
  cpuMsPerKiloRequest: number;
  receiverCpuSeconds: number | undefined;
  foreignCpuSeconds: number;
  spans: SpanCounts | undefined;
  /** VmRSS after the variant's first measured round: the heap has sized itself to the load by then. */
  rssAfterFirstRoundBytes: number;
}

export function summariseVariant(
  variant: { id: string; label: string; offId?: string; family?: 'ours' | 'peer' | 'none' },
  rounds: readonly RoundMeasurement[],
  memory: MemoryMarks,
): VariantSummary {
  const mine = rounds.filter((r) => r.variantId === variant.id).sort((a, b) => a.round - b.round);
  if (mine.length === 0) throw new Error(`no rounds were measured for variant ${variant.id}`);
  const rates = mine.map((r) => r.requests / r.durationSec);
  const requests = sum(mine.map((r) => r.requests));
  const cpuSeconds = sum(mine.map((r) => r.cpuSeconds));
  const receiverCpu = mine.map((r) => r.receiverCpuSeconds);
  return {
    id: variant.id,
    label: variant.label,
    ...(variant.offId === undefined ? {} : { offId: variant.offId }),
    ...(variant.family === undefined ? {} : { family: variant.family }),
    rounds: mine.length,
    reqPerSec: mean(rates),
    reqPerSecMin: Math.min(...rates),
    reqPerSecMax: Math.max(...rates),
    requests,
    failures: sum(mine.map((r) => r.failures)),
    latency: summariseLatencies(concatSamples(mine.map((r) => r.latenciesMs))),
    cpuSeconds,
    cpuMsPerKiloRequest: requests > 0 ? (cpuSeconds * 1000 * 1000) / requests : Number.NaN,
    receiverCpuSeconds: receiverCpu.every((c) => c !== undefined) ? sum(receiverCpu as number[]) : undefined,
    foreignCpuSeconds: sum(mine.map((r) => r.foreignCpuSeconds)),
    spans: sumSpans(mine.map((r) => r.spans)),
    rssAfterFirstRoundBytes: (mine[0] as RoundMeasurement).rssAfterBytes,
    ...memory,
  };
}

/** Adds per-round span counts; undefined when the variant never had any (SDK off). */
export function sumSpans(parts: readonly (SpanCounts | undefined)[]): SpanCounts | undefined {
  const present = parts.filter((p): p is SpanCounts => p !== undefined);
  if (present.length === 0) return undefined;
  const received = present.map((p) => p.received);
  return {
    created: sum(present.map((p) => p.created)),
    sampled: sum(present.map((p) => p.sampled)),
    received: received.every((r) => r !== undefined) ? sum(received as number[]) : undefined,
    droppedQueueFull: sum(present.map((p) => p.droppedQueueFull)),
    exportFailed: sum(present.map((p) => p.exportFailed)),
    exporting: present.every((p) => p.exporting),
    appCounters: present.every((p) => p.appCounters),
    pipelineCounters: present.every((p) => p.pipelineCounters),
  };
}

/**
 * Per-round ratio of two variants' throughput (e.g. on/off in the same round). Rounds are
 * interleaved, so a paired ratio cancels drift that happened between rounds.
 */
export function pairedRatios(rounds: readonly RoundMeasurement[], numeratorId: string, denominatorId: string): number[] {
  const rate = (id: string, round: number) => {
    const r = rounds.find((m) => m.variantId === id && m.round === round);
    return r ? r.requests / r.durationSec : undefined;
  };
  const roundNumbers = [...new Set(rounds.map((r) => r.round))].sort((a, b) => a - b);
  const ratios: number[] = [];
  for (const round of roundNumbers) {
    const numerator = rate(numeratorId, round);
    const denominator = rate(denominatorId, round);
    if (numerator !== undefined && denominator !== undefined && denominator > 0) ratios.push(numerator / denominator);
  }
  return ratios;
}

/** Sustained-rate run of the fully-on variant with the receiver up. */
export interface FixedRateResult {
  targetRate: number;
  durationSec: number;
  achievedRate: number;
  failures: number;
  latency: LatencySummary;
  spans: SpanCounts;
  /** VmRSS sampled every 10 s from the start of the measured run, and once more at its end. */
  rssTimelineBytes: number[];
  /** How long the final wait for the last batches took. */
  flushWaitMs: number;
  rssStartBytes: number;
  rssEndBytes: number;
  peakRssBytes: number;
}

/** Sequential /metrics scrapes of the warm "on" app. */
export interface ScrapeResult {
  scrapes: number;
  failures: number;
  latency: LatencySummary;
  bodyBytes: number;
  seriesCount: number;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
