/**
 * Command line of the benchmark. Pure: argv in, options out (or a UsageError saying what is wrong).
 */
import { parseArgs } from 'node:util';
import { withOwnOffs } from './variants.js';

export interface ExtraVariant {
  /** Short id used in the tables, e.g. "gzip". */
  id: string;
  /** Environment added on top of the fully-on variant. */
  env: Record<string, string>;
}

export interface BenchOptions {
  mode: 'run' | 'cpu-prof' | 'help';
  quick: boolean;
  rounds: number;
  durationSec: number;
  warmupSec: number;
  connections: number;
  fixedRate: number;
  fixedDurationSec: number;
  fixedWarmupSec: number;
  scrapes: number;
  /** Extra environment for every variant with the SDK on (on, collector down, extras). */
  onEnv: Record<string, string>;
  /** Additional "on" variants measured in the same interleaved rounds. */
  variants: ExtraVariant[];
  skipFixedRate: boolean;
  /** Write the Markdown report here as well as to stdout. */
  out: string | undefined;
  /** dice-api bundle to run; defaults to the workspace build. */
  app: string | undefined;
  /** Another dice-api bundle (e.g. before a change), measured as the "baseline" variant. */
  baseline: string | undefined;
  /** Built-in variants to run (default all); extras and the baseline always run. */
  only: string[] | undefined;
  /** --cpu-prof: the variant profiled against its own off (default "on", against "off"). */
  profileVariant: string;
  /** Seconds the floor microbenchmark runs in each round (0: no floor). */
  floorSec: number;
  /** Its unmeasured warm-up in each round. */
  floorWarmupSec: number;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const FULL = {
  rounds: 5,
  durationSec: 10,
  warmupSec: 5,
  connections: 10,
  fixedRate: 1000,
  fixedDurationSec: 60,
  fixedWarmupSec: 10,
  scrapes: 200,
  floorSec: 3,
  floorWarmupSec: 1,
} as const;

/** --quick: a smoke run in well under a minute, to see that everything works end to end. */
const QUICK = {
  rounds: 1,
  durationSec: 3,
  warmupSec: 2,
  connections: 10,
  fixedRate: 200,
  fixedDurationSec: 5,
  fixedWarmupSec: 2,
  scrapes: 20,
  floorSec: 1,
  floorWarmupSec: 1,
} as const;

export const USAGE = `Usage: npx nx run bench:bench [-- options]
   or: node apps/bench/dist/main.js [options]   (after building bench and dice-api)

Measures the throughput, latency, CPU and memory cost of dice-api's telemetry: a bare node:http
"limit", dice-api with OTEL_SDK_DISABLED=true ("off"), fully on with a live OTLP receiver ("on"),
fully on with nothing listening on the OTLP port ("down"), 10 % of traces sampled ("ratio10"),
and two peers on the same app, each with its own off: the getting-started OpenTelemetry setup
("peer", "peer-off") and Datadog's dd-trace to a stand-in agent ("dd", "dd-off"), in
interleaved rounds; and in each round the "floor", the same telemetry done the cheapest
correct way (a microbenchmark, see \`main.js floor --help\`).

Options:
  --quick                 short smoke run (1 round of 3 s, 5 s fixed-rate run at 200 req/s)
  --rounds N              interleaved rounds (default ${FULL.rounds})
  --duration S            seconds of load per variant per round (default ${FULL.durationSec})
  --warmup S              seconds of unmeasured load per variant first (default ${FULL.warmupSec})
  --connections N         concurrent keep-alive connections (default ${FULL.connections})
  --fixed-rate R          req/s of the sustained run (default ${FULL.fixedRate})
  --fixed-duration S      length of the sustained run (default ${FULL.fixedDurationSec})
  --fixed-warmup S        warm-up before the sustained run (default ${FULL.fixedWarmupSec})
  --skip-fixed-rate       leave the sustained run out
  --scrapes N             sequential /metrics scrapes to time (default ${FULL.scrapes})
  --only ID[,ID]          run only these built-in variants (limit, off, on, down, ratio10,
                          peer, peer-off, dd, dd-off); extras and the baseline always run,
                          "off" and "on" are always added, and a peer's own off with the peer
  --on-env K=V            extra environment for every SDK-on variant, the getting-started peer's
                          too, not dd-trace's (repeatable)
  --variant ID:K=V[,K=V]  an extra SDK-on variant with this environment, measured in the same
                          rounds (repeatable), e.g. --variant gzip:OTEL_EXPORTER_OTLP_COMPRESSION=gzip
  --cpu-prof              instead of the comparison: profile "off" and "on" under load
                          (node --cpu-prof) and print where "on" spends its extra time
  --cpu-prof-variant ID   profile this built-in variant instead of "on" (e.g. ratio10, peer, dd),
                          against its own off (peer-off, dd-off)
  --floor S               seconds of the floor microbenchmark per round (default ${FULL.floorSec}; 0: none)
  --out FILE              also write the Markdown report to FILE
  --app FILE              dice-api bundle to run (default apps/dice-api/dist/main.js)
  --baseline FILE         another dice-api bundle (e.g. built before a change), run fully on as
                          the "baseline" variant in the same rounds: baseline/on shows the gain
  --help                  this text
`;

export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: 'boolean' },
        rounds: { type: 'string' },
        duration: { type: 'string' },
        warmup: { type: 'string' },
        connections: { type: 'string' },
        'fixed-rate': { type: 'string' },
        'fixed-duration': { type: 'string' },
        'fixed-warmup': { type: 'string' },
        'skip-fixed-rate': { type: 'boolean' },
        scrapes: { type: 'string' },
        'on-env': { type: 'string', multiple: true },
        variant: { type: 'string', multiple: true },
        'cpu-prof': { type: 'boolean' },
        out: { type: 'string' },
        app: { type: 'string' },
        baseline: { type: 'string' },
        only: { type: 'string' },
        'cpu-prof-variant': { type: 'string' },
        floor: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  const base = v.quick ? QUICK : FULL;
  const variants = (v.variant ?? []).map(parseVariant);
  const ids = new Set<string>();
  for (const { id } of variants) {
    if (RESERVED_IDS.includes(id) || ids.has(id)) throw new UsageError(`--variant id "${id}" is already taken`);
    ids.add(id);
  }
  return {
    mode: v.help ? 'help' : v['cpu-prof'] ? 'cpu-prof' : 'run',
    quick: v.quick ?? false,
    rounds: integer('--rounds', v.rounds, base.rounds, 1, 100),
    durationSec: integer('--duration', v.duration, base.durationSec, 1, 600),
    warmupSec: integer('--warmup', v.warmup, base.warmupSec, 0, 600),
    connections: integer('--connections', v.connections, base.connections, 1, 1000),
    fixedRate: integer('--fixed-rate', v['fixed-rate'], base.fixedRate, 1, 100_000),
    fixedDurationSec: integer('--fixed-duration', v['fixed-duration'], base.fixedDurationSec, 1, 3600),
    fixedWarmupSec: integer('--fixed-warmup', v['fixed-warmup'], base.fixedWarmupSec, 0, 600),
    scrapes: integer('--scrapes', v.scrapes, base.scrapes, 0, 100_000),
    onEnv: Object.fromEntries((v['on-env'] ?? []).map((pair) => parseAssignment('--on-env', pair))),
    variants,
    skipFixedRate: v['skip-fixed-rate'] ?? false,
    out: v.out,
    app: v.app,
    baseline: v.baseline,
    only: v.only === undefined ? undefined : parseOnly(v.only),
    profileVariant: parseProfileVariant(v['cpu-prof-variant']),
    floorSec: integer('--floor', v.floor, base.floorSec, 0, 600),
    floorWarmupSec: base.floorWarmupSec,
  };
}

/** The built-in variants --only may pick from. */
export const BUILT_IN_IDS: readonly string[] = ['limit', 'off', 'on', 'down', 'ratio10', 'peer', 'peer-off', 'dd', 'dd-off'];

/** The offs: nothing to profile against themselves. */
const OFF_IDS: readonly string[] = ['off', 'peer-off', 'dd-off'];

function parseOnly(text: string): string[] {
  const ids = text.split(',').map((id) => id.trim()).filter(Boolean);
  const unknown = ids.filter((id) => !BUILT_IN_IDS.includes(id));
  if (ids.length === 0 || unknown.length > 0) {
    throw new UsageError(`--only takes built-in variant ids (${BUILT_IN_IDS.join(', ')}), got ${JSON.stringify(text)}`);
  }
  // on and off anchor every ratio, the fixed-rate run and the scrape timing; a peer is measured
  // against its own off.
  return withOwnOffs([...new Set(['off', 'on', ...ids])]);
}

function parseProfileVariant(id: string | undefined): string {
  if (id === undefined) return 'on';
  if (!BUILT_IN_IDS.includes(id) || OFF_IDS.includes(id) || id === 'limit') {
    const ids = BUILT_IN_IDS.filter((i) => !OFF_IDS.includes(i) && i !== 'limit');
    throw new UsageError(`--cpu-prof-variant takes one of ${ids.join(', ')}, got ${JSON.stringify(id)}`);
  }
  return id;
}

/** Ids of the built-in variants. */
export const RESERVED_IDS: readonly string[] = [...BUILT_IN_IDS, 'baseline', 'floor'];

function integer(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new UsageError(`${flag} must be a whole number, got ${JSON.stringify(raw)}`);
  const value = Number(raw);
  if (value < min || value > max) throw new UsageError(`${flag} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function parseAssignment(flag: string, text: string): [string, string] {
  const eq = text.indexOf('=');
  const key = eq > 0 ? text.slice(0, eq) : '';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
    throw new UsageError(`${flag} expects NAME=value with a valid variable name, got ${JSON.stringify(text)}`);
  }
  return [key, text.slice(eq + 1)];
}

function parseVariant(text: string): ExtraVariant {
  const colon = text.indexOf(':');
  const id = colon > 0 ? text.slice(0, colon) : '';
  if (!/^[a-z0-9][a-z0-9_-]{0,23}$/.test(id)) {
    throw new UsageError(
      `--variant expects ID:NAME=value[,NAME=value] with a short lower-case id, got ${JSON.stringify(text)}`,
    );
  }
  const assignments = text.slice(colon + 1).split(',').filter((part) => part !== '');
  if (assignments.length === 0) throw new UsageError(`--variant ${id} sets no variables`);
  return { id, env: Object.fromEntries(assignments.map((pair) => parseAssignment(`--variant ${id}`, pair))) };
}
