import { headline } from './report.js';
import { summariseVariant, type RoundMeasurement, type SpanCounts } from './results.js';
import { fastestPeer, pairedDifferences, telemetryCost } from './telemetry-cost.js';

/** A round where the app used `cpuUsPerRequest` µs of CPU for each of `requests` requests. */
function round(variantId: string, r: number, requests: number, cpuUsPerRequest: number, spans?: SpanCounts): RoundMeasurement {
  return {
    round: r,
    variantId,
    durationSec: 10,
    requests,
    failures: 0,
    latenciesMs: new Float64Array([1]),
    cpuSeconds: (requests * cpuUsPerRequest) / 1e6,
    receiverCpuSeconds: undefined,
    benchCpuSeconds: 1,
    maxRssBytes: 1,
    rssAfterBytes: 1,
    foreignCpuSeconds: 0,
    spans,
  };
}

const received = (n: number): SpanCounts => ({
  created: n,
  sampled: n,
  received: n,
  droppedQueueFull: 0,
  exportFailed: 0,
  exporting: true,
  appCounters: true,
  pipelineCounters: true,
});

// off 100 µs; on 150 then 170 µs (telemetry 50, 70); dd 300 over dd-off 120 (180); peer 400 over 110
const rounds = [
  round('off', 0, 10_000, 100),
  round('off', 1, 10_000, 100),
  round('on', 0, 6_000, 150, received(18_000)),
  round('on', 1, 4_000, 170, received(12_000)),
  round('ratio10', 0, 8_000, 110),
  round('ratio10', 1, 8_000, 114),
  round('dd', 0, 3_000, 300, received(15_000)),
  round('dd', 1, 3_000, 300, received(15_000)),
  round('dd-off', 0, 9_000, 120),
  round('dd-off', 1, 9_000, 120),
  round('peer', 0, 2_000, 400, { ...received(11_400), appCounters: false }),
  round('peer', 1, 2_000, 400, { ...received(11_400), appCounters: false }),
  round('peer-off', 0, 9_000, 110),
  round('peer-off', 1, 9_000, 110),
  round('limit', 0, 20_000, 50),
  round('limit', 1, 20_000, 50),
];
const memory = { rssAfterWarmupBytes: 1, rssEndBytes: 1, peakRssBytes: 1 };
const spec = (id: string, family: 'ours' | 'peer' | 'none', offId?: string) => ({ id, label: `${id} label`, family, offId });
const variants = [
  spec('limit', 'none'),
  spec('off', 'none'),
  spec('on', 'ours', 'off'),
  spec('ratio10', 'ours', 'off'),
  spec('peer', 'peer', 'peer-off'),
  spec('peer-off', 'none'),
  spec('dd', 'peer', 'dd-off'),
  spec('dd-off', 'none'),
].map((s) => summariseVariant(s, rounds, memory));
const floor = [
  { round: 0, requestUs: 5, request10Us: 1 },
  { round: 1, requestUs: 7, request10Us: 3 },
];

describe('telemetryCost', () => {
  const cost = telemetryCost(variants, rounds, floor);
  const row = (id: string) => cost.rows.find((r) => r.id === id);

  it('orders ours (on first), the peers from the cheapest telemetry, then the floor', () => {
    expect(cost.rows.map((r) => r.id)).toEqual(['on', 'ratio10', 'dd', 'peer', 'floor', 'floor10']);
  });

  it('is CPU per request minus that of its own off, pooled and per round', () => {
    // on: (6000·150 + 4000·170) / 10000 = 158 µs; off 100
    expect(row('on')).toMatchObject({ cpuUs: 158, offId: 'off', offCpuUs: 100, telemetryUs: 58 });
    expect(row('on')?.telemetryUsPerRound).toEqual({ min: 50, median: 60, max: 70 });
    expect(row('dd')).toMatchObject({ cpuUs: 300, offId: 'dd-off', offCpuUs: 120, telemetryUs: 180 });
    expect(row('peer')).toMatchObject({ cpuUs: 400, offCpuUs: 110, telemetryUs: 290 });
    expect(row('ratio10')?.telemetryUs).toBeCloseTo(12, 10);
  });

  it('holds each row against the matching floor (median over rounds), 10 % sampling against the 10 % floor', () => {
    expect(row('on')?.floorUs).toBe(6);
    expect(row('ratio10')?.floorUs).toBe(2);
    expect(row('floor')).toMatchObject({ family: 'floor', cpuUs: 6, telemetryUs: 6, telemetryUsPerRound: { min: 5, median: 6, max: 7 } });
    expect(row('floor10')?.telemetryUs).toBe(2);
  });

  it('counts spans per request from the receiver, and throughput against ours', () => {
    expect(row('on')?.spansPerRequest).toBe(3);
    expect(row('dd')?.spansPerRequest).toBe(5);
    expect(row('peer')?.spansPerRequest).toBeCloseTo(5.7, 10);
    // on: 600 and 400 req/s (mean 500); dd 300 req/s
    expect(row('on')?.throughputVsOurs).toBe(1);
    expect(row('dd')?.throughputVsOurs).toBeCloseTo(0.6, 10);
  });

  it('names the best peer (least telemetry CPU), ours, and the floor', () => {
    expect(cost.ours?.id).toBe('on');
    expect(cost.bestPeer?.id).toBe('dd');
    expect(cost.floor?.id).toBe('floor');
  });

  it('without a floor or a peer off, leaves those parts out', () => {
    const withoutOffs = variants.filter((v) => v.id !== 'dd-off');
    const partial = telemetryCost(withoutOffs, rounds);
    expect(partial.rows.map((r) => r.id)).toEqual(['on', 'ratio10', 'peer', 'dd']);
    expect(partial.rows.find((r) => r.id === 'dd')).toMatchObject({ offCpuUs: undefined, telemetryUs: undefined });
    expect(partial.bestPeer?.id).toBe('peer');
    expect(partial.floor).toBeUndefined();
    expect(partial.rows[0]?.floorUs).toBeUndefined();
  });
});

describe('pairedDifferences', () => {
  it('pairs rounds where both variants ran', () => {
    expect(pairedDifferences(rounds, 'on', 'off')).toEqual([50, 70]);
    expect(pairedDifferences([...rounds, round('on', 2, 1_000, 200)], 'on', 'off')).toEqual([50, 70]);
    expect(pairedDifferences(rounds, 'on', 'nope')).toEqual([]);
  });
});

describe('fastestPeer', () => {
  it('is the peer with the highest throughput', () => {
    expect(fastestPeer(variants)?.id).toBe('dd');
    expect(fastestPeer(variants.filter((v) => v.family !== 'peer'))).toBeUndefined();
  });
});

describe('headline', () => {
  it('sets ours against the best peer and the floor in one sentence', () => {
    const cost = telemetryCost(variants, rounds, floor);
    expect(headline(cost.ours, cost.bestPeer, cost.floor)).toBe(
      '**Ours (on): 158.0 µs CPU per request, 58.0 µs of it telemetry.** ' +
        'Best peer (dd, least telemetry CPU): 180.0 µs — ours is 0.32× of it, at 1.67× its throughput. ' +
        'Floor: 6.00 µs — ours is 9.67× the floor (52.0 µs above it).',
    );
    expect(headline(undefined, cost.bestPeer, cost.floor)).toBeUndefined();
  });
});
