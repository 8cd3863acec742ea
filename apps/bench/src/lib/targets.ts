/**
 * The issue's goals, evaluated against a run. Pure. These are reported as met / not met — they
 * are goals for the library, not assertions that fail the benchmark.
 */
import { formatChange, formatMs, formatNumber, formatPercent, formatRatio, NOT_APPLICABLE } from './format.js';
import type { FixedRateResult, VariantSummary } from './results.js';

export interface TargetInputs {
  off: VariantSummary | undefined;
  on: VariantSummary | undefined;
  down: VariantSummary | undefined;
  /** 10 % head sampling (parentbased_traceidratio 0.1). */
  sampled?: VariantSummary | undefined;
  /** The peer with the highest throughput (telemetry-cost.ts fastestPeer). */
  peer?: VariantSummary | undefined;
  fixedRate: FixedRateResult | undefined;
}

export interface TargetResult {
  goal: string;
  actual: string;
  /** undefined: not measured in this run (e.g. --skip-fixed-rate). */
  met: boolean | undefined;
}

/** Issue 12's goals (sampled, fully on, against the peer) and the ones kept from before. */
export const THRESHOLDS = {
  sampledOffThroughput: 0.8,
  onOffThroughput: 0.5,
  onOffCpu: 2,
  onOffP99: 3,
  onPeerThroughput: 2,
  delivered: 1,
  rssGrowth: 0.1,
  downOnThroughput: 0.95,
} as const;

export function evaluateTargets({ off, on, down, sampled, peer, fixedRate }: TargetInputs): TargetResult[] {
  const results: TargetResult[] = [];
  const ratio = (a: VariantSummary | undefined, b: VariantSummary | undefined) =>
    a && b ? a.reqPerSec / b.reqPerSec : undefined;
  const atLeast = (goal: string, value: number | undefined, threshold: number): TargetResult => ({
    goal,
    actual: formatRatio(value),
    met: value === undefined ? undefined : value >= threshold,
  });

  results.push(
    atLeast(
      `10 % sampled (ratio10)/off throughput ≥ ${THRESHOLDS.sampledOffThroughput.toFixed(2)}`,
      ratio(sampled, off),
      THRESHOLDS.sampledOffThroughput,
    ),
    atLeast(`on/off throughput ≥ ${THRESHOLDS.onOffThroughput.toFixed(2)}`, ratio(on, off), THRESHOLDS.onOffThroughput),
  );

  const cpuRatio = on && off ? on.cpuMsPerKiloRequest / off.cpuMsPerKiloRequest : undefined;
  results.push({
    goal: `on CPU per request ≤ ${THRESHOLDS.onOffCpu}× off`,
    actual:
      on && off && cpuRatio !== undefined
        ? `${formatNumber(on.cpuMsPerKiloRequest, 1)} vs ${formatNumber(off.cpuMsPerKiloRequest, 1)} µs (${formatRatio(cpuRatio)})`
        : NOT_APPLICABLE,
    met: cpuRatio === undefined ? undefined : cpuRatio <= THRESHOLDS.onOffCpu,
  });

  const p99Ratio = on && off ? on.latency.p99 / off.latency.p99 : undefined;
  results.push({
    goal: `on p99 ≤ ${THRESHOLDS.onOffP99}× off p99`,
    actual:
      on && off && p99Ratio !== undefined
        ? `${formatMs(on.latency.p99)} vs ${formatMs(off.latency.p99)} (${formatRatio(p99Ratio)})`
        : NOT_APPLICABLE,
    met: p99Ratio === undefined ? undefined : p99Ratio <= THRESHOLDS.onOffP99,
  });

  results.push(
    atLeast(
      `on/best peer throughput ≥ ${THRESHOLDS.onPeerThroughput.toFixed(2)} (the fastest peer${peer ? `: ${peer.id}` : ''})`,
      ratio(on, peer),
      THRESHOLDS.onPeerThroughput,
    ),
  );

  const delivery = fixedRate ? deliveryRatio(fixedRate.spans.sampled, fixedRate.spans.received) : undefined;
  results.push({
    goal: `100 % of spans delivered at ${fixedRate ? fixedRate.targetRate.toLocaleString('en-US') : 'the fixed'} req/s`,
    actual: fixedRate
      ? `${formatNumber(fixedRate.spans.received ?? 0)} of ${formatNumber(fixedRate.spans.sampled)} (${formatPercent(delivery, 3)})`
      : NOT_APPLICABLE,
    met: fixedRate ? fixedRate.spans.sampled > 0 && (fixedRate.spans.received ?? 0) >= fixedRate.spans.sampled : undefined,
  });

  const growth = fixedRate ? fixedRate.rssEndBytes / fixedRate.rssStartBytes - 1 : undefined;
  results.push({
    goal: `RSS at end of the fixed-rate run within ${THRESHOLDS.rssGrowth * 100} % of RSS after warm-up`,
    actual: growth === undefined ? NOT_APPLICABLE : formatChange(growth),
    met: growth === undefined ? undefined : Math.abs(growth) <= THRESHOLDS.rssGrowth,
  });

  const downOn = down && on ? down.reqPerSec / on.reqPerSec : undefined;
  results.push({
    goal: `collector down: throughput ≥ ${THRESHOLDS.downOnThroughput.toFixed(2)}× on`,
    actual: formatRatio(downOn),
    met: downOn === undefined ? undefined : downOn >= THRESHOLDS.downOnThroughput,
  });

  // "Bounded" = no growth while the outage goes on: from the first measured round (heap sized to
  // the load) to the last. Growth since warm-up is shown too, since a short warm-up at full load
  // ends before V8 has grown its young generation to the allocation rate.
  const downGrowth = down ? down.rssEndBytes / down.rssAfterFirstRoundBytes - 1 : undefined;
  const downSinceWarmup = down ? down.rssEndBytes / down.rssAfterWarmupBytes - 1 : undefined;
  results.push({
    goal: `collector down: memory bounded (RSS after the last round within ${THRESHOLDS.rssGrowth * 100} % of RSS after the first)`,
    actual:
      downGrowth === undefined
        ? NOT_APPLICABLE
        : `${formatChange(downGrowth)} (${formatChange(downSinceWarmup)} since warm-up)`,
    met: downGrowth === undefined ? undefined : downGrowth <= THRESHOLDS.rssGrowth,
  });

  return results;
}

/** received/sampled; a run that sampled nothing delivered nothing worth a ratio. */
export function deliveryRatio(sampled: number, received: number | undefined): number | undefined {
  if (sampled <= 0 || received === undefined) return undefined;
  return received / sampled;
}

export function metLabel(met: boolean | undefined): string {
  if (met === undefined) return 'not measured';
  return met ? 'met' : 'NOT met';
}
