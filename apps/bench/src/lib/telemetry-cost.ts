/**
 * The report's headline: CPU per request, and what the telemetry costs — each instrumented
 * variant's CPU per request minus that of its own app with the telemetry off (ours: dice-api
 * with OTEL_SDK_DISABLED; each peer: the peer app with its tracer not started) — set against
 * the best peer and against the floor (the same telemetry done the cheapest correct way, a
 * microbenchmark measured in the same rounds). Pure.
 */
import type { RoundMeasurement, VariantSummary } from './results.js';
import { percentile } from './stats.js';

/** The floor's CPU per request in one round: fully sampled and at 10 %. */
export interface FloorRound {
  round: number;
  /** µs per request, every trace sampled. */
  requestUs: number;
  /** µs per request, 10 % of traces sampled. */
  request10Us: number;
}

export interface CostRow {
  id: string;
  label: string;
  family: 'ours' | 'peer' | 'floor';
  /** CPU µs per request of the whole app (for the floor: of its telemetry, all it does). */
  cpuUs: number;
  offId: string | undefined;
  offCpuUs: number | undefined;
  /** cpuUs − offCpuUs, pooled over the rounds; for the floor, its cpuUs. */
  telemetryUs: number | undefined;
  /** The same per round (that round's on minus that round's off): min, median, max. */
  telemetryUsPerRound: { min: number; median: number; max: number } | undefined;
  /** The floor this row is held against (request or request-10), µs. */
  floorUs: number | undefined;
  spansPerRequest: number | undefined;
  reqPerSec: number | undefined;
  /** reqPerSec / ours ("on") reqPerSec. */
  throughputVsOurs: number | undefined;
}

export interface TelemetryCost {
  rows: CostRow[];
  /** Ours fully on ("on"). */
  ours: CostRow | undefined;
  /** The peer whose telemetry costs the least CPU per request. */
  bestPeer: CostRow | undefined;
  /** The floor, fully sampled. */
  floor: CostRow | undefined;
}

/** Variants held against the floor at 10 % sampling rather than fully sampled. */
const SAMPLED_10_IDS = new Set(['ratio10']);

export function telemetryCost(
  variants: readonly VariantSummary[],
  rounds: readonly RoundMeasurement[],
  floorRounds: readonly FloorRound[] = [],
): TelemetryCost {
  const byId = new Map(variants.map((v) => [v.id, v]));
  const on = byId.get('on');
  const floorUs = floorRounds.length ? percentile(floorRounds.map((f) => f.requestUs), 50) : undefined;
  const floor10Us = floorRounds.length ? percentile(floorRounds.map((f) => f.request10Us), 50) : undefined;

  const instrumented = variants.filter(
    (v): v is VariantSummary & { family: 'ours' | 'peer' } => v.family === 'ours' || v.family === 'peer',
  );
  const rows: CostRow[] = instrumented.map((v) => {
    const off = v.offId === undefined ? undefined : byId.get(v.offId);
    const perRound = off ? pairedDifferences(rounds, v.id, off.id) : [];
    const spans = v.spans;
    const spanCount = spans?.received ?? (spans?.appCounters ? spans.created : undefined);
    return {
      id: v.id,
      label: v.label,
      family: v.family,
      cpuUs: v.cpuMsPerKiloRequest,
      offId: v.offId,
      offCpuUs: off?.cpuMsPerKiloRequest,
      telemetryUs: off ? v.cpuMsPerKiloRequest - off.cpuMsPerKiloRequest : undefined,
      telemetryUsPerRound: perRound.length
        ? { min: Math.min(...perRound), median: percentile(perRound, 50), max: Math.max(...perRound) }
        : undefined,
      floorUs: SAMPLED_10_IDS.has(v.id) ? floor10Us : floorUs,
      spansPerRequest: spanCount === undefined || v.requests === 0 ? undefined : spanCount / v.requests,
      reqPerSec: v.reqPerSec,
      throughputVsOurs: on ? v.reqPerSec / on.reqPerSec : undefined,
    };
  });
  // ours first ("on" leading), then the peers from the cheapest telemetry up
  rows.sort((a, b) => {
    if (a.family !== b.family) return a.family === 'ours' ? -1 : 1;
    if (a.family === 'ours') return (a.id === 'on' ? 0 : 1) - (b.id === 'on' ? 0 : 1);
    return (a.telemetryUs ?? Infinity) - (b.telemetryUs ?? Infinity);
  });
  const floorRows: CostRow[] = [];
  if (floorUs !== undefined && floor10Us !== undefined) {
    floorRows.push(floorRow('floor', 'floor: 3 compact spans, 3 contexts, 3 metric records, OTLP encoding', floorUs, floorRounds.map((f) => f.requestUs)));
    floorRows.push(floorRow('floor10', 'floor at 10 % sampling', floor10Us, floorRounds.map((f) => f.request10Us)));
  }
  const peers = rows.filter((r) => r.family === 'peer' && r.telemetryUs !== undefined);
  return {
    rows: [...rows, ...floorRows],
    ours: rows.find((r) => r.id === 'on'),
    bestPeer: peers[0],
    floor: floorRows[0],
  };
}

function floorRow(id: string, label: string, us: number, perRound: number[]): CostRow {
  return {
    id,
    label,
    family: 'floor',
    cpuUs: us,
    offId: undefined,
    offCpuUs: undefined,
    telemetryUs: us,
    telemetryUsPerRound: { min: Math.min(...perRound), median: percentile(perRound, 50), max: Math.max(...perRound) },
    floorUs: us,
    spansPerRequest: id === 'floor' ? 3 : 0.3,
    reqPerSec: undefined,
    throughputVsOurs: undefined,
  };
}

/** Per round: CPU µs per request of `id` minus that of `offId`, for rounds where both ran. */
export function pairedDifferences(rounds: readonly RoundMeasurement[], id: string, offId: string): number[] {
  const usPerRequest = (variant: string, round: number) => {
    const r = rounds.find((m) => m.variantId === variant && m.round === round);
    return r && r.requests > 0 ? (r.cpuSeconds * 1e6) / r.requests : undefined;
  };
  const result: number[] = [];
  for (const round of [...new Set(rounds.map((r) => r.round))].sort((a, b) => a - b)) {
    const a = usPerRequest(id, round);
    const b = usPerRequest(offId, round);
    if (a !== undefined && b !== undefined) result.push(a - b);
  }
  return result;
}

/** The peer with the highest throughput: the one the "≥ 2× the best peer" target is held against. */
export function fastestPeer(variants: readonly VariantSummary[]): VariantSummary | undefined {
  return variants
    .filter((v) => v.family === 'peer')
    .reduce<VariantSummary | undefined>((best, v) => (best === undefined || v.reqPerSec > best.reqPerSec ? v : best), undefined);
}
