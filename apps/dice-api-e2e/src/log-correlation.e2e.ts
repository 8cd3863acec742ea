/**
 * ISSUE 7 — trace/log correlation: the access log line of every request (JSON on stdout) carries
 * the trace id and server span id that the collector received for that request, so a log search
 * leads straight to the trace and back.
 */
import {
  parseJsonObject,
  startOtlpReceiver,
  stopAllProcesses,
  waitUntil,
  type OtlpReceiver,
} from '@otel-dice/test-support';
import { startDiceApi } from './support/dice-api.js';
import { runLoad } from './support/load.js';
import { completeRollTraces, serverSpans } from './support/traces.js';

const REQUESTS = 30;

let receiver: OtlpReceiver | undefined;

afterEach(async () => {
  await stopAllProcesses();
  await receiver?.stop();
  receiver = undefined;
});

interface AccessLogLine {
  trace_id: unknown;
  span_id: unknown;
  status: unknown;
  route: unknown;
}

function isRollAccessLog(line: Record<string, unknown>): boolean {
  return line['msg'] === 'request completed' && line['route'] === '/rolldice';
}

it('each /rolldice access log line on stdout names the trace and server span the receiver got', async () => {
  receiver = await startOtlpReceiver();
  const app = await startDiceApi({
    traceEndpoint: receiver.endpoint,
    env: { OTEL_BSP_SCHEDULE_DELAY: '200' },
  });

  const result = await runLoad({
    url: `${app.baseUrl}/rolldice`,
    total: REQUESTS,
    concurrency: 4,
  });
  expect(result.failures).toEqual([]);

  // The log line is written when the response closes, the spans a batch later: wait for both.
  const logs = await waitUntil(
    () => {
      const lines = app.stdoutLines
        .map(parseJsonObject)
        .filter((line) => line !== undefined)
        .filter(isRollAccessLog);
      return lines.length >= REQUESTS
        ? (lines as unknown as AccessLogLine[])
        : undefined;
    },
    {
      timeoutMs: 30_000,
      what: `${REQUESTS} /rolldice access log lines on stdout`,
    },
  );
  const r = receiver;
  await r.waitForSpans((spans) => completeRollTraces(spans).size >= REQUESTS, {
    timeoutMs: 30_000,
    what: `${REQUESTS} complete /rolldice traces`,
  });

  expect(logs).toHaveLength(REQUESTS);
  const traces = completeRollTraces(r.spans);
  const logTraceIds = logs.map((line) => line.trace_id);
  // One distinct, well-formed trace id per request …
  expect(new Set(logTraceIds).size).toBe(REQUESTS);
  for (const id of logTraceIds) expect(id).toMatch(/^[0-9a-f]{32}$/);
  // … and exactly the set of traces the receiver holds.
  expect([...new Set(logTraceIds)].sort()).toEqual([...traces.keys()].sort());

  for (const line of logs) {
    const trace = traces.get(String(line.trace_id)) ?? [];
    const [server] = serverSpans(trace);
    // The log's span id is the HTTP server span, and it logged the status that span recorded.
    expect({
      trace_id: line.trace_id,
      span_id: line.span_id,
      status: line.status,
    }).toEqual({
      trace_id: line.trace_id,
      span_id: server?.spanId,
      status: server?.attributes['http.response.status_code'],
    });
  }
});
