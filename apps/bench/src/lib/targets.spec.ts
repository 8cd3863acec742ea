import type { FixedRateResult, VariantSummary } from './results.js';
import { deliveryRatio, evaluateTargets, metLabel } from './targets.js';

function variant(
  id: string,
  reqPerSec: number,
  p99: number,
  rss: { after: number; end: number },
  cpuMsPerKiloRequest = 1,
): VariantSummary {
  return {
    id,
    label: id,
    rounds: 1,
    reqPerSec,
    reqPerSecMin: reqPerSec,
    reqPerSecMax: reqPerSec,
    requests: reqPerSec * 10,
    failures: 0,
    latency: { count: 10, p50: p99 / 2, p99, max: p99, mean: p99 / 2 },
    cpuSeconds: 1,
    cpuMsPerKiloRequest,
    receiverCpuSeconds: undefined,
    foreignCpuSeconds: 0,
    spans: undefined,
    rssAfterFirstRoundBytes: rss.after,
    rssAfterWarmupBytes: rss.after,
    rssEndBytes: rss.end,
    peakRssBytes: rss.end,
  };
}

function fixed(created: number, received: number | undefined, rssStart: number, rssEnd: number): FixedRateResult {
  return {
    targetRate: 1000,
    durationSec: 60,
    achievedRate: 1000,
    failures: 0,
    latency: { count: 1, p50: 1, p99: 1, max: 1, mean: 1 },
    spans: { created, sampled: created, received, droppedQueueFull: 0, exportFailed: 0, exporting: true, appCounters: true, pipelineCounters: true },
    rssTimelineBytes: [rssStart, rssEnd],
    flushWaitMs: 10,
    rssStartBytes: rssStart,
    rssEndBytes: rssEnd,
    peakRssBytes: rssEnd,
  };
}

describe('evaluateTargets', () => {
  it('marks each goal met when the run is inside it', () => {
    const results = evaluateTargets({
      off: variant('off', 1000, 4, { after: 100, end: 100 }, 50),
      on: variant('on', 500, 11.9, { after: 100, end: 100 }, 100),
      down: variant('down', 480, 8, { after: 100, end: 109 }),
      sampled: variant('ratio10', 800, 5, { after: 100, end: 100 }),
      peer: variant('peer', 250, 20, { after: 100, end: 100 }),
      fixedRate: fixed(240_000, 240_000, 100, 105),
    });
    expect(results.map((r) => r.met)).toEqual([true, true, true, true, true, true, true, true, true]);
    expect(results[0]).toEqual({ goal: '10 % sampled (ratio10)/off throughput ≥ 0.80', actual: '0.80×', met: true });
    expect(results[1]).toEqual({ goal: 'on/off throughput ≥ 0.50', actual: '0.50×', met: true });
    expect(results[2]?.actual).toBe('100.0 vs 50.0 µs (2.00×)');
    expect(results[3]?.actual).toBe('11.9 ms vs 4.00 ms (2.98×)');
    expect(results[4]).toEqual({ goal: 'on/best peer throughput ≥ 2.00 (the fastest peer: peer)', actual: '2.00×', met: true });
    expect(results[5]?.actual).toBe('240,000 of 240,000 (100.000 %)');
    expect(results[6]?.actual).toBe('+5.0 %');
  });

  it('marks each goal missed just outside it', () => {
    const results = evaluateTargets({
      off: variant('off', 1000, 4, { after: 100, end: 100 }, 50),
      on: variant('on', 499, 12.1, { after: 100, end: 100 }, 101),
      down: variant('down', 450, 8, { after: 100, end: 111 }),
      sampled: variant('ratio10', 799, 5, { after: 100, end: 100 }),
      peer: variant('peer', 250, 20, { after: 100, end: 100 }),
      fixedRate: fixed(240_000, 239_999, 100, 89),
    });
    expect(results.map((r) => r.met)).toEqual([false, false, false, false, false, false, false, false, false]);
    expect(results[6]?.actual).toBe('−11.0 %');
  });

  it('judges collector-down memory from the first measured round, showing growth since warm-up too', () => {
    const down = { ...variant('down', 900, 8, { after: 100, end: 160 }), rssAfterFirstRoundBytes: 150 };
    const [, , , , , , , , memory] = evaluateTargets({ off: undefined, on: undefined, down, fixedRate: undefined });
    expect(memory).toEqual({
      goal: 'collector down: memory bounded (RSS after the last round within 10 % of RSS after the first)',
      actual: '+6.7 % (+60.0 % since warm-up)',
      met: true,
    });
  });

  it('reports unmeasured goals as such instead of guessing', () => {
    const results = evaluateTargets({ off: undefined, on: undefined, down: undefined, fixedRate: undefined });
    expect(results.every((r) => r.met === undefined && r.actual === '–')).toBe(true);
    expect(metLabel(undefined)).toBe('not measured');
    expect(metLabel(true)).toBe('met');
    expect(metLabel(false)).toBe('NOT met');
  });

  it('does not count a run without spans as fully delivered', () => {
    const [, , , , , delivered] = evaluateTargets({
      off: undefined,
      on: undefined,
      down: undefined,
      fixedRate: fixed(0, 0, 100, 100),
    });
    expect(delivered?.met).toBe(false);
    expect(deliveryRatio(0, 0)).toBeUndefined();
    expect(deliveryRatio(4, 3)).toBe(0.75);
  });
});
