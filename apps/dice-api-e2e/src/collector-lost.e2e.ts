/**
 * ISSUE 4 — collector lost mid-run. While load runs the collector goes away, in the two ways a
 * collector can be lost:
 * - stopped (the receiver process is gone, connection refused): exports fail at once, so the
 *   spans are dropped batch by batch as failed exports;
 * - hung (connections accepted, never answered): every export waits for its timeout, the batch
 *   queue fills and further spans are dropped on arrival (error_type="queue_full").
 * Either way no request may fail, the app's memory must stay where the collector-up run left it
 * (dropped and counted, not hoarded), and once the collector is back spans flow again.
 *
 * Memory bound (README): after each of three 20,000-request runs with the collector lost, the
 * app's VmRSS may exceed its VmRSS after a 20,000-request run with the collector up by at most
 * RSS_BOUND_BYTES. Measured over 5 suite runs: a bounded pipeline settles +7..+51 MiB above the
 * reference and stops growing; a queue that kept every span grows ~60 MiB per run (60,000 spans
 * at ~1 KiB), ~180 MiB after three.
 */
import {
  formatMiB,
  getFreePort,
  MiB,
  readRssBytes,
  startOtlpReceiver,
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
import { runLoad, startLoad, type LoadResult } from './support/load.js';
import {
  spanPipelineCounts,
  type SpanPipelineCounts,
} from './support/metrics-text.js';
import { startTcpLink, type TcpLink } from './support/tcp-link.js';
import { serverSpans } from './support/traces.js';

const RUN_REQUESTS = 20_000;
/**
 * Runs with the collector lost, each checked against the bound. One run of hoarding (~60 MiB) is
 * too close to the noise (up to +51 MiB) to tell apart; a leak grows with every run, noise does not.
 */
const LOST_RUNS = 3;
const WARMUP_REQUESTS = 1_000;
/** Requests of the run during which the collector is lost, and after how many responses. */
const MIDRUN_REQUESTS = 3_000;
const LOSE_AFTER = 500;
/**
 * The lost-collector plateau (~250-280 MiB) does not depend on the reference, so a low reference
 * widens the gap: the SDK's tracer leaves 213-240 MiB after the collector-up run, the compact
 * tracer (issue 23) only 173-177 MiB while its lost runs settle at 227-269 MiB (+96 MiB seen
 * once). 128 MiB keeps headroom over that and stays below what three runs of hoarding cost
 * (~180 MiB): a leak grows with every run, the plateau does not.
 */
const RSS_BOUND_BYTES = 128 * MiB;
/** grpc-js reconnect backoff can reach tens of seconds; generous on a busy machine. */
const RECOVERY_DEADLINE_MS = 60_000;
/** Exports give up after 2 s, so a hung collector costs 2 s per batch, not the default 10. */
const APP_ENV = { DICE_FAULT: 'off', OTEL_EXPORTER_OTLP_TIMEOUT: '2000' };
const TEST_TIMEOUT_MS = 300_000;

let receiver: OtlpReceiver | undefined;
let link: TcpLink | undefined;

afterEach(async () => {
  await stopAllProcesses();
  await link?.close();
  await receiver?.stop();
  receiver = undefined;
  link = undefined;
});

it(
  'collector stopped mid-run (connection refused): no failed request, bounded memory, dropped spans counted, recovery',
  async () => {
    const r = (receiver = await startOtlpReceiver({
      port: await getFreePort(),
    }));
    const app = await startDiceApi({ traceEndpoint: r.endpoint, env: APP_ENV });
    const rssUp = await collectorUpReference(app, r);

    const lossRun = startLoad({ url: rollUrl(app), total: MIDRUN_REQUESTS });
    await waitUntil(() => lossRun.completed >= LOSE_AFTER, {
      timeoutMs: 60_000,
      what: `${LOSE_AFTER} responses`,
    });
    await r.stop();
    expect(lossRun.completed).toBeLessThan(MIDRUN_REQUESTS); // the collector really went away mid-run
    expectAllOk(await lossRun.done, MIDRUN_REQUESTS);
    await expectAliveAndCalm(app);

    const counts = await lostRunsWithinBound(app, rssUp);
    expect(counts.exportFailed).toBeGreaterThan(0); // refused exports fail fast, batch by batch
    // One outage, one warning line, however many batches failed (see collector-down-at-start).
    expect(exporterWarnings(app.lines)).toHaveLength(1);

    const backAtNs = nowNs();
    await r.start(); // same port: the app was never told anything
    await expectSpansFlowAgain(app, r, backAtNs);
  },
  TEST_TIMEOUT_MS,
);

it(
  'collector hung mid-run (accepts, never answers): no failed request, bounded memory, queue_full drops counted, recovery',
  async () => {
    const r = (receiver = await startOtlpReceiver());
    const l = (link = await startTcpLink(r.port));
    const app = await startDiceApi({
      traceEndpoint: `http://127.0.0.1:${l.port}`,
      env: APP_ENV,
    });
    const rssUp = await collectorUpReference(app, r);

    const lossRun = startLoad({ url: rollUrl(app), total: MIDRUN_REQUESTS });
    await waitUntil(() => lossRun.completed >= LOSE_AFTER, {
      timeoutMs: 60_000,
      what: `${LOSE_AFTER} responses`,
    });
    l.setMode('hang');
    expect(lossRun.completed).toBeLessThan(MIDRUN_REQUESTS);
    expectAllOk(await lossRun.done, MIDRUN_REQUESTS);
    await expectAliveAndCalm(app);

    const counts = await lostRunsWithinBound(app, rssUp);
    expect(counts.queueFull).toBeGreaterThan(0); // the queue overflowed and said so
    expect(l.heldConnections).toBeGreaterThan(0); // the exporter was talking to the hung link
    // One outage, one warning line, however many batches failed (see collector-down-at-start).
    expect(exporterWarnings(app.lines)).toHaveLength(1);

    const backAtNs = nowNs();
    l.setMode('pass');
    await expectSpansFlowAgain(app, r, backAtNs);
  },
  TEST_TIMEOUT_MS,
);

function rollUrl(app: NodeProcess): string {
  return `${app.baseUrl}/rolldice`;
}

function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/** The counts on the page the app serves now: enough to wait for a condition to show. */
async function pipeline(app: NodeProcess): Promise<SpanPipelineCounts> {
  return spanPipelineCounts(await readAppMetrics(app));
}

/**
 * The counts on a page rendered after this call: what a delta is taken from. The app serves the
 * same page for a second (see METRICS_PAGE_KEPT_MS); a page kept from before the mid-run loss,
 * taken as a run's baseline, would put the batches exported before the loss into that run.
 */
async function freshPipeline(app: NodeProcess): Promise<SpanPipelineCounts> {
  return spanPipelineCounts(await readFreshAppMetrics(app));
}

/** Warm-up, then the reference run with the collector up; returns the app's RSS after it. */
async function collectorUpReference(
  app: NodeProcess,
  r: OtlpReceiver,
): Promise<number> {
  expectAllOk(
    await runLoad({ url: rollUrl(app), total: WARMUP_REQUESTS }),
    WARMUP_REQUESTS,
  );
  expectAllOk(
    await runLoad({ url: rollUrl(app), total: RUN_REQUESTS }),
    RUN_REQUESTS,
  );
  await waitUntil(async () => (await pipeline(app)).queueSize === 0, {
    timeoutMs: 60_000,
    what: 'the span queue to drain after the collector-up run',
  });
  const rss = readRssBytes(app.pid);
  expect(r.spans.length).toBeGreaterThan(0);
  r.clear(); // the test process need not keep ~80,000 spans
  return rss;
}

/**
 * LOST_RUNS full runs with the collector lost, the app's RSS checked against the bound after each;
 * returns the drop counters summed over all runs.
 */
async function lostRunsWithinBound(
  app: NodeProcess,
  rssUp: number,
): Promise<Pick<SpanPipelineCounts, 'queueFull' | 'exportFailed'>> {
  const total = { queueFull: 0, exportFailed: 0 };
  for (let run = 1; run <= LOST_RUNS; run += 1) {
    const { counts, rss } = await runWithCollectorLost(app);
    expectRssWithinBound(rssUp, rss, run);
    total.queueFull += counts.queueFull;
    total.exportFailed += counts.exportFailed;
  }
  return total;
}

/**
 * A full run with the collector lost. Nothing may be exported, and every span the run started is
 * accounted for as dropped (queue full, or in a batch the exporter gave up on) except what the
 * bounded queue still holds. Returns the counter deltas and the app's RSS right after the load.
 */
async function runWithCollectorLost(
  app: NodeProcess,
): Promise<{ counts: SpanPipelineCounts; rss: number }> {
  // Fresh: the page of the last queue-drain wait can still be served here when the mid-run loss
  // took less than a second, and it predates the batches exported before the loss.
  const before = await freshPipeline(app);
  expectAllOk(
    await runLoad({ url: rollUrl(app), total: RUN_REQUESTS }),
    RUN_REQUESTS,
  );
  const rss = readRssBytes(app.pid);
  // The batch processor exports one batch at a time, and that batch is neither in the queue nor
  // counted until its export ends. With the exporter failing batches between probes, the queue
  // drains once the load stops; counting then leaves at most a probe batch in flight instead of a
  // full queue plus one.
  await waitUntil(async () => (await pipeline(app)).queueSize === 0, {
    timeoutMs: 30_000,
    what: 'the span queue to drain with the collector lost',
  });
  // Fresh as well: a page rendered after the drain showed, whatever the load's duration.
  const after = await freshPipeline(app);

  const counts: SpanPipelineCounts = {
    started: after.started - before.started,
    exported: after.exported - before.exported,
    queueFull: after.queueFull - before.queueFull,
    exportFailed: after.exportFailed - before.exportFailed,
    queueSize: after.queueSize,
    queueCapacity: after.queueCapacity,
  };
  expect(counts.started).toBeGreaterThanOrEqual(RUN_REQUESTS * 3); // server, handler, do_roll, do_important_job
  expect(counts.exported).toBe(0);
  expect(counts.queueSize).toBeLessThanOrEqual(counts.queueCapacity);
  expect(counts.queueFull + counts.exportFailed).toBeGreaterThanOrEqual(
    counts.started - counts.queueCapacity,
  );
  await expectAliveAndCalm(app);
  return { counts, rss };
}

function expectRssWithinBound(
  rssUp: number,
  rssLost: number,
  run: number,
): void {
  const report = {
    run,
    rssUp: formatMiB(rssUp),
    rssLost: formatMiB(rssLost),
    bound: `+${formatMiB(RSS_BOUND_BYTES)}`,
  };
  // One line per run, so the README's numbers can be re-checked from any CI log.
  process.stdout.write(
    `collector-lost: VmRSS ${report.rssUp} after the collector-up run, ${report.rssLost} after collector-lost run ${run} (bound ${report.bound})\n`,
  );
  expect({
    ...report,
    withinBound: rssLost <= rssUp + RSS_BOUND_BYTES,
  }).toEqual({ ...report, withinBound: true });
}

/** Keeps sending a few requests until spans of requests sent after `sinceNs` arrive. */
async function expectSpansFlowAgain(
  app: NodeProcess,
  r: OtlpReceiver,
  sinceNs: bigint,
): Promise<void> {
  await waitUntil(
    async () => {
      expectAllOk(
        await runLoad({ url: rollUrl(app), total: 5, concurrency: 1 }),
        5,
      );
      return serverSpans(r.spans).some(
        (span) => span.startTimeUnixNano >= sinceNs,
      );
    },
    {
      timeoutMs: RECOVERY_DEADLINE_MS,
      intervalMs: 500,
      what: 'spans of requests sent after the collector came back',
    },
  );
  await expectAliveAndCalm(app);
}

function expectAllOk(result: LoadResult, total: number): void {
  expect({
    failures: result.failures.slice(0, 5),
    statuses: result.statuses,
  }).toEqual({
    failures: [],
    statuses: new Map([[200, total]]),
  });
}

async function expectAliveAndCalm(app: NodeProcess): Promise<void> {
  expect(app.exitInfo).toBeUndefined();
  expect(await healthStatus(app)).toBe(200);
  expect(crashSigns(app.lines)).toEqual([]);
}
