/**
 * dice-api telemetry overhead benchmark. See apps/bench/README.md and docs/benchmarks.md.
 *
 * The same bundle also runs the OTLP receiver and the stand-in Datadog agent as their own
 * processes (`main.js serve-receiver`, `main.js serve-datadog-agent`), so they never share an
 * event loop with the load generator, and the floor microbenchmark (`main.js floor`); the bare
 * node:http baseline and the peers have their own small bundles (limit-server-main.js,
 * peer-server-main.js, datadog-peer-main.js).
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { liveProcessCount, stopAllProcesses } from '@otel-dice/test-support';
import { floorCommand } from './floor/run-floor.js';
import {
  parseBenchArgs,
  USAGE,
  UsageError,
  type BenchOptions,
} from './lib/args.js';
import { nodeMismatch } from './lib/node-version.js';
import { serveDatadogAgent } from './roles/datadog-agent.js';
import { serveReceiver } from './roles/receiver.js';
import { runComparison } from './runner/run-comparison.js';
import { runCpuProfile } from './runner/run-cpu-profile.js';

/** apps/bench/dist/main.js → the workspace root. */
const WORKSPACE_ROOT = resolve(__dirname, '..', '..', '..');

function readPinnedNode(): string {
  const file = join(WORKSPACE_ROOT, '.nvmrc');
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

function progress(line: string): void {
  process.stderr.write(
    `[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`,
  );
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === 'serve-receiver') return serveReceiver();
  if (argv[0] === 'serve-datadog-agent') return serveDatadogAgent();
  if (argv[0] === 'floor') {
    process.exitCode = floorCommand(argv.slice(1));
    return;
  }

  let options: BenchOptions;
  try {
    options = parseBenchArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench: ${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (options.mode === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (process.platform !== 'linux') {
    process.stderr.write(
      'bench: needs Linux (/proc is where CPU and memory are read)\n',
    );
    process.exitCode = 2;
    return;
  }
  const wrongNode = nodeMismatch(
    process.version,
    readPinnedNode(),
    process.env['BENCH_ANY_NODE'] === '1',
  );
  if (wrongNode) {
    process.stderr.write(`bench: ${wrongNode}\n`);
    process.exitCode = 2;
    return;
  }
  const diceApiMain = resolve(
    options.app ?? resolve(WORKSPACE_ROOT, 'apps/dice-api/dist/main.js'),
  );
  if (!existsSync(diceApiMain)) {
    process.stderr.write(
      `bench: ${diceApiMain} not found; build it first: npx nx build dice-api\n`,
    );
    process.exitCode = 2;
    return;
  }

  const baselineMain =
    options.baseline === undefined ? undefined : resolve(options.baseline);
  if (baselineMain !== undefined && !existsSync(baselineMain)) {
    process.stderr.write(`bench: --baseline ${baselineMain} not found\n`);
    process.exitCode = 2;
    return;
  }
  if (baselineMain !== undefined && options.mode === 'cpu-prof') {
    progress(
      '--baseline is not used with --cpu-prof (it profiles off and on only)',
    );
  }

  const context = {
    benchMain: __filename,
    limitServerMain: join(__dirname, 'limit-server-main.js'),
    peerServerMain: join(__dirname, 'peer-server-main.js'),
    datadogPeerMain: join(__dirname, 'datadog-peer-main.js'),
    diceApiMain: snapshot(diceApiMain, 'dice-api-snapshot'),
    baselineMain:
      baselineMain === undefined
        ? undefined
        : snapshot(baselineMain, 'dice-api-baseline'),
    workspaceRoot: WORKSPACE_ROOT,
  };
  const budgetMs = timeBudgetMs(options);
  const watchdog = setTimeout(() => {
    progress(
      `giving up: the run took longer than its ${Math.round(budgetMs / 1000)} s budget`,
    );
    void shutdown(3);
  }, budgetMs);
  watchdog.unref();
  process.once('SIGINT', () => void shutdown(130));
  process.once('SIGTERM', () => void shutdown(143));

  if (Number(process.versions.node.split('.')[0]) < 24) {
    progress(
      `WARNING: Node ${process.version}; the apps need Node 24 (run through npx so node_modules/.bin comes first)`,
    );
  }
  progress(
    `Node ${process.version}; expected run time ≤ ${Math.round(budgetMs / 1000)} s (hard limit)`,
  );
  try {
    const report =
      options.mode === 'cpu-prof'
        ? await runCpuProfile(options, context, progress)
        : await runComparison(options, context, progress);
    process.stdout.write(`${report}\n`);
    if (options.out) {
      writeFileSync(options.out, `${report}\n`);
      progress(`report written to ${options.out}`);
    }
  } catch (error) {
    process.stderr.write(
      `bench: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  } finally {
    clearTimeout(watchdog);
    await stopAllProcesses(10_000);
  }
}

/**
 * Runs a copy of the dice-api bundle taken now, so a rebuild during the run (someone editing the
 * app) cannot change the code under test between variants or rounds. The copy lives under
 * apps/bench/dist, so the bundle's external packages still resolve from the workspace's
 * node_modules (which is also why a --baseline bundle must use the same node_modules).
 */
function snapshot(bundle: string, dirName: string): string {
  const dir = join(__dirname, dirName);
  mkdirSync(dir, { recursive: true });
  const copy = join(dir, 'main.js');
  copyFileSync(bundle, copy);
  progress(`running a snapshot of ${bundle} (${copy})`);
  return copy;
}

/** Every child is stopped before leaving, whatever the reason. */
async function shutdown(code: number): Promise<void> {
  progress(`stopping ${liveProcessCount()} child process(es)`);
  await stopAllProcesses(5_000);
  process.exit(code);
}

/**
 * Generous upper bound of the run: planned load time plus start-up and flush allowances, doubled.
 * Past it the run is stuck, not slow.
 */
function timeBudgetMs(o: BenchOptions): number {
  const variants = 9 + o.variants.length + (o.baseline === undefined ? 0 : 1);
  const comparison =
    o.mode === 'cpu-prof'
      ? o.warmupSec + 2 * o.durationSec + 60
      : variants * (o.warmupSec + 15) +
        o.rounds * variants * (o.durationSec + 5) +
        // the peers' rounds end with a wait for their batch delays (5 s, 2 s)
        (o.rounds + 1) * 30 +
        o.rounds * (o.floorSec + o.floorWarmupSec + 5) +
        o.scrapes * 0.1 +
        (o.skipFixedRate ? 0 : o.fixedWarmupSec + o.fixedDurationSec + 60);
  return Math.round((2 * comparison + 120) * 1000);
}

void main();
