/**
 * Starting the BUILT dice-api (apps/dice-api/dist/main.js, produced by `nx build dice-api`, which
 * the e2e target depends on) the way a user runs it: `node main.js`, configured by environment
 * only. test-support gives the child a clean environment (PATH, HOME, APP_HOST_NAME=127.0.0.1,
 * APP_PORT=<free port>), so nothing from the developer's shell leaks in.
 */
import { resolve } from 'node:path';
import {
  httpGet,
  startNodeApp,
  type NodeProcess,
} from '@otel-dice/test-support';
import { parseMetricsText, type MetricSample } from './metrics-text.js';

/**
 * The build under test. DICE_API_E2E_MAIN points the suite at another build (an older one, to
 * measure a change — see flood.e2e.ts); unset, it is this workspace's.
 */
export const DICE_API_MAIN =
  process.env['DICE_API_E2E_MAIN'] ??
  resolve(__dirname, '../../../dice-api/dist/main.js');

/**
 * The tracer the suite runs the app with: DICE_API_E2E_TRACER=sdk (the `e2e-sdk-tracer` target)
 * runs the wire proofs on the SDK's TracerProvider (TELEMETRY_TRACER=sdk); unset, the app picks
 * its default (the compact tracer). A test's own TELEMETRY_TRACER wins.
 */
export const E2E_TRACER: 'compact' | 'sdk' =
  process.env['DICE_API_E2E_TRACER'] === 'sdk' ? 'sdk' : 'compact';

const TRACER_ENV: Record<string, string> =
  E2E_TRACER === 'sdk' ? { TELEMETRY_TRACER: 'sdk' } : {};

/** The start-up line's words for the tracer the suite runs with. */
export const STARTUP_TRACER_WORDS =
  E2E_TRACER === 'sdk' ? 'tracer sdk (TELEMETRY_TRACER=sdk)' : 'tracer compact';

/** Generous: two cores shared with other jobs, and a cold start loads the OTel SDK. */
export const APP_START_TIMEOUT_MS = 30_000;

export interface DiceApiOptions {
  /** OTLP/gRPC endpoint, handed over as the seed's TRACE_ENDPOINT. */
  traceEndpoint: string;
  /** More environment; wins over the defaults here (undefined removes a variable). */
  env?: Record<string, string | undefined>;
}

export function startDiceApi({
  traceEndpoint,
  env = {},
}: DiceApiOptions): Promise<NodeProcess> {
  return startNodeApp({
    main: DICE_API_MAIN,
    env: { TRACE_ENDPOINT: traceEndpoint, ...TRACER_ENV, ...env },
    startTimeoutMs: APP_START_TIMEOUT_MS,
  });
}

/**
 * The built dice-api configured by the given environment only — no seed TRACE_ENDPOINT — as a user
 * coming from another OpenTelemetry SDK would run it.
 */
export function startConfiguredDiceApi(
  env: Record<string, string | undefined>,
): Promise<NodeProcess> {
  return startNodeApp({
    main: DICE_API_MAIN,
    env: { ...TRACER_ENV, ...env },
    startTimeoutMs: APP_START_TIMEOUT_MS,
  });
}

/**
 * How long the app serves the same rendered /metrics page (the library renders at most once a
 * second, see its README): a page read sooner after another may not show what happened since.
 */
export const METRICS_PAGE_KEPT_MS = 1_000;

/** GET /metrics once the page read last, if any, has expired: it shows everything done before. */
export async function readFreshAppMetrics(
  app: NodeProcess,
): Promise<MetricSample[]> {
  await new Promise((resolve) =>
    setTimeout(resolve, METRICS_PAGE_KEPT_MS + 100),
  );
  return readAppMetrics(app);
}

/** GET /metrics of the app itself, parsed. */
export async function readAppMetrics(
  app: NodeProcess,
): Promise<MetricSample[]> {
  const response = await httpGet(`${app.baseUrl}/metrics`, {
    timeoutMs: 10_000,
  });
  if (response.status !== 200)
    throw new Error(
      `GET /metrics answered ${response.status}: ${response.body.slice(0, 200)}`,
    );
  return parseMetricsText(response.body);
}

/** Status of GET /healthz (throws when there is no HTTP answer at all). */
export async function healthStatus(app: NodeProcess): Promise<number> {
  return (await httpGet(`${app.baseUrl}/healthz`, { timeoutMs: 10_000 }))
    .status;
}
