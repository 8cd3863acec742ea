import { pairedRatios, summariseVariant, sumSpans, type RoundMeasurement } from './results.js';

function round(variantId: string, roundNo: number, requests: number, extra: Partial<RoundMeasurement> = {}): RoundMeasurement {
  return {
    round: roundNo,
    variantId,
    durationSec: 10,
    requests,
    failures: 0,
    latenciesMs: new Float64Array([1, 2, 3, 4]),
    cpuSeconds: 5,
    receiverCpuSeconds: undefined,
    benchCpuSeconds: 4,
    rssAfterBytes: 90 * 1024 * 1024,
    maxRssBytes: 100,
    foreignCpuSeconds: 0.5,
    spans: undefined,
    ...extra,
  };
}

const memory = { rssAfterWarmupBytes: 90, rssEndBytes: 95, peakRssBytes: 120 };

describe('summariseVariant', () => {
  it('averages round rates, pools latencies and normalises CPU per 1,000 requests', () => {
    const rounds = [round('on', 0, 10_000), round('off', 0, 99_999), round('on', 1, 20_000, { failures: 2 })];
    const summary = summariseVariant({ id: 'on', label: 'SDK on' }, rounds, memory);
    expect(summary).toMatchObject({
      id: 'on',
      label: 'SDK on',
      rounds: 2,
      reqPerSec: 1500,
      reqPerSecMin: 1000,
      reqPerSecMax: 2000,
      requests: 30_000,
      failures: 2,
      cpuSeconds: 10,
      foreignCpuSeconds: 1,
      receiverCpuSeconds: undefined,
      spans: undefined,
      rssAfterFirstRoundBytes: 90 * 1024 * 1024,
      ...memory,
    });
    expect(summary.cpuMsPerKiloRequest).toBeCloseTo((10 * 1e6) / 30_000);
    expect(summary.latency.count).toBe(8);
    expect(summary.latency.p50).toBe(2.5);
  });

  it('adds span counts and receiver CPU when every round has them', () => {
    const spans = { created: 40, sampled: 40, received: 40, droppedQueueFull: 0, exportFailed: 0, exporting: true, appCounters: true, pipelineCounters: true };
    const rounds = [
      round('on', 0, 10, { spans, receiverCpuSeconds: 1 }),
      round('on', 1, 10, { spans: { ...spans, received: 39, droppedQueueFull: 1 }, receiverCpuSeconds: 2 }),
    ];
    const summary = summariseVariant({ id: 'on', label: 'on' }, rounds, memory);
    expect(summary.spans).toEqual({ created: 80, sampled: 80, received: 79, droppedQueueFull: 1, exportFailed: 0, exporting: true, appCounters: true, pipelineCounters: true });
    expect(summary.receiverCpuSeconds).toBe(3);
  });

  it('takes the RSS after the earliest round as "after the first round", whatever the input order', () => {
    const rounds = [
      round('on', 2, 10, { rssAfterBytes: 300 }),
      round('on', 0, 10, { rssAfterBytes: 100 }),
      round('on', 1, 10, { rssAfterBytes: 200 }),
    ];
    expect(summariseVariant({ id: 'on', label: 'on' }, rounds, memory).rssAfterFirstRoundBytes).toBe(100);
  });

  it('refuses a variant without rounds', () => {
    expect(() => summariseVariant({ id: 'x', label: 'x' }, [round('on', 0, 1)], memory)).toThrow(/no rounds.*x/);
  });
});

describe('sumSpans', () => {
  it('keeps "received" unknown when any part had no receiver', () => {
    expect(
      sumSpans([
        { created: 1, sampled: 1, received: undefined, droppedQueueFull: 1, exportFailed: 0, exporting: true, appCounters: true, pipelineCounters: true },
        { created: 2, sampled: 1, received: 2, droppedQueueFull: 0, exportFailed: 3, exporting: true, appCounters: true, pipelineCounters: true },
        undefined,
      ]),
    ).toEqual({
      created: 3,
      sampled: 2,
      received: undefined,
      droppedQueueFull: 1,
      exportFailed: 3,
      exporting: true,
      appCounters: true, pipelineCounters: true,
    });
    expect(sumSpans([undefined])).toBeUndefined();
  });
});

describe('pairedRatios', () => {
  it('divides within the same round and skips incomplete rounds', () => {
    const rounds = [
      round('on', 0, 800),
      round('off', 0, 1000),
      round('off', 1, 2000),
      round('on', 1, 1000),
      round('on', 2, 5),
    ];
    expect(pairedRatios(rounds, 'on', 'off')).toEqual([0.8, 0.5]);
  });
});
