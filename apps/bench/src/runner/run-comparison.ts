/**
 * The side-by-side run: start every variant, warm each up, run interleaved measured rounds, time
 * /metrics scrapes, then the sustained fixed-rate run on a fresh "on" process; build the report.
 */
import { execFile, execFileSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem } from 'node:os';
import type { BenchOptions } from '../lib/args.js';
import { formatNumber } from '../lib/format.js';
import { formatReport, type MachineInfo } from '../lib/report.js';
import { summariseVariant, type FixedRateResult, type RoundMeasurement, type ScrapeResult } from '../lib/results.js';
import { schedule } from '../lib/schedule.js';
import { percentile } from '../lib/stats.js';
import { evaluateTargets } from '../lib/targets.js';
import { fastestPeer, type FloorRound } from '../lib/telemetry-cost.js';
import { variantSpecs } from '../lib/variants.js';
import type { FloorMeasurement } from '../floor/run-floor.js';
import { runFixedRate, timeScrapes } from './extras.js';
import { readMemory } from './proc-sampler.js';
import { measureRound, warmUp, type SpanBaseline } from './round.js';
import {
  isListening,
  readAgentCounts,
  spanSnapshot,
  startVariant,
  stopVariant,
  waitForDelivery,
  type LaunchContext,
  type RunningVariant,
} from './variant-process.js';

export type Progress = (line: string) => void;

/** Average cores used by other tenants above which the report warns about a shared machine. */
const BUSY_MACHINE_CORES = 0.25;

export async function runComparison(
  options: BenchOptions,
  context: LaunchContext & { workspaceRoot: string },
  progress: Progress,
): Promise<string> {
  const loadAverageStart = loadavg();
  const specs = variantSpecs(options.onEnv, options.variants, options.baseline !== undefined, options.only);
  const notes: string[] = [];
  const running: RunningVariant[] = [];
  const settings = { connections: options.connections, durationSec: options.durationSec };

  for (const spec of specs) {
    progress(`starting ${spec.id} (${spec.label})`);
    running.push(await startVariant(spec, context));
  }
  await checkDeadEndpoints(running, notes, 'before the rounds');

  const rssAfterWarmup = new Map<string, number>();
  const baseline: SpanBaseline = new Map();
  for (const variant of running) {
    if (options.warmupSec > 0) {
      progress(`warm-up ${variant.spec.id}: ${options.warmupSec} s`);
      await warmUp(variant, { ...settings, durationSec: options.warmupSec });
    }
    if (variant.spec.collector === 'up') baseline.set(variant.spec.id, (await waitForDelivery(variant)).snapshot);
    if (variant.spec.collector === 'down') baseline.set(variant.spec.id, await spanSnapshot(variant));
    rssAfterWarmup.set(variant.spec.id, readMemory(variant.app.pid).rssBytes);
  }

  const allPids = () => running.flatMap((v) => [v.app.pid, ...(v.receiver ? [v.receiver.process.pid] : [])]);
  const rounds: RoundMeasurement[] = [];
  const floor: FloorRound[] = [];
  for (const { round, variant } of schedule(running, options.rounds)) {
    if (options.floorSec > 0 && !floor.some((f) => f.round === round)) {
      const measured = await measureFloor(context.benchMain, options.floorSec, options.floorWarmupSec);
      floor.push({ round, ...measured });
      progress(
        `round ${round + 1}/${options.rounds} floor  ${measured.requestUs.toFixed(2)} µs/request (10 % sampled: ${measured.request10Us.toFixed(2)})`,
      );
    }
    const m = await measureRound(round, variant, settings, allPids, baseline, notes);
    rounds.push(m);
    progress(
      `round ${round + 1}/${options.rounds} ${variant.spec.id.padEnd(6)} ${formatNumber(m.requests / m.durationSec).padStart(7)} req/s, ` +
        `p99 ${percentile(m.latenciesMs, 99).toFixed(2)} ms, CPU ${m.cpuSeconds.toFixed(1)} s, ` +
        `bench CPU ${m.benchCpuSeconds.toFixed(1)} s, other tenants ${(m.foreignCpuSeconds / m.durationSec).toFixed(2)} cores`,
    );
  }
  await checkDeadEndpoints(running, notes, 'after the rounds');

  const agentNotes: string[] = [];
  for (const variant of running) {
    if (variant.receiver?.kind === 'datadog-agent') agentNotes.push(await agentNote(variant));
  }

  const summaries = running.map((variant) => {
    const memory = readMemory(variant.app.pid);
    return summariseVariant(variant.spec, rounds, {
      rssAfterWarmupBytes: rssAfterWarmup.get(variant.spec.id) as number,
      rssEndBytes: memory.rssBytes,
      peakRssBytes: memory.peakRssBytes,
    });
  });

  let scrape: ScrapeResult | undefined;
  const on = running.find((v) => v.spec.id === 'on') as RunningVariant;
  if (options.scrapes > 0) {
    progress(`timing ${options.scrapes} sequential /metrics scrapes of "on"`);
    scrape = await timeScrapes(on, options.scrapes);
  }

  progress('stopping the round processes');
  await Promise.all(running.map(stopVariant));

  let fixedRate: FixedRateResult | undefined;
  if (!options.skipFixedRate) {
    progress('starting a fresh "on" process for the fixed-rate run');
    const fresh = await startVariant(on.spec, context);
    try {
      fixedRate = await runFixedRate(
        fresh,
        {
          rate: options.fixedRate,
          durationSec: options.fixedDurationSec,
          warmupSec: options.fixedWarmupSec,
          connections: options.connections,
        },
        progress,
      );
    } finally {
      await stopVariant(fresh);
    }
  }

  notes.push(...failureNotes(rounds), ...sharedMachineNotes(rounds));
  const byId = (id: string) => summaries.find((s) => s.id === id);
  return formatReport({
    machine: machineInfo(loadAverageStart, context.workspaceRoot),
    settings: {
      rounds: options.rounds,
      durationSec: options.durationSec,
      warmupSec: options.warmupSec,
      connections: options.connections,
    },
    variants: summaries,
    rounds,
    scrape,
    fixedRate,
    targets: evaluateTargets({
      off: byId('off'),
      on: byId('on'),
      down: byId('down'),
      sampled: byId('ratio10'),
      peer: fastestPeer(summaries),
      fixedRate,
    }),
    notes,
    floor,
    agentNotes,
  });
}

/**
 * The floor microbenchmark (`main.js floor`) as a child process, like every measured server, so
 * it runs alone on its event loop with the variants idle: fully sampled and at 10 %.
 */
function measureFloor(benchMain: string, seconds: number, warmupSeconds: number): Promise<Omit<FloorRound, 'round'>> {
  const args = [benchMain, 'floor', '--json', '--parts', 'request,request-10', '--duration', String(seconds), '--warmup', String(warmupSeconds)];
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      args,
      { timeout: (2 * (seconds + warmupSeconds) + 30) * 1000, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`floor microbenchmark failed: ${error.message}\n${stderr}`));
          return;
        }
        const results = JSON.parse(stdout) as FloorMeasurement[];
        const us = (id: string) => {
          const found = results.find((r) => r.id === id);
          if (!found) throw new Error(`floor microbenchmark reported no "${id}"`);
          return found.cpuUs;
        };
        resolve({ requestUs: us('request'), request10Us: us('request-10') });
      },
    );
  });
}

/** What the stand-in agent saw over the whole run, warm-up included: one line for the report. */
async function agentNote(variant: RunningVariant): Promise<string> {
  const counts = await readAgentCounts(variant.receiver as NonNullable<RunningVariant['receiver']>);
  const tally = (t: Record<string, number>) =>
    Object.entries(t)
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k} ${formatNumber(n)}`)
      .join(', ') || 'none';
  return (
    `Stand-in Datadog agent of ${variant.spec.id} (whole run, warm-up included): ${formatNumber(counts.payloads)} trace payloads ` +
    `(${tally(counts.payloadsByPath)}), ` +
    `${formatNumber(counts.traces)} traces, ${formatNumber(counts.spans)} spans (${formatNumber(counts.keptSpans)} with sampling priority > 0); ` +
    `spans by name: ${tally(counts.spanNames)}. DogStatsD lines by metric: ${tally(counts.metricLines)}. ` +
    `Refused: ${formatNumber(counts.refused)}${counts.lastRefusal ? ` (last: ${counts.lastRefusal})` : ''}. ` +
    `Requests to anything else: ${tally(counts.unexpected)}.`
  );
}

/** The "down" variants must really have nothing on their OTLP port, or they measure something else. */
async function checkDeadEndpoints(running: readonly RunningVariant[], notes: string[], when: string): Promise<void> {
  for (const variant of running) {
    if (variant.deadEndpoint && (await isListening(variant.deadEndpoint))) {
      notes.push(`WARNING: something was listening on ${variant.deadEndpoint} (${variant.spec.id}'s "dead" OTLP port) ${when}.`);
    }
  }
}

function failureNotes(rounds: readonly RoundMeasurement[]): string[] {
  const failed = rounds.filter((r) => r.failures > 0);
  return failed.map(
    (r) => `round ${r.round + 1}, ${r.variantId}: ${r.failures} request(s) failed (errors, timeouts or non-2xx).`,
  );
}

function sharedMachineNotes(rounds: readonly RoundMeasurement[]): string[] {
  const cores = rounds.map((r) => r.foreignCpuSeconds / r.durationSec);
  const average = cores.reduce((a, b) => a + b, 0) / Math.max(1, cores.length);
  if (average < BUSY_MACHINE_CORES) return [];
  return [
    `The machine was shared: other processes used ${average.toFixed(2)} cores on average during the measured rounds ` +
      `(up to ${Math.max(...cores).toFixed(2)} in one round). Absolute numbers are depressed; the ratios come from ` +
      `interleaved rounds, so drift hits every variant alike, but read them with the per-round spread.`,
  ];
}

export function machineInfo(loadAverageStart: readonly number[], workspaceRoot?: string): MachineInfo {
  const cpuList = cpus();
  return {
    code: workspaceRoot ? codeVersion(workspaceRoot) : undefined,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpus: cpuList.length,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown CPU',
    memoryBytes: totalmem(),
    nodeVersion: process.version,
    kernel: release(),
    loadAverageStart,
    loadAverageEnd: loadavg(),
  };
}

/** Which code was measured: the commit, and whether the measured parts had local changes. */
function codeVersion(workspaceRoot: string): string | undefined {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: workspaceRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const commit = git('rev-parse', '--short', 'HEAD');
    const changed = git('status', '--porcelain', '--', 'libs/telemetry', 'apps/dice-api') !== '';
    return `${commit} (libs/telemetry, apps/dice-api: ${changed ? 'with uncommitted changes' : 'clean'})`;
  } catch {
    return undefined;
  }
}
