import { formatReport, ratioPairs, type ReportInput } from './report.js';
import type { RoundMeasurement, VariantSummary } from './results.js';
import { summariseVariant } from './results.js';
import { evaluateTargets } from './targets.js';

function round(variantId: string, r: number, requests: number, spans?: RoundMeasurement['spans']): RoundMeasurement {
  return {
    round: r,
    variantId,
    durationSec: 10,
    requests,
    failures: 0,
    latenciesMs: new Float64Array([1, 1, 2, 10]),
    cpuSeconds: 9,
    receiverCpuSeconds: spans?.received === undefined ? undefined : 1,
    benchCpuSeconds: 4,
    rssAfterBytes: 90 * 1024 * 1024,
    maxRssBytes: 80 * 1024 * 1024,
    foreignCpuSeconds: 5,
    spans,
  };
}

const spans = { created: 4000, sampled: 4000, received: 4000, droppedQueueFull: 0, exportFailed: 0, exporting: true, appCounters: true, pipelineCounters: true };
const downSpans = { created: 4000, sampled: 4000, received: undefined, droppedQueueFull: 1000, exportFailed: 3000, exporting: true, appCounters: true, pipelineCounters: true };
const noExporter = { created: 4000, sampled: 4000, received: 0, droppedQueueFull: 0, exportFailed: 0, exporting: false, appCounters: true, pipelineCounters: true };
const peerSpans = { created: 0, sampled: 0, received: 20_000, droppedQueueFull: 0, exportFailed: 0, exporting: true, appCounters: false, pipelineCounters: false };
const rounds = [
  round('limit', 0, 100_000),
  round('off', 0, 50_000),
  round('on', 0, 40_000, spans),
  round('down', 0, 41_000, downSpans),
  round('off', 1, 60_000),
  round('on', 1, 45_000, spans),
  round('down', 1, 40_000, downSpans),
  round('limit', 1, 120_000),
  round('none', 0, 60_000, noExporter),
  round('none', 1, 60_000, noExporter),
  round('peer', 0, 10_000, peerSpans),
  round('peer', 1, 10_000, peerSpans),
];
const memory = { rssAfterWarmupBytes: 100 * 1024 * 1024, rssEndBytes: 101 * 1024 * 1024, peakRssBytes: 110 * 1024 * 1024 };
const variants: VariantSummary[] = ['limit', 'off', 'on', 'down', 'none', 'peer'].map((id) =>
  summariseVariant({ id, label: `${id} label` }, rounds, memory),
);
const byId = (id: string) => variants.find((v) => v.id === id);

const input: ReportInput = {
  machine: {
    date: '2026-01-01T00:00:00Z',
    cpus: 2,
    cpuModel: 'Test CPU',
    memoryBytes: 4 * 1024 ** 3,
    nodeVersion: 'v24.0.0',
    kernel: '6.1.0',
    loadAverageStart: [1, 2, 3],
    loadAverageEnd: [0.5, 1, 1.5],
    code: 'abc1234 (libs/telemetry, apps/dice-api: clean)',
  },
  settings: { rounds: 2, durationSec: 10, warmupSec: 5, connections: 10 },
  variants,
  rounds,
  scrape: { scrapes: 200, failures: 0, latency: { count: 200, p50: 1.5, p99: 4, max: 5, mean: 2 }, bodyBytes: 10_240, seriesCount: 42 },
  fixedRate: undefined,
  targets: evaluateTargets({ off: byId('off'), on: byId('on'), down: byId('down'), peer: byId('peer'), fixedRate: undefined }),
  notes: ['The machine was shared.'],
};

describe('formatReport', () => {
  const text = formatReport(input);

  it('states the machine, the load and the notes', () => {
    expect(text).toContain('# dice-api telemetry overhead — 2026-01-01T00:00:00Z');
    expect(text).toContain('Machine: 2 × Test CPU, 4096.0 MiB RAM, Linux 6.1.0, Node v24.0.0.');
    expect(text).toContain('Code: abc1234 (libs/telemetry, apps/dice-api: clean).');
    expect(text).toContain('10 keep-alive connections');
    expect(text).toContain('> The machine was shared.');
  });

  it('has one line per variant with throughput range and memory', () => {
    expect(text).toMatch(/\| on label +\| +4,250 \| +4,000–4,500 \|/);
    expect(text).toMatch(/\| limit label +\| +11,000 \|/);
  });

  it('shows spans only for SDK-on variants, with "nothing listening" for the dead collector', () => {
    expect(text).toMatch(/\| on +\| +8,000 \| +8,000 \| +8,000 \| +0\.09 \| +100\.00 % \| +0 \| +0 \| +2\.0 \|/);
    expect(text).toMatch(/\| down +\| +8,000 \| +8,000 \| nothing listening \| +– \| +– \| +2,000 \| +6,000 \| +– \|/);
    expect(text).toMatch(/\| none +\| +8,000 \| +8,000 \| +no exporter \| +0\.00 \| +– \| +0 \| +0 \| +2\.0 \|/);
    // the getting-started setup: only the receiver's count is known
    expect(text).toMatch(/\| peer +\| +– \| +– \| +40,000 \| +2\.00 \| +– \| +– \| +– \| +2\.0 \|/);
    const spanSection = text.slice(text.indexOf('## Spans'), text.indexOf('## Ratios'));
    expect(spanSection).toContain('| on ');
    expect(spanSection).not.toContain('| off ');
    expect(spanSection).not.toContain('| limit ');
  });

  it('computes ratios from means and per-round pairs', () => {
    // on/off: 4,250 / 5,500; rounds: 0.80 and 0.75.
    expect(text).toMatch(/\| on\/off +\| +0\.77× \| 0\.75×–0\.80× \(median 0\.78×\) \|/);
    // down/on: 40,500 / 42,500.
    expect(text).toMatch(/\| down\/on +\| +0\.95× \|/);
  });

  it('lists the targets with their status and the raw rounds', () => {
    expect(text).toMatch(/on\/off throughput ≥ 0\.50 +\| 0\.77× +\| met/);
    expect(text).toMatch(/on\/best peer throughput ≥ 2\.00 \(the fastest peer: peer\) +\| 4\.25× +\| met/);
    expect(text).toMatch(/10 % sampled \(ratio10\)\/off throughput ≥ 0\.80 +\| – +\| not measured/);
    expect(text).toMatch(/100 % of spans delivered.*\| not measured/);
    expect(text).toMatch(/\| +2 \| limit +\| +12,000 \| +9\.76 ms \| +9\.00 \| +4\.00 \| +0\.50 \| +90\.0 MiB \|/);
    expect(text).toContain('## /metrics scrape');
    expect(text).not.toContain('## Sustained');
  });
});

describe('ratioPairs', () => {
  it('adds extra variants against "on" and skips pairs whose variants are missing', () => {
    expect(ratioPairs(['limit', 'off', 'on', 'down', 'gzip'])).toEqual([
      ['on', 'off'],
      ['on', 'limit'],
      ['off', 'limit'],
      ['down', 'on'],
      ['gzip', 'on'],
    ]);
    expect(ratioPairs(['off', 'on', 'ratio10', 'peer'])).toEqual([
      ['on', 'off'],
      ['ratio10', 'off'],
      ['on', 'peer'],
      ['peer', 'off'],
      ['ratio10', 'on'],
    ]);
    expect(ratioPairs(['off', 'on', 'peer', 'peer-off', 'dd', 'dd-off'])).toEqual([
      ['on', 'off'],
      ['on', 'dd'],
      ['on', 'peer'],
      ['dd', 'dd-off'],
      ['peer', 'peer-off'],
      ['peer', 'off'],
      ['dd-off', 'off'],
      ['peer-off', 'off'],
    ]);
    expect(ratioPairs(['on', 'off'])).toEqual([['on', 'off']]);
  });

  it('sets the --baseline build against "on" (the gain) and against "off" (its own on/off)', () => {
    expect(ratioPairs(['off', 'on', 'baseline'])).toEqual([
      ['on', 'off'],
      ['baseline', 'on'],
      ['baseline', 'off'],
    ]);
  });
});

describe('formatReport with peers and the floor', () => {
  const ddSpans = { created: 25_000, sampled: 25_000, received: 25_000, droppedQueueFull: 0, exportFailed: 0, exporting: true, appCounters: true, pipelineCounters: false };
  const peerRounds = [
    ...rounds,
    round('dd', 0, 5_000, ddSpans),
    round('dd', 1, 5_000, ddSpans),
    round('dd-off', 0, 30_000),
    round('dd-off', 1, 30_000),
  ];
  const families: Record<string, { family: 'ours' | 'peer' | 'none'; offId?: string }> = {
    on: { family: 'ours', offId: 'off' },
    dd: { family: 'peer', offId: 'dd-off' },
  };
  const summaries = ['off', 'on', 'dd', 'dd-off'].map((id) =>
    summariseVariant({ id, label: `${id} label`, ...(families[id] ?? { family: 'none' }) }, peerRounds, memory),
  );
  const text = formatReport({
    ...input,
    variants: summaries,
    rounds: peerRounds,
    floor: [{ round: 0, requestUs: 4, request10Us: 1 }, { round: 1, requestUs: 6, request10Us: 1 }],
    agentNotes: ['Stand-in Datadog agent of dd: nothing else.'],
  });

  it('leads with CPU per request: telemetry against its own off, × the floor, throughput vs ours', () => {
    const section = text.slice(text.indexOf('## CPU per request'), text.indexOf('## Throughput'));
    // every round 9 CPU-s; on 40,000 + 45,000 requests, off 50,000 + 60,000: per round 225 − 180
    // and 200 − 150 µs; dd 5,000 + 5,000, dd-off 30,000 + 30,000; floor median 5 µs
    expect(section).toMatch(/\| on label +\| +0\.09 \| +211\.8 \| +off: 163\.6 \| +48\.1 \| +45\.0–47\.5–50\.0 \| +9\.63× \| +4,250 \| +1\.00× \|/);
    expect(section).toMatch(/\| dd label +\| +5\.00 \| +1,800\.0 \| +dd-off: 300\.0 \| +1,500\.0 \| +1,500\.0–1,500\.0–1,500\.0 \| +300\.00× \| +500 \| +0\.12× \|/);
    expect(section).toMatch(/\| floor: .* \| +3\.00 \| +5\.0 \| +– \| +5\.0 \| +4\.0–5\.0–6\.0 \| +– \| +– \| +– \|/);
    expect(section).toContain('**Ours (on): 211.8 µs CPU per request, 48.1 µs of it telemetry.** Best peer (dd, least telemetry CPU)');
  });

  it("shows dd-trace's finished and received spans, not its pipeline counters, and the agent's note", () => {
    expect(text).toMatch(/\| dd +\| +50,000 \| +50,000 \| +50,000 \| +5\.00 \| +100\.00 % \| +– \| +– \| +2\.0 \|/);
    expect(text).toContain('Stand-in Datadog agent of dd: nothing else.');
  });
});
