/**
 * ISSUE 1 — traces arrive: every /rolldice request becomes exactly one trace at an OTLP/gRPC
 * receiver, shaped as the seed promises (HTTP server span -> do_roll + do_important_job), named
 * after the configured service, and every 500 is an ERROR server span.
 */
import type {
  NodeProcess,
  OtlpReceiver,
  ReceivedSpan,
} from '@otel-dice/test-support';
import { startOtlpReceiver, stopAllProcesses } from '@otel-dice/test-support';
import { startDiceApi } from './support/dice-api.js';
import { countStatus, runLoad, type LoadResult } from './support/load.js';
import {
  completeRollTraces,
  describeTrace,
  serverSpans,
  singleRollTraceProblems,
  spansNamed,
  STATUS_ERROR,
} from './support/traces.js';

/** Short batch delay so traces arrive quickly; the shutdown suite covers the long-delay case. */
const FAST_EXPORT = { OTEL_BSP_SCHEDULE_DELAY: '200' };
const TRACE_DEADLINE_MS = 30_000;

let receiver: OtlpReceiver | undefined;

beforeEach(async () => {
  receiver = await startOtlpReceiver();
});

afterEach(async () => {
  await stopAllProcesses();
  await receiver?.stop();
  receiver = undefined;
});

function requireReceiver(): OtlpReceiver {
  if (!receiver) throw new Error('receiver not started');
  return receiver;
}

/** Waits until `count` complete /rolldice traces arrived and returns them. */
async function waitForRollTraces(
  count: number,
): Promise<Map<string, ReceivedSpan[]>> {
  const r = requireReceiver();
  await r.waitForSpans((spans) => completeRollTraces(spans).size >= count, {
    timeoutMs: TRACE_DEADLINE_MS,
    what: `${count} complete /rolldice traces (server span + do_roll + do_important_job)`,
  });
  return completeRollTraces(r.spans);
}

/**
 * Sends single rolls in small rounds until both a 200 and a 500 were seen, so the test can never
 * pass without exercising the fault path. With the seed's 1..7 draw the chance of no 7 in 600
 * rolls is (6/7)^600 ≈ 1e-40.
 */
async function rollUntilBothOutcomes(
  app: NodeProcess,
): Promise<{ sent: number; result: LoadResult }> {
  const statuses = new Map<number, number>();
  const failures: string[] = [];
  let sent = 0;
  while (
    sent < 600 &&
    !((statuses.get(200) ?? 0) > 0 && (statuses.get(500) ?? 0) > 0)
  ) {
    const round = await runLoad({
      url: `${app.baseUrl}/rolldice`,
      total: 20,
      concurrency: 4,
    });
    sent += 20;
    for (const [status, n] of round.statuses)
      statuses.set(status, (statuses.get(status) ?? 0) + n);
    failures.push(...round.failures);
  }
  return { sent, result: { statuses, failures, durationMs: 0 } };
}

describe('traces of GET /rolldice at an OTLP/gRPC receiver', () => {
  it('N requests give N traces: server span -> do_roll (1..7) + do_important_job as children, and every 500 is ERROR', async () => {
    const app = await startDiceApi({
      traceEndpoint: requireReceiver().endpoint,
      env: FAST_EXPORT,
    });

    const { sent, result } = await rollUntilBothOutcomes(app);
    expect(result.failures).toEqual([]);
    const ok = countStatus(result, 200);
    const failed = countStatus(result, 500);
    expect(ok + failed).toBe(sent);
    expect(ok).toBeGreaterThan(0);
    expect(failed).toBeGreaterThan(0);

    const traces = await waitForRollTraces(sent);
    expect(traces.size).toBe(sent);
    // Nothing else was traced: no span outside these traces (health checks are not traced).
    expect(requireReceiver().traces().size).toBe(sent);

    expect([...traces.values()].flatMap(singleRollTraceProblems)).toEqual([]);
    // Every 500 the client saw is an ERROR server span (per-trace consistency is checked above).
    const errorServerSpans = [...traces.values()]
      .flatMap(serverSpans)
      .filter((s) => s.status.code === STATUS_ERROR);
    expect(errorServerSpans).toHaveLength(failed);
    expect(
      errorServerSpans.every(
        (s) => s.attributes['http.response.status_code'] === 500,
      ),
    ).toBe(true);
  });

  it('?rolls=N puts one do_roll span carrying the N faces under the one server span', async () => {
    const app = await startDiceApi({
      traceEndpoint: requireReceiver().endpoint,
      env: { ...FAST_EXPORT, DICE_FAULT: 'off' },
    });
    const result = await runLoad({
      url: `${app.baseUrl}/rolldice?rolls=5`,
      total: 3,
      concurrency: 1,
    });
    expect(result.statuses).toEqual(new Map([[200, 3]]));

    const traces = await waitForRollTraces(3);
    expect(traces.size).toBe(3);
    for (const trace of traces.values()) {
      const [server] = serverSpans(trace);
      const rolls = spansNamed(trace, 'do_roll');
      if (!server) throw new Error(`no server span in ${describeTrace(trace)}`);
      // three spans per request, whatever N: a big N cannot flood the export queue
      expect(trace).toHaveLength(3);
      expect(rolls).toHaveLength(1);
      expect(rolls[0].parentSpanId).toBe(server.spanId);
      expect(rolls[0].attributes['roll.count']).toBe(5);
      expect(rolls[0].attributes['roll.values']).toEqual([
        expect.any(Number),
        expect.any(Number),
        expect.any(Number),
        expect.any(Number),
        expect.any(Number),
      ]);
      expect(server.attributes['http.response.status_code']).toBe(200);
    }
  });

  it('DICE_FAULT=always: every request is a 500 and every server span is ERROR', async () => {
    const app = await startDiceApi({
      traceEndpoint: requireReceiver().endpoint,
      env: { ...FAST_EXPORT, DICE_FAULT: 'always' },
    });
    const result = await runLoad({
      url: `${app.baseUrl}/rolldice`,
      total: 10,
      concurrency: 2,
    });
    expect(result.statuses).toEqual(new Map([[500, 10]]));

    const traces = await waitForRollTraces(10);
    expect(traces.size).toBe(10);
    for (const trace of traces.values()) {
      const [server] = serverSpans(trace);
      const [roll] = spansNamed(trace, 'do_roll');
      expect(server?.attributes['http.response.status_code']).toBe(500);
      expect(server?.status.code).toBe(STATUS_ERROR);
      expect(roll?.attributes['roll.value']).toBe(7);
    }
  });

  it.each([
    { vars: 'neither variable', env: {}, expected: 'dice-api' },
    {
      vars: 'APP_SERVICE_NAME',
      env: { APP_SERVICE_NAME: 'dice-by-app-var' },
      expected: 'dice-by-app-var',
    },
    {
      vars: 'OTEL_SERVICE_NAME',
      env: { OTEL_SERVICE_NAME: 'dice-by-otel-var' },
      expected: 'dice-by-otel-var',
    },
    {
      vars: 'both (OTEL_SERVICE_NAME wins)',
      env: {
        APP_SERVICE_NAME: 'dice-by-app-var',
        OTEL_SERVICE_NAME: 'dice-by-otel-var',
      },
      expected: 'dice-by-otel-var',
    },
  ])('service.name comes from $vars: $expected', async ({ env, expected }) => {
    const app = await startDiceApi({
      traceEndpoint: requireReceiver().endpoint,
      env: { ...FAST_EXPORT, ...env },
    });
    const result = await runLoad({
      url: `${app.baseUrl}/rolldice`,
      total: 3,
      concurrency: 1,
    });
    expect(result.failures).toEqual([]);

    await waitForRollTraces(3);
    const names = new Set(
      requireReceiver().spans.map((span) => span.resource['service.name']),
    );
    expect([...names]).toEqual([expected]);
  });
});
