/**
 * --cpu-prof: "off" and then "on" under the same closed-loop load, each run with
 * `node --cpu-prof`; the summary covers only the measured load window (start-up and warm-up cut
 * off), per request, and shows where "on" spends the time "off" does not. The .cpuprofile files
 * are kept for Chrome DevTools / speedscope.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchOptions } from '../lib/args.js';
import { summariseCpuProfile, type CpuProfile } from '../lib/cpu-profile.js';
import { formatNumber } from '../lib/format.js';
import { formatProfileComparison, formatProfileSummary, type ProfiledRun } from '../lib/profile-report.js';
import { variantSpecs, type VariantSpec } from '../lib/variants.js';
import { runLoad } from './load.js';
import { machineInfo, type Progress } from './run-comparison.js';
import { warmUp } from './round.js';
import { startVariant, stopVariant, waitForDelivery, type LaunchContext } from './variant-process.js';

type ProfileContext = LaunchContext & { workspaceRoot: string };

export async function runCpuProfile(options: BenchOptions, context: ProfileContext, progress: Progress): Promise<string> {
  const specs = variantSpecs(options.onEnv, []);
  const pick = (id: string) => specs.find((s) => s.id === id) as VariantSpec;
  const loadSec = options.durationSec * 2;
  const id = options.profileVariant;
  // A peer is profiled against its own app with the tracer off; ours against dice-api's off.
  const offId = pick(id).offId ?? 'off';
  const off = await profileVariant(pick(offId), options, context, loadSec, progress);
  const on = await profileVariant(pick(id), options, context, loadSec, progress);

  const machine = machineInfo([], context.workspaceRoot);
  return [
    `# CPU profile, "${offId}" vs "${id}" — ${machine.date}`,
    '',
    `Node ${machine.nodeVersion}, ${machine.cpus} × ${machine.cpuModel}${machine.code ? `, code ${machine.code}` : ''}. Each variant: ${options.warmupSec} s warm-up, ` +
      `then ${loadSec} s of autocannon with ${options.connections} connections, profiled with node --cpu-prof; only ` +
      `that window is counted. ${offId} served ${formatNumber(off.run.requests)} requests (${formatNumber(off.rate)} req/s), ` +
      `${id} ${formatNumber(on.run.requests)} (${formatNumber(on.rate)} req/s)` +
      `${on.delivered ? '' : `; ${id}: NOT all spans were delivered`}.`,
    ...Object.entries(options.onEnv).map(([k, v]) => `Extra environment for "${id}": ${k}=${v}`),
    '',
    'Times are wall-clock samples of the main thread: a syscall that hands the CPU to another process ' +
      '(writing the response wakes the load generator) is charged to the function that made it, e.g. writeUtf8String.',
    '',
    `## Where "${id}" spends more per request than "${offId}"`,
    '',
    formatProfileComparison(off.run, on.run, 20),
    '',
    `## "${id}" alone`,
    '',
    formatProfileSummary(on.run.summary, 20),
    '',
    `Profile files (Chrome DevTools → Performance → Load profile, or speedscope): ${off.path}, ${on.path}`,
    '',
  ].join('\n');
}

async function profileVariant(
  spec: VariantSpec,
  options: BenchOptions,
  context: ProfileContext,
  loadSec: number,
  progress: Progress,
): Promise<{ run: ProfiledRun; rate: number; delivered: boolean; path: string }> {
  const dir = mkdtempSync(join(tmpdir(), `dice-api-cpuprof-${spec.id}-`));
  progress(`starting "${spec.id}" with --cpu-prof (profile directory ${dir})`);
  const variant = await startVariant(spec, { ...context, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
  let window: { startUs: number; endUs: number };
  let requests: number;
  let rate: number;
  let delivered = true;
  try {
    if (options.warmupSec > 0) {
      progress(`${spec.id}: warm-up ${options.warmupSec} s`);
      await warmUp(variant, { connections: options.connections, durationSec: options.warmupSec });
    }
    progress(`${spec.id}: profiling under load for ${loadSec} s`);
    // The profile's timestamps are microseconds of the same monotonic clock as hrtime.
    const startUs = Number(process.hrtime.bigint() / 1000n);
    const load = await runLoad({
      url: `${variant.app.baseUrl}/rolldice`,
      connections: options.connections,
      durationSec: loadSec,
    });
    window = { startUs, endUs: Number(process.hrtime.bigint() / 1000n) };
    requests = load.requests;
    rate = load.requests / load.durationSec;
    if (spec.collector === 'up') delivered = (await waitForDelivery(variant)).settled;
  } finally {
    // The profile is written when the process exits; dice-api exits on SIGTERM after its drain.
    await stopVariant(variant);
  }

  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length !== 1) {
    throw new Error(`expected one .cpuprofile in ${dir}, found ${files.length}; did ${spec.id} exit cleanly?`);
  }
  const path = join(dir, files[0] as string);
  const summary = summariseCpuProfile(JSON.parse(readFileSync(path, 'utf8')) as CpuProfile, {
    rootDir: context.workspaceRoot,
    window,
  });
  return { run: { label: spec.id, summary, requests }, rate, delivered, path };
}
