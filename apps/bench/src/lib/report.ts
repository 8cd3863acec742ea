/** The benchmark's Markdown report. Pure: results in, text out. */
import {
  formatChange,
  formatMiB,
  formatMs,
  formatNumber,
  formatPercent,
  formatRatio,
  markdownTable,
  NOT_APPLICABLE,
} from './format.js';
import {
  pairedRatios,
  type FixedRateResult,
  type RoundMeasurement,
  type ScrapeResult,
  type VariantSummary,
} from './results.js';
import { percentile } from './stats.js';
import { deliveryRatio, metLabel, type TargetResult } from './targets.js';
import { telemetryCost, type CostRow, type FloorRound, type TelemetryCost } from './telemetry-cost.js';

export interface MachineInfo {
  date: string;
  cpus: number;
  cpuModel: string;
  memoryBytes: number;
  nodeVersion: string;
  kernel: string;
  loadAverageStart: readonly number[];
  loadAverageEnd: readonly number[];
  /** e.g. "2acccdc (libs/telemetry, apps/dice-api: clean)"; undefined outside a git checkout. */
  code?: string;
}

export interface RunSettings {
  rounds: number;
  durationSec: number;
  warmupSec: number;
  connections: number;
}

export interface ReportInput {
  machine: MachineInfo;
  settings: RunSettings;
  variants: readonly VariantSummary[];
  rounds: readonly RoundMeasurement[];
  scrape: ScrapeResult | undefined;
  fixedRate: FixedRateResult | undefined;
  targets: readonly TargetResult[];
  /** Extra lines for the reader, e.g. about other tenants on the machine. */
  notes: readonly string[];
  /** The floor microbenchmark, once per round; empty when it was not run. */
  floor?: readonly FloorRound[];
  /** What the stand-in Datadog agent saw, per dd-trace variant (spans by name, metrics, strays). */
  agentNotes?: readonly string[];
}

export function formatReport(input: ReportInput): string {
  const { machine, settings } = input;
  const sections = [
    `# dice-api telemetry overhead — ${machine.date}`,
    '',
    `Machine: ${machine.cpus} × ${machine.cpuModel}, ${formatMiB(machine.memoryBytes)} RAM, Linux ${machine.kernel}, ` +
      `Node ${machine.nodeVersion}. Load average at start ${formatLoad(machine.loadAverageStart)}, ` +
      `at end ${formatLoad(machine.loadAverageEnd)}.` +
      (machine.code ? ` Code: ${machine.code}.` : ''),
    `Load: autocannon, ${settings.connections} keep-alive connections, GET /rolldice (DICE_FAULT=off), ` +
      `${settings.rounds} interleaved round(s) of ${settings.durationSec} s per variant after ${settings.warmupSec} s of warm-up each.`,
    ...input.notes.map((note) => `> ${note}`),
    '',
    ...costSection(telemetryCost(input.variants, input.rounds, input.floor ?? [])),
    '## Throughput, latency, CPU and memory',
    '',
    variantTable(input.variants),
    '',
    ...spanSection(input.variants),
    ...(input.agentNotes?.length ? [...input.agentNotes, ''] : []),
    '## Ratios',
    '',
    ratioTable(input.variants, input.rounds),
    '',
    ...scrapeSection(input.scrape),
    ...fixedRateSection(input.fixedRate),
    '## Targets',
    '',
    markdownTable(
      ['goal', 'this run', 'status'],
      input.targets.map((t) => [t.goal, t.actual, metLabel(t.met)]),
      ['left', 'left', 'left'],
    ),
    '',
    '## Rounds',
    '',
    'bench CPU = the load generator (autocannon) and scraper; close to the round length means the bench, not the app, ' +
      'was the limit. Other tenants = machine-wide busy CPU minus the bench and every process it started.',
    '',
    roundsTable(input.rounds),
    '',
  ];
  return sections.join('\n');
}

function formatLoad(load: readonly number[]): string {
  return load.map((n) => n.toFixed(2)).join(' / ');
}

function variantTable(variants: readonly VariantSummary[]): string {
  return markdownTable(
    [
      'variant',
      'req/s',
      'req/s range',
      'p50',
      'p99',
      'app CPU s',
      'CPU ms / 1k req',
      'RSS after warm-up',
      'RSS end',
      'peak RSS',
      'failed req',
    ],
    variants.map((v) => [
      v.label,
      formatNumber(v.reqPerSec),
      `${formatNumber(v.reqPerSecMin)}–${formatNumber(v.reqPerSecMax)}`,
      formatMs(v.latency.p50),
      formatMs(v.latency.p99),
      formatNumber(v.cpuSeconds, 1),
      formatNumber(v.cpuMsPerKiloRequest, 1),
      formatMiB(v.rssAfterWarmupBytes),
      formatMiB(v.rssEndBytes),
      formatMiB(v.peakRssBytes),
      formatNumber(v.failures),
    ]),
  );
}

function spanSection(variants: readonly VariantSummary[]): string[] {
  const withSpans = variants.filter((v) => v.spans !== undefined);
  if (withSpans.length === 0) return [];
  const counted = (spans: NonNullable<VariantSummary['spans']>, value: number) =>
    spans.appCounters ? formatNumber(value) : NOT_APPLICABLE;
  const pipeline = (spans: NonNullable<VariantSummary['spans']>, value: number) =>
    spans.pipelineCounters ? formatNumber(value) : NOT_APPLICABLE;
  return [
    '## Spans (measured rounds)',
    '',
    'created = `otel_sdk_span_started_total` on the app\'s /metrics; sampled = those with ' +
      '`otel_span_sampling_result="RECORD_AND_SAMPLE"`; received = counted by the OTLP receiver; delivered = received/sampled; ' +
      'dropped = `otel_sdk_processor_span_processed_total{error_type="queue_full"}`; export failed = processed with any other error_type. ' +
      'The getting-started setup (peer) publishes no such counters: for it only the receiver\'s count is known. ' +
      'For dd-trace (dd), created = sampled = spans it finished (counted in the app from its `dd-trace:span:finish` channel; it ships ' +
      'every trace and leaves dropping to the agent) and received = spans the stand-in agent decoded; it counts nothing dropped or failed.',
    '',
    markdownTable(
      [
        'variant',
        'created',
        'sampled',
        'received',
        'received per request',
        'delivered',
        'dropped (queue full)',
        'export failed',
        'receiver CPU s',
      ],
      withSpans.map((v) => {
        const spans = v.spans as NonNullable<VariantSummary['spans']>;
        return [
          v.id,
          counted(spans, spans.created),
          counted(spans, spans.sampled),
          !spans.exporting ? 'no exporter' : spans.received === undefined ? 'nothing listening' : formatNumber(spans.received),
          spans.received === undefined || v.requests === 0 ? NOT_APPLICABLE : formatNumber(spans.received / v.requests, 2),
          spans.exporting && spans.appCounters
            ? formatPercent(deliveryRatio(spans.sampled, spans.received), 2)
            : NOT_APPLICABLE,
          pipeline(spans, spans.droppedQueueFull),
          pipeline(spans, spans.exportFailed),
          v.receiverCpuSeconds === undefined ? NOT_APPLICABLE : formatNumber(v.receiverCpuSeconds, 1),
        ];
      }),
    ),
    '',
  ];
}

/**
 * Ratio pairs worth reading: the (on/off, 10 % sampled/off, on/peer), the reference ones
 * (against the bare server, collector down against on), every extra variant against "on", and the
 * --baseline build against "on" (the gain) and "off" (its own on/off).
 */
export function ratioPairs(ids: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [
    ['on', 'off'],
    ['ratio10', 'off'],
    ['on', 'dd'],
    ['on', 'peer'],
    ['dd', 'dd-off'],
    ['peer', 'peer-off'],
    ['peer', 'off'],
    ['dd-off', 'off'],
    ['peer-off', 'off'],
    ['on', 'limit'],
    ['off', 'limit'],
    ['down', 'on'],
    ['ratio10', 'on'],
  ];
  const builtIn = ['limit', 'off', 'on', 'down', 'ratio10', 'peer', 'peer-off', 'dd', 'dd-off'];
  for (const id of ids) if (!builtIn.includes(id)) pairs.push([id, 'on']);
  if (ids.includes('baseline')) pairs.push(['baseline', 'off']);
  return pairs.filter(([a, b]) => ids.includes(a) && ids.includes(b));
}

function ratioTable(variants: readonly VariantSummary[], rounds: readonly RoundMeasurement[]): string {
  const byId = new Map(variants.map((v) => [v.id, v]));
  const rows = ratioPairs(variants.map((v) => v.id)).map(([a, b]) => {
    const x = byId.get(a) as VariantSummary;
    const y = byId.get(b) as VariantSummary;
    const paired = pairedRatios(rounds, a, b);
    return [
      `${a}/${b}`,
      formatRatio(x.reqPerSec / y.reqPerSec),
      paired.length > 1
        ? `${formatRatio(Math.min(...paired))}–${formatRatio(Math.max(...paired))} (median ${formatRatio(percentile(paired, 50))})`
        : NOT_APPLICABLE,
      formatRatio(x.latency.p50 / y.latency.p50),
      formatRatio(x.latency.p99 / y.latency.p99),
      formatRatio(x.cpuMsPerKiloRequest / y.cpuMsPerKiloRequest),
    ];
  });
  return markdownTable(
    ['ratio', 'throughput', 'throughput, per round', 'p50 latency', 'p99 latency', 'CPU per request'],
    rows,
  );
}

/**
 * The headline: CPU per request, what the telemetry costs (on − its own off), against the best
 * peer and against the floor, and throughput against ours.
 */
function costSection(cost: TelemetryCost): string[] {
  if (cost.rows.length === 0) return [];
  const lines = [
    '## CPU per request',
    '',
    'CPU = user + system time of the app process (every thread) per request. Telemetry CPU = CPU per request minus that of ' +
      'the same app with its telemetry off (ours: dice-api with OTEL_SDK_DISABLED=true; each peer: the peer app with its ' +
      'tracer not started), pooled over the rounds, and per round (that round\'s on minus that round\'s off). The floor is ' +
      'the same telemetry done the cheapest correct way (`main.js floor`), measured in each round: all its CPU is telemetry.',
    '',
    markdownTable(
      [
        'variant',
        'spans / request',
        'CPU µs / request',
        'its off',
        'telemetry CPU µs / request',
        'per round (min–median–max)',
        '× the floor',
        'req/s',
        'throughput vs ours',
      ],
      cost.rows.map((row) => [
        row.label,
        formatNumber(row.spansPerRequest, 2),
        formatNumber(row.cpuUs, 1),
        row.offId === undefined ? NOT_APPLICABLE : `${row.offId}: ${formatNumber(row.offCpuUs, 1)}`,
        formatNumber(row.telemetryUs, 1),
        row.telemetryUsPerRound
          ? `${formatNumber(row.telemetryUsPerRound.min, 1)}–${formatNumber(row.telemetryUsPerRound.median, 1)}–${formatNumber(row.telemetryUsPerRound.max, 1)}`
          : NOT_APPLICABLE,
        row.family === 'floor' || row.telemetryUs === undefined || row.floorUs === undefined
          ? NOT_APPLICABLE
          : formatRatio(row.telemetryUs / row.floorUs),
        formatNumber(row.reqPerSec),
        formatRatio(row.throughputVsOurs),
      ]),
    ),
    '',
  ];
  const summary = headline(cost.ours, cost.bestPeer, cost.floor);
  if (summary) lines.push(summary, '');
  return lines;
}

/** One sentence: ours against the best peer and against the floor. */
export function headline(ours: CostRow | undefined, bestPeer: CostRow | undefined, floor: CostRow | undefined): string | undefined {
  if (!ours || ours.telemetryUs === undefined) return undefined;
  const parts = [
    `**Ours (on): ${formatNumber(ours.cpuUs, 1)} µs CPU per request, ${formatNumber(ours.telemetryUs, 1)} µs of it telemetry.**`,
  ];
  if (bestPeer && bestPeer.telemetryUs !== undefined) {
    parts.push(
      `Best peer (${bestPeer.id}, least telemetry CPU): ${formatNumber(bestPeer.telemetryUs, 1)} µs — ours is ` +
        `${formatRatio(ours.telemetryUs / bestPeer.telemetryUs)} of it, at ${formatRatio(ours.reqPerSec === undefined || bestPeer.reqPerSec === undefined ? undefined : ours.reqPerSec / bestPeer.reqPerSec)} its throughput.`,
    );
  }
  if (floor && floor.telemetryUs !== undefined) {
    parts.push(
      `Floor: ${formatNumber(floor.telemetryUs, 2)} µs — ours is ${formatRatio(ours.telemetryUs / floor.telemetryUs)} the floor ` +
        `(${formatNumber(ours.telemetryUs - floor.telemetryUs, 1)} µs above it).`,
    );
  }
  return parts.join(' ');
}

function scrapeSection(scrape: ScrapeResult | undefined): string[] {
  if (!scrape) return [];
  return [
    '## /metrics scrape (the "on" app, warm, sequential, no other load)',
    '',
    markdownTable(
      ['scrapes', 'p50', 'p99', 'max', 'page size', 'series', 'failed'],
      [
        [
          formatNumber(scrape.scrapes),
          formatMs(scrape.latency.p50),
          formatMs(scrape.latency.p99),
          formatMs(scrape.latency.max),
          `${formatNumber(scrape.bodyBytes / 1024, 1)} KiB`,
          formatNumber(scrape.seriesCount),
          formatNumber(scrape.failures),
        ],
      ],
    ),
    '',
  ];
}

function fixedRateSection(fixed: FixedRateResult | undefined): string[] {
  if (!fixed) return [];
  const growth = fixed.rssEndBytes / fixed.rssStartBytes - 1;
  return [
    `## Sustained ${formatNumber(fixed.targetRate)} req/s for ${fixed.durationSec} s ("on", receiver up, fresh process)`,
    '',
    markdownTable(
      [
        'achieved req/s',
        'p50',
        'p99',
        'spans sampled',
        'received',
        'delivered',
        'dropped',
        'export failed',
        'final flush wait',
        'RSS after warm-up',
        'RSS end',
        'change',
        'peak RSS',
        'failed req',
      ],
      [
        [
          formatNumber(fixed.achievedRate),
          formatMs(fixed.latency.p50),
          formatMs(fixed.latency.p99),
          formatNumber(fixed.spans.sampled),
          formatNumber(fixed.spans.received),
          formatPercent(deliveryRatio(fixed.spans.sampled, fixed.spans.received), 3),
          formatNumber(fixed.spans.droppedQueueFull),
          formatNumber(fixed.spans.exportFailed),
          formatMs(fixed.flushWaitMs),
          formatMiB(fixed.rssStartBytes),
          formatMiB(fixed.rssEndBytes),
          formatChange(growth),
          formatMiB(fixed.peakRssBytes),
          formatNumber(fixed.failures),
        ],
      ],
    ),
    '',
    `RSS during the run, every 10 s: ${fixed.rssTimelineBytes.map((b) => (b / (1024 * 1024)).toFixed(0)).join(' → ')} MiB.`,
    '',
  ];
}

function roundsTable(rounds: readonly RoundMeasurement[]): string {
  return markdownTable(
    ['round', 'variant', 'req/s', 'p99', 'app CPU s', 'bench CPU s', 'other tenants, cores', 'app RSS after'],
    rounds.map((r) => [
      String(r.round + 1),
      r.variantId,
      formatNumber(r.requests / r.durationSec),
      r.latenciesMs.length ? formatMs(percentile(r.latenciesMs, 99)) : NOT_APPLICABLE,
      formatNumber(r.cpuSeconds, 2),
      formatNumber(r.benchCpuSeconds, 2),
      formatNumber(r.foreignCpuSeconds / r.durationSec, 2),
      formatMiB(r.rssAfterBytes),
    ]),
    ['right', 'left', 'right', 'right', 'right', 'right', 'right', 'right'],
  );
}
