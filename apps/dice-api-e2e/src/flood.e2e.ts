/**
 * ISSUE 13 — span amplification: a flood of the most expensive request there is
 * (`/rolldice?rolls=100`) must not fill the export queue and drop other requests' spans. Since
 * the rolls of one request share one `do_roll` span, every request costs three spans whatever it
 * asks for. The numbers are printed as a table row; to measure another build in the same way:
 *
 *   DICE_API_E2E_MAIN=/path/to/other/dist/main.js npx jest -c apps/dice-api-e2e/jest.config.cts \
 *     apps/dice-api-e2e/src/flood.e2e.ts
 */
import {
  startOtlpReceiver,
  stopAllProcesses,
  waitUntil,
  type OtlpReceiver,
} from '@otel-dice/test-support';
import {
  DICE_API_MAIN,
  readAppMetrics,
  startDiceApi,
} from './support/dice-api.js';
import { runLoad } from './support/load.js';
import { spanPipelineCounts } from './support/metrics-text.js';

const REQUESTS = 2_000;
const CONCURRENCY = 16;

let receiver: OtlpReceiver | undefined;
afterEach(async () => {
  await stopAllProcesses();
  await receiver?.stop();
  receiver = undefined;
});

it(`${REQUESTS} requests for 100 rolls each, ${CONCURRENCY} at a time: three spans each, none dropped`, async () => {
  receiver = await startOtlpReceiver();
  // The export pipeline as shipped: default queue (2048), batch (512) and 1 s delay.
  const app = await startDiceApi({
    traceEndpoint: receiver.endpoint,
    env: {
      DICE_FAULT: 'off',
      LOG_LEVEL: 'warn',
      OTEL_TRACES_SAMPLER: 'always_on',
    },
  });
  const load = await runLoad({
    url: `${app.baseUrl}/rolldice?rolls=100`,
    total: REQUESTS,
    concurrency: CONCURRENCY,
  });
  expect(load.failures).toEqual([]);

  // Every span either exported or dropped: the queue is empty again.
  const counts = await waitUntil(
    async () => {
      const c = spanPipelineCounts(await readAppMetrics(app));
      return c.started > 0 &&
        c.exported + c.queueFull + c.exportFailed >= c.started
        ? c
        : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500, what: 'the span queue to drain' },
  );
  const seconds = load.durationMs / 1000;
  process.stdout.write(
    [
      `flood (${DICE_API_MAIN}):`,
      '| requests | req/s | spans started | spans per request | dropped (queue_full) | exported | received |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      `| ${REQUESTS} | ${Math.round(REQUESTS / seconds)} | ${counts.started} | ${(counts.started / REQUESTS).toFixed(1)} | ${counts.queueFull} | ${counts.exported} | ${receiver.spans.length} |`,
      '',
    ].join('\n'),
  );
  expect(counts.started).toBe(REQUESTS * 3);
  expect(counts.queueFull).toBe(0);
  expect(counts.exportFailed).toBe(0);
  expect(receiver.spans.length).toBe(REQUESTS * 3);
});
