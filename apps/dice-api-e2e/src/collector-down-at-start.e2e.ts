/**
 * ISSUE 3 — collector down at start: the app comes up while nothing listens on its OTLP port.
 * Requests must not notice (all succeed, no unhandled rejection, process alive), the app may say
 * so in at most one warning line however many exports fail, and once a collector appears on that
 * port the spans of later requests reach it.
 */
import {
  createOtlpReceiver,
  getFreePort,
  stopAllProcesses,
  waitUntil,
  type NodeProcess,
  type OtlpReceiver,
} from '@otel-dice/test-support';
import { crashSigns, exporterWarnings } from './support/app-output.js';
import {
  healthStatus,
  readAppMetrics,
  readFreshAppMetrics,
  startDiceApi,
} from './support/dice-api.js';
import { runLoad } from './support/load.js';
import { spanPipelineCounts } from './support/metrics-text.js';
import { completeRollTraces, serverSpans } from './support/traces.js';

/** Rounds of requests while the collector is absent; each one costs at least one failed export. */
const ROUNDS = 3;
const REQUESTS_PER_ROUND = 50;
/**
 * grpc-js backs off between reconnect attempts (1 s, growing ×1.6 with jitter, capped at 120 s),
 * so the first export after the collector appears may wait for the next attempt: be generous.
 */
const RECOVERY_DEADLINE_MS = 60_000;

let receiver: OtlpReceiver | undefined;

afterEach(async () => {
  await stopAllProcesses();
  await receiver?.stop();
  receiver = undefined;
});

it('serves every request with no collector, warns at most once, and exports once a collector appears', async () => {
  // Reserved, not bound: the app gets an endpoint where nothing listens (connection refused).
  const port = await getFreePort();
  receiver = createOtlpReceiver({ port });
  const app = await startDiceApi({
    traceEndpoint: receiver.endpoint,
    env: {
      DICE_FAULT: 'off',
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_EXPORTER_OTLP_TIMEOUT: '2000',
    },
  });
  const url = `${app.baseUrl}/rolldice`;

  for (let round = 1; round <= ROUNDS; round += 1) {
    const result = await runLoad({
      url,
      total: REQUESTS_PER_ROUND,
      concurrency: 4,
    });
    expect({
      round,
      failures: result.failures,
      statuses: result.statuses,
    }).toEqual({
      round,
      failures: [],
      statuses: new Map([[200, REQUESTS_PER_ROUND]]),
    });
    // Wait until every span started so far has failed to export: this round's spans cannot fail
    // before they exist, so each round proves at least one more failed export attempt. A fresh
    // page: the one kept from the last round's wait would count none of this round's spans.
    const { started } = spanPipelineCounts(await readFreshAppMetrics(app));
    await waitUntil(
      async () =>
        spanPipelineCounts(await readAppMetrics(app)).exportFailed >= started,
      {
        timeoutMs: 30_000,
        intervalMs: 200,
        what: `round ${round}: the app's /metrics to count all ${started} started spans as failed exports`,
      },
    );
    await expectAliveAndCalm(app);
  }
  expect(receiver.spans).toHaveLength(0);
  // At most one line for the whole outage. Exactly one is what the telemetry library documents
  // (one warning per outage), and demanding it keeps this check from passing blind should the
  // line's format ever stop matching.
  const warnings = exporterWarnings(app.lines);
  expect(warnings).toHaveLength(1);

  // The collector appears on the very port the app was given.
  const appearedAtNs = BigInt(Date.now()) * 1_000_000n;
  await receiver.start();
  const r = receiver;
  // Keep sending a few requests until spans of requests made after the collector appeared arrive.
  await waitUntil(
    async () => {
      await runLoad({ url, total: 5, concurrency: 1 });
      return serverSpans(r.spans).some(
        (span) => span.startTimeUnixNano >= appearedAtNs,
      );
    },
    {
      timeoutMs: RECOVERY_DEADLINE_MS,
      intervalMs: 500,
      what: 'spans of requests sent after the collector started',
    },
  );
  const later = [...completeRollTraces(r.spans).values()].filter((trace) =>
    serverSpans(trace).every((span) => span.startTimeUnixNano >= appearedAtNs),
  );
  expect(later.length).toBeGreaterThan(0);
  await expectAliveAndCalm(app);
  // Still no second warning: recovery is not another outage.
  expect(exporterWarnings(app.lines)).toEqual(warnings);
});

/** The process survived, answers health checks, and never printed a crash or unhandled rejection. */
async function expectAliveAndCalm(app: NodeProcess): Promise<void> {
  expect(app.exitInfo).toBeUndefined();
  expect(await healthStatus(app)).toBe(200);
  expect(crashSigns(app.lines)).toEqual([]);
}
