/**
 * ISSUE 10 — OTEL_PROPAGATORS on the wire: an incoming B3 (multi or single header) or Jaeger
 * trace is continued by the built dice-api's server span; `none` starts a new trace whatever the
 * caller sends.
 */
import {
  startOtlpReceiver,
  stopAllProcesses,
  type OtlpReceiver,
} from '@otel-dice/test-support';
import { startConfiguredDiceApi } from './support/dice-api.js';
import { serverSpans } from './support/traces.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';

let receiver: OtlpReceiver | undefined;
afterEach(async () => {
  await stopAllProcesses();
  await receiver?.stop();
  receiver = undefined;
});

async function serverSpanFor(
  propagators: string,
  headers: Record<string, string>,
) {
  receiver = await startOtlpReceiver();
  const app = await startConfiguredDiceApi({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_PROPAGATORS: propagators,
    OTEL_BSP_SCHEDULE_DELAY: '100',
    DICE_FAULT: 'off',
  });
  const response = await fetch(`${app.baseUrl}/rolldice`, { headers });
  expect(response.status).toBe(200);
  const spans = await receiver.waitForSpans((s) => serverSpans(s).length > 0, {
    what: 'the server span',
  });
  return serverSpans(spans)[0];
}

it.each([
  [
    'b3multi,tracecontext',
    'B3 multi-header',
    { 'X-B3-TraceId': TRACE_ID, 'X-B3-SpanId': PARENT_ID, 'X-B3-Sampled': '1' },
  ],
  ['b3', 'B3 single header', { b3: `${TRACE_ID}-${PARENT_ID}-1` }],
  [
    'jaeger',
    'Jaeger uber-trace-id',
    { 'uber-trace-id': `${TRACE_ID}:${PARENT_ID}:0:1` },
  ],
  [
    'tracecontext,baggage',
    'W3C traceparent',
    { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` },
  ],
])(
  'OTEL_PROPAGATORS=%s continues an incoming %s trace',
  async (propagators, _what, headers) => {
    const server = await serverSpanFor(propagators, headers);
    expect(server.traceId).toBe(TRACE_ID);
    expect(server.parentSpanId).toBe(PARENT_ID);
  },
);

it('OTEL_PROPAGATORS=none starts a new trace whatever the caller sends', async () => {
  const server = await serverSpanFor('none', {
    traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`,
    'X-B3-TraceId': TRACE_ID,
    'X-B3-SpanId': PARENT_ID,
  });
  expect(server.traceId).not.toBe(TRACE_ID);
  expect(server.parentSpanId).toBeUndefined();
});

it('without b3 in OTEL_PROPAGATORS, B3 headers are not read', async () => {
  const server = await serverSpanFor('tracecontext', {
    'X-B3-TraceId': TRACE_ID,
    'X-B3-SpanId': PARENT_ID,
    'X-B3-Sampled': '1',
  });
  expect(server.traceId).not.toBe(TRACE_ID);
});
