/**
 * ISSUE 5 — shutdown loses nothing: with a batch delay far longer than the test, queued spans can
 * only reach the collector through the shutdown flush. SIGTERM (orchestrators) and SIGINT
 * (Ctrl-C) right after the last response must deliver every trace and exit 0 within 10 s.
 */
import {
  startOtlpReceiver,
  stopAllProcesses,
  type OtlpReceiver,
} from '@otel-dice/test-support';
import { startDiceApi } from './support/dice-api.js';
import { runLoad } from './support/load.js';
import { completeRollTraces } from './support/traces.js';

const REQUESTS = 25;
/**
 * 30 s batch delay: no timer-driven export happens during the test. The size trigger (512 spans)
 * is out of reach too: 25 requests make about 100 spans.
 */
const HOLD_SPANS = { OTEL_BSP_SCHEDULE_DELAY: '30000' };
/** The service promises to be gone within 10 s of the signal (Docker's default grace period). */
const EXIT_BUDGET_MS = 10_000;

let receiver: OtlpReceiver | undefined;

afterEach(async () => {
  await stopAllProcesses();
  await receiver?.stop();
  receiver = undefined;
});

describe.each(['SIGTERM', 'SIGINT'] as const)(
  '%s right after the last response',
  (signal) => {
    it(`flushes all ${REQUESTS} traces before exiting 0 within 10 s`, async () => {
      receiver = await startOtlpReceiver();
      const app = await startDiceApi({
        traceEndpoint: receiver.endpoint,
        env: HOLD_SPANS,
      });

      const result = await runLoad({
        url: `${app.baseUrl}/rolldice`,
        total: REQUESTS,
        concurrency: 4,
      });
      expect(result.failures).toEqual([]);
      // Precondition that makes this test mean something: nothing was exported yet.
      expect(receiver.spans).toHaveLength(0);

      // Grace period beyond the budget only so an overrun is measured instead of cut short.
      const stopped = await app.stop(signal, EXIT_BUDGET_MS + 5_000);

      expect({
        code: stopped.code,
        signal: stopped.signal,
        forcedKill: stopped.forcedKill,
      }).toEqual({
        code: 0,
        signal: null,
        forcedKill: false,
      });
      expect(stopped.durationMs).toBeLessThan(EXIT_BUDGET_MS);
      // The process is gone, so whatever arrived is all that ever will: no waiting here.
      const traces = completeRollTraces(receiver.spans);
      expect(traces.size).toBe(REQUESTS);
      expect(receiver.traces().size).toBe(REQUESTS);
    });
  },
);
