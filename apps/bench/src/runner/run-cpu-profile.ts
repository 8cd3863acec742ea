/**
 * --cpu-prof: the "on" variant under the same closed-loop load, run with `node --cpu-prof`, and a
 * summary of where its CPU time went. The .cpuprofile is kept for Chrome DevTools / speedscope.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchOptions } from '../lib/args.js';
import { summariseCpuProfile, type CpuProfile } from '../lib/cpu-profile.js';
import { formatNumber } from '../lib/format.js';
import { formatProfileSummary } from '../lib/profile-report.js';
import { variantSpecs } from '../lib/variants.js';
import { runLoad } from './load.js';
import type { Progress } from './run-comparison.js';
import { machineInfo } from './run-comparison.js';
import { warmUp } from './round.js';
import { startVariant, stopVariant, waitForDelivery, type LaunchContext } from './variant-process.js';

export async function runCpuProfile(
  options: BenchOptions,
  context: LaunchContext & { workspaceRoot: string },
  progress: Progress,
): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'dice-api-cpuprof-'));
  const spec = variantSpecs(options.onEnv, []).find((s) => s.id === 'on');
  if (!spec) throw new Error('the "on" variant is missing');
  const loadSec = options.durationSec * 2;

  progress(`starting "on" with --cpu-prof (profile directory ${dir})`);
  const variant = await startVariant(spec, { ...context, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
  let rate: number;
  let delivered: boolean;
  try {
    if (options.warmupSec > 0) {
      progress(`warm-up ${options.warmupSec} s`);
      await warmUp(variant, { connections: options.connections, durationSec: options.warmupSec });
    }
    progress(`profiling under load for ${loadSec} s`);
    const load = await runLoad({
      url: `${variant.app.baseUrl}/rolldice`,
      connections: options.connections,
      durationSec: loadSec,
    });
    rate = load.requests / load.durationSec;
    delivered = (await waitForDelivery(variant)).settled;
  } finally {
    // The profile is written when the process exits; dice-api exits on SIGTERM after its drain.
    const stopped = await stopVariant(variant).then(() => variant.app.exitInfo);
    progress(`"on" exited (${JSON.stringify(stopped)})`);
  }

  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length !== 1) {
    throw new Error(`expected one .cpuprofile in ${dir}, found ${files.length}; did the app exit cleanly?`);
  }
  const path = join(dir, files[0] as string);
  const summary = summariseCpuProfile(JSON.parse(readFileSync(path, 'utf8')) as CpuProfile, {
    rootDir: context.workspaceRoot,
  });
  const machine = machineInfo([]);
  return [
    `# CPU profile of dice-api "on" — ${machine.date}`,
    '',
    `Node ${machine.nodeVersion}, ${machine.cpus} × ${machine.cpuModel}. ` +
      `${options.warmupSec} s warm-up + ${loadSec} s of autocannon with ${options.connections} connections ` +
      `(${formatNumber(rate)} req/s under the profiler); spans ${delivered ? 'all delivered' : 'NOT all delivered'}. ` +
      `The profile covers the whole process life (start-up and warm-up included).`,
    ...Object.entries(options.onEnv).map(([k, v]) => `Extra environment: ${k}=${v}`),
    '',
    formatProfileSummary(summary, 20),
    '',
    `Profile file (open in Chrome DevTools → Performance, or speedscope): ${path}`,
    '',
  ].join('\n');
}
