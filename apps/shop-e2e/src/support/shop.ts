/**
 * Running the shop fixture (apps/shop-fixture) as its users would: `node --require
 * @otel-dice/telemetry/register src/main.js` (or `--import … src/main.mjs`), configured by the
 * environment only, beside its pricing service downstream, against the PostgreSQL and Redis that
 * .ci/services.sh started.
 */
import { resolve } from 'node:path';
import {
  getFreePort,
  spawnNodeProcess,
  startNodeApp,
  waitUntil,
  type NodeProcess,
  type ReceivedSpan,
} from '@otel-dice/test-support';

export const SHOP_DIR = resolve(__dirname, '../../../shop-fixture');

export interface Services {
  readonly databaseUrl: string;
  readonly redisUrl: string;
}

/**
 * The services from .ci/services.sh, or why there are none. With CI=true a missing service is a
 * failure (the suite must not pass blind); locally the suite is skipped with one line.
 */
export function servicesFromEnv(env: NodeJS.ProcessEnv = process.env): {
  services?: Services;
  missing?: string;
} {
  const databaseUrl = env['SHOP_E2E_DATABASE_URL'];
  const redisUrl = env['SHOP_E2E_REDIS_URL'];
  if (databaseUrl && redisUrl) return { services: { databaseUrl, redisUrl } };
  return {
    missing:
      'SHOP_E2E_DATABASE_URL / SHOP_E2E_REDIS_URL are not set: start PostgreSQL and Redis with `bash .ci/services.sh start` and source .tools/services/env',
  };
}

/** The pricing service the shop fetches from, without telemetry. */
export async function startDownstream(): Promise<NodeProcess> {
  const port = await getFreePort();
  const downstream = await spawnNodeProcess({
    cwd: SHOP_DIR,
    main: 'src/downstream.js',
    env: { PRICING_PORT: String(port) },
  });
  await waitUntil(
    () => downstream.stdoutLines.some((l) => l.includes('pricing listening')),
    { timeoutMs: 15_000, what: 'the pricing service to listen' },
  );
  return Object.assign(downstream, { pricingUrl: `http://127.0.0.1:${port}` });
}

export interface ShopOptions {
  readonly services: Services;
  readonly pricingUrl: string;
  readonly env?: Record<string, string | undefined>;
  /** `require`: --require + main.js (default); `import`: --import + main.mjs. */
  readonly loader?: 'require' | 'import';
}

export interface Shop extends NodeProcess {
  /** The forked job worker's pid, from the shop's listening line. */
  readonly workerPid: number;
  /** Milliseconds from spawn to the first healthy answer. */
  readonly startMs: number;
}

/** Starts the shop with the register entry and waits for /healthz and the worker. */
export async function startShop(options: ShopOptions): Promise<Shop> {
  const loader = options.loader ?? 'require';
  const started = performance.now();
  const app = await startNodeApp({
    cwd: SHOP_DIR,
    main: loader === 'require' ? 'src/main.js' : 'src/main.mjs',
    nodeArgs: [`--${loader}`, '@otel-dice/telemetry/register'],
    startTimeoutMs: 60_000,
    env: {
      DATABASE_URL: options.services.databaseUrl,
      REDIS_URL: options.services.redisUrl,
      PRICING_URL: options.pricingUrl,
      OTEL_SERVICE_NAME: 'shop',
      ...options.env,
    },
  });
  const startMs = performance.now() - started;
  const line = await waitUntil(
    () =>
      app.stdoutLines.find((l) => /shop listening .*worker pid \d+/.test(l)),
    { timeoutMs: 15_000, what: 'the shop to print its listening line' },
  );
  const workerPid = Number(/worker pid (\d+)/.exec(line)?.[1]);
  return Object.defineProperties(app as Shop, {
    workerPid: { value: workerPid, enumerable: true },
    startMs: { value: startMs, enumerable: true },
  });
}

/** The telemetry lines a process printed (`[otel] …`). */
export function otelLines(app: NodeProcess): string[] {
  return app.stderrLines.filter((l) => l.startsWith('[otel]'));
}

/** Spans of one instrumentation scope. */
export function byScope(
  spans: readonly ReceivedSpan[],
  scope: string,
): ReceivedSpan[] {
  return spans.filter((s) => s.scope.name === scope);
}

export const SCOPES = {
  server: '@otel-dice/telemetry/http-server',
  pg: '@opentelemetry/instrumentation-pg',
  knex: '@opentelemetry/instrumentation-knex',
  ioredis: '@opentelemetry/instrumentation-ioredis',
  undici: '@opentelemetry/instrumentation-undici',
} as const;
