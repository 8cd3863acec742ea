/**
 * The start-up benchmark's pure parts: which variants run, how their runs are summed up, and
 * the budgets of issue 19 checked against the medians. The runner is startup-main.ts.
 */
import { markdownTable, formatRatio } from './format.js';
import { median } from './stats.js';

/** The apps measured: one that loads none of the packages the lazy instrumentations wait for, and the shop. */
export type StartupApp = 'plain' | 'shop';

export interface StartupVariant {
  readonly app: StartupApp;
  /** Short name, also used by the budget checks. */
  readonly name: string;
  readonly description: string;
  /** Node flags before the app's entry. */
  readonly nodeArgs: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

const LIBRARY = ['--require', '@otel-dice/telemetry/register'];
const UPSTREAM = [
  '--require',
  '@opentelemetry/auto-instrumentations-node/register',
];

/**
 * The variants. Every one with telemetry is given only an OTLP/gRPC endpoint, the same live
 * receiver, and exports there by its entry's defaults (traces, metrics and logs, for the
 * library's register entry and upstream's alike).
 */
export function startupVariants(apps: readonly StartupApp[]): StartupVariant[] {
  const all: StartupVariant[] = [
    {
      app: 'plain',
      name: 'none',
      description: 'no telemetry',
      nodeArgs: [],
      env: {},
    },
    {
      app: 'plain',
      name: 'library-before',
      description:
        'library, the instrumentations of before issue 19 (http, express)',
      nodeArgs: LIBRARY,
      env: { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,express' },
    },
    {
      app: 'plain',
      name: 'library',
      description:
        'library default: every instrumentation, started on first use; runtime metrics',
      nodeArgs: LIBRARY,
      env: {},
    },
    {
      app: 'shop',
      name: 'none',
      description: 'no telemetry',
      nodeArgs: [],
      env: {},
    },
    {
      app: 'shop',
      name: 'library',
      description: 'library default (--require @otel-dice/telemetry/register)',
      nodeArgs: LIBRARY,
      env: {},
    },
    {
      app: 'shop',
      name: 'library-5',
      description:
        'library, OTEL_NODE_ENABLED_INSTRUMENTATIONS=http,express,pg,knex,ioredis',
      nodeArgs: LIBRARY,
      env: {
        OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,express,pg,knex,ioredis',
      },
    },
    {
      app: 'shop',
      name: 'upstream',
      description:
        'upstream (--require @opentelemetry/auto-instrumentations-node/register)',
      nodeArgs: UPSTREAM,
      env: {},
    },
  ];
  return all.filter((v) => apps.includes(v.app));
}

export interface StartupSample {
  readonly app: StartupApp;
  readonly variant: string;
  /** Spawn to the first 200 from /healthz. */
  readonly startMs: number;
  /**
   * CPU time (user + system) the app had used by then: on a machine shared with other work,
   * steadier than the wall-clock time, which waits for the CPU as well.
   */
  readonly startCpuMs: number;
  /**
   * CPU time by SETTLED_MS after listening (22 requests made): what was moved off the path to
   * listening (runtime metrics, the first span export's transport) is in it, what upstream's
   * register does at start is too.
   */
  readonly settledCpuMs: number;
  /** VmRSS at the same moment. */
  readonly rssBytes: number;
}

/**
 * How long after listening the settled CPU and RSS are read: past the library's runtime metrics
 * (a second after start) and its first span export (batch delay 1 s), which loads the OTLP
 * transport. Not past the first metric push (60 s), which loads the metric exporter.
 */
export const SETTLED_MS = 4000;

export interface StartupRow {
  readonly app: StartupApp;
  readonly variant: string;
  readonly description: string;
  readonly runs: number;
  readonly startMs: number;
  readonly startMinMs: number;
  readonly startMaxMs: number;
  readonly startCpuMs: number;
  readonly settledCpuMs: number;
  readonly rssMiB: number;
}

/** Medians per variant, in the variants' order. Pure. */
export function summariseStartup(
  variants: readonly StartupVariant[],
  samples: readonly StartupSample[],
): StartupRow[] {
  return variants.flatMap((v) => {
    const mine = samples.filter((s) => s.app === v.app && s.variant === v.name);
    if (mine.length === 0) return [];
    const starts = mine.map((s) => s.startMs);
    return [
      {
        app: v.app,
        variant: v.name,
        description: v.description,
        runs: mine.length,
        startMs: median(starts),
        startMinMs: Math.min(...starts),
        startMaxMs: Math.max(...starts),
        startCpuMs: median(mine.map((s) => s.startCpuMs)),
        settledCpuMs: median(mine.map((s) => s.settledCpuMs)),
        rssMiB: median(mine.map((s) => s.rssBytes)) / (1024 * 1024),
      },
    ];
  });
}

export interface BudgetCheck {
  readonly budget: string;
  readonly measured: string;
  readonly met: boolean;
}

/** Issue 19's budgets against the medians. Pure. */
export function checkStartupBudgets(
  rows: readonly StartupRow[],
): BudgetCheck[] {
  const row = (app: StartupApp, variant: string) =>
    rows.find((r) => r.app === app && r.variant === variant);
  const checks: BudgetCheck[] = [];
  const before = row('plain', 'library-before');
  const now = row('plain', 'library');
  if (before && now) {
    const start = now.startMs / before.startMs;
    const rss = now.rssMiB / before.rssMiB;
    checks.push({
      budget:
        'plain app: start-up of the default within 10 % of before issue 19',
      measured: `${formatRatio(start)} (${Math.round(now.startMs)} vs ${Math.round(before.startMs)} ms)`,
      met: start <= 1.1,
    });
    checks.push({
      budget: 'plain app: RSS of the default within 10 % of before issue 19',
      measured: `${formatRatio(rss)} (${now.rssMiB.toFixed(0)} vs ${before.rssMiB.toFixed(0)} MiB)`,
      met: rss <= 1.1,
    });
  }
  if (before && now) {
    const cpu = now.startCpuMs / before.startCpuMs;
    checks.push({
      budget:
        'plain app: start-up CPU of the default within 10 % of before issue 19',
      measured: `${formatRatio(cpu)} (${Math.round(now.startCpuMs)} vs ${Math.round(before.startCpuMs)} ms)`,
      met: cpu <= 1.1,
    });
  }
  const library = row('shop', 'library');
  const upstream = row('shop', 'upstream');
  if (library && upstream) {
    const start = library.startMs / upstream.startMs;
    const cpu = library.startCpuMs / upstream.startCpuMs;
    checks.push({
      budget:
        'shop: start-up CPU of the library default at most 2/3 of the upstream register',
      measured: `${formatRatio(cpu)} (${Math.round(library.startCpuMs)} vs ${Math.round(upstream.startCpuMs)} ms)`,
      met: cpu <= 2 / 3,
    });
    checks.push({
      budget:
        'shop: start-up of the library default at most 2/3 of the upstream register',
      measured: `${formatRatio(start)} (${Math.round(library.startMs)} vs ${Math.round(upstream.startMs)} ms)`,
      met: start <= 2 / 3,
    });
  }
  return checks;
}

/** The report: one table of medians, one of budgets. Pure. */
export function startupReport(
  rows: readonly StartupRow[],
  checks: readonly BudgetCheck[],
): string {
  const base = (app: StartupApp) =>
    rows.find((r) => r.app === app && r.variant === 'none');
  const table = markdownTable(
    [
      'app',
      'variant',
      'runs',
      'start-up to listening, median',
      'min–max',
      'vs no telemetry',
      'CPU until listening, median',
      'vs no telemetry',
      `CPU ${SETTLED_MS / 1000} s after listening (22 requests), median`,
      'vs no telemetry',
      `RSS ${SETTLED_MS / 1000} s after listening, median`,
      'vs no telemetry',
    ],
    rows.map((r) => {
      const none = base(r.app);
      return [
        r.app,
        `${r.variant}: ${r.description}`,
        String(r.runs),
        `${Math.round(r.startMs)} ms`,
        `${Math.round(r.startMinMs)}–${Math.round(r.startMaxMs)} ms`,
        none ? formatRatio(r.startMs / none.startMs) : '–',
        `${Math.round(r.startCpuMs)} ms`,
        none ? formatRatio(r.startCpuMs / none.startCpuMs) : '–',
        `${Math.round(r.settledCpuMs)} ms`,
        none ? formatRatio(r.settledCpuMs / none.settledCpuMs) : '–',
        `${r.rssMiB.toFixed(0)} MiB`,
        none ? formatRatio(r.rssMiB / none.rssMiB) : '–',
      ];
    }),
    [
      'left',
      'left',
      'right',
      'right',
      'right',
      'right',
      'right',
      'right',
      'right',
      'right',
      'right',
      'right',
    ],
  );
  const budgets = markdownTable(
    ['budget', 'measured', 'met'],
    checks.map((c) => [c.budget, c.measured, c.met ? 'yes' : 'NO']),
  );
  return `${table}\n\n${budgets}\n`;
}
