/**
 * Start-up and memory benchmark (issue 19): how long an app takes from `node …` to answering
 * its first request, and its RSS after 22 requests, with no telemetry, with the library's
 * register entry and with the upstream one, in interleaved rounds (the order rotates every
 * round, so a shared machine's drift hits every variant alike). Prints a Markdown table and the
 * issue's budgets; the numbers live in docs/benchmarks.md.
 *
 *   npx nx run bench:startup                  # 7 rounds; the shop rows need .ci/services.sh
 *   npx nx run bench:startup -- --rounds 3
 *
 * Apps: the plain Express app of the register suite (apps/dice-api-e2e/fixtures/plain-express),
 * which loads none of the packages the lazy instrumentations wait for, and the shop fixture
 * (apps/shop-fixture) against PostgreSQL and Redis from SHOP_E2E_DATABASE_URL/SHOP_E2E_REDIS_URL
 * (without them its rows are left out, saying so).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  getFreePort,
  httpGet,
  spawnNodeProcess,
  startOtlpReceiver,
  stopAllProcesses,
  waitUntil,
  type NodeProcess,
} from '@otel-dice/test-support';
import { nodeMismatch } from './lib/node-version.js';
import { parseProcStatCpuSeconds, parseProcStatus } from './lib/proc.js';
import { roundOrder } from './lib/schedule.js';
import {
  checkStartupBudgets,
  startupReport,
  startupVariants,
  summariseStartup,
  type StartupApp,
  SETTLED_MS,
  type StartupSample,
  type StartupVariant,
} from './lib/startup.js';

/** apps/bench/dist/startup-main.js → the workspace root. */
const ROOT = resolve(__dirname, '..', '..', '..');
const PLAIN = {
  cwd: resolve(ROOT, 'apps/dice-api-e2e/fixtures/plain-express'),
  main: 'server.cjs',
};
const SHOP = { cwd: resolve(ROOT, 'apps/shop-fixture'), main: 'src/main.js' };
const REQUESTS = 22;

function progress(line: string): void {
  process.stderr.write(
    `[startup ${new Date().toISOString().slice(11, 19)}] ${line}\n`,
  );
}

function parseRounds(argv: readonly string[]): number {
  const i = argv.indexOf('--rounds');
  if (i === -1) return 7;
  const value = Number(argv[i + 1]);
  if (!Number.isInteger(value) || value < 1 || value > 50)
    throw new Error(
      `--rounds must be an integer from 1 to 50, got ${argv[i + 1]}`,
    );
  return value;
}

/** The 22 requests: the routes a user of each app would hit first. */
function requestPaths(app: StartupApp, round: number): string[] {
  if (app === 'plain')
    return Array.from({ length: REQUESTS }, (_, i) => `/dice/${6 + (i % 3)}`);
  const paths = [
    '/api/v1/catalog/',
    '/api/v1/catalog/products/1',
    '/api/v2/catalog/products/2',
    '/api/v1/catalog/products/3/price',
    '/api/v1/orders/1',
    '/api/v1/fail/db',
  ];
  return Array.from(
    { length: REQUESTS },
    (_, i) => paths[(i + round) % paths.length],
  );
}

async function runOnce(
  variant: StartupVariant,
  round: number,
  common: Record<string, string>,
  shopEnv: Record<string, string> | undefined,
): Promise<StartupSample> {
  const where = variant.app === 'plain' ? PLAIN : SHOP;
  const spawnedAt = performance.now();
  const app: NodeProcess = await spawnNodeProcess({
    ...where,
    nodeArgs: [...variant.nodeArgs],
    env: {
      ...(variant.nodeArgs.length > 0 ? common : {}),
      ...(variant.app === 'shop' ? shopEnv : {}),
      ...variant.env,
    },
  });
  try {
    await waitUntil(
      async () => {
        if (app.exitInfo) throw new Error(`exited: ${app.outputTail()}`);
        return (
          (await httpGet(`${app.baseUrl}/healthz`, { timeoutMs: 1000 }))
            .status === 200
        );
      },
      {
        timeoutMs: 60_000,
        intervalMs: 5,
        what: `${variant.app}/${variant.name} to answer /healthz`,
      },
    );
    const startMs = performance.now() - spawnedAt;
    const startCpuMs =
      parseProcStatCpuSeconds(readFileSync(`/proc/${app.pid}/stat`, 'utf8')) *
      1000;
    const listeningAt = performance.now();
    for (const path of requestPaths(variant.app, round))
      await httpGet(`${app.baseUrl}${path}`, { timeoutMs: 10_000 });
    const wait = SETTLED_MS - (performance.now() - listeningAt);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const settledCpuMs =
      parseProcStatCpuSeconds(readFileSync(`/proc/${app.pid}/stat`, 'utf8')) *
      1000;
    const { rssBytes } = parseProcStatus(
      readFileSync(`/proc/${app.pid}/status`, 'utf8'),
    );
    return {
      app: variant.app,
      variant: variant.name,
      startMs,
      startCpuMs,
      settledCpuMs,
      rssBytes,
    };
  } finally {
    await app.stop('SIGTERM', 10_000);
  }
}

async function main(): Promise<void> {
  const rounds = parseRounds(process.argv.slice(2));
  const nvmrc = resolve(ROOT, '.nvmrc');
  const wrongNode = nodeMismatch(
    process.version,
    existsSync(nvmrc) ? readFileSync(nvmrc, 'utf8') : '',
    process.env['BENCH_ANY_NODE'] === '1',
  );
  if (wrongNode) {
    process.stderr.write(`startup benchmark: ${wrongNode}\n`);
    process.exitCode = 2;
    return;
  }
  const databaseUrl = process.env['SHOP_E2E_DATABASE_URL'];
  const redisUrl = process.env['SHOP_E2E_REDIS_URL'];
  const apps: StartupApp[] =
    databaseUrl && redisUrl ? ['plain', 'shop'] : ['plain'];
  if (apps.length === 1)
    progress(
      'no SHOP_E2E_DATABASE_URL/SHOP_E2E_REDIS_URL (bash .ci/services.sh start): the shop rows are left out',
    );
  const variants = startupVariants(apps);
  const receiver = await startOtlpReceiver();
  let shopEnv: Record<string, string> | undefined;
  if (apps.includes('shop')) {
    const pricingPort = await getFreePort();
    const pricing = await spawnNodeProcess({
      ...SHOP,
      main: 'src/downstream.js',
      env: { PRICING_PORT: String(pricingPort) },
    });
    await waitUntil(
      () => pricing.stdoutLines.some((l) => l.includes('listening')),
      { timeoutMs: 15_000, what: 'pricing' },
    );
    shopEnv = {
      DATABASE_URL: databaseUrl as string,
      REDIS_URL: redisUrl as string,
      PRICING_URL: `http://127.0.0.1:${pricingPort}`,
    };
  }
  // The setting: an OTLP endpoint and nothing else, so each entry exports by its own
  // defaults — traces, metrics and logs over OTLP for both (the protocol is named because the
  // receiver speaks gRPC and upstream's default is http/protobuf).
  const common = {
    OTEL_SERVICE_NAME: 'startup-bench',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
  };
  const samples: StartupSample[] = [];
  try {
    // One unmeasured run of each first: the file system cache, not the code, differs on a first start.
    for (const variant of variants) await runOnce(variant, 0, common, shopEnv);
    for (let round = 1; round <= rounds; round++) {
      for (const variant of roundOrder(variants, round)) {
        const sample = await runOnce(variant, round, common, shopEnv);
        samples.push(sample);
        progress(
          `round ${round}/${rounds} ${variant.app}/${variant.name}: ${Math.round(sample.startMs)} ms, CPU ${Math.round(sample.startCpuMs)} ms, ${(sample.rssBytes / 1048576).toFixed(0)} MiB`,
        );
      }
    }
  } finally {
    await stopAllProcesses();
    await receiver.stop();
  }
  const rows = summariseStartup(variants, samples);
  process.stdout.write(startupReport(rows, checkStartupBudgets(rows)));
}

main().catch(async (error: unknown) => {
  process.stderr.write(
    `startup benchmark failed: ${(error as Error).stack ?? String(error)}\n`,
  );
  await stopAllProcesses();
  process.exit(1);
});
