/**
 * ISSUE 10 — all three signals over OTLP, each protocol, against the BUILT dice-api configured by
 * the standard OTEL_* variables only: spans, metrics (types and units as received) and log records
 * (carrying the trace id of their request) arrive at a real receiver decoding the OTLP schema.
 */
import {
  startOtlpHttpReceiver,
  startOtlpReceiver,
  stopAllProcesses,
  type NodeProcess,
  type OtlpReceiver,
  type ReceivedLogRecord,
  type ReceivedMetric,
} from '@otel-dice/test-support';
import {
  startConfiguredDiceApi,
  STARTUP_TRACER_WORDS,
} from './support/dice-api.js';
import { runLoad } from './support/load.js';
import {
  completeRollTraces,
  serverSpans,
  SERVER_KIND,
} from './support/traces.js';

const PROTOCOLS = ['grpc', 'http/protobuf', 'http/json'] as const;
type Protocol = (typeof PROTOCOLS)[number];
const CLIENT_KIND = 3;
const REQUESTS = 5;

function startReceiver(protocol: Protocol): Promise<OtlpReceiver> {
  return protocol === 'grpc' ? startOtlpReceiver() : startOtlpHttpReceiver();
}

/** Everything on, fast batches and pushes, the seed's deliberate 500 off. */
function allSignals(protocol: Protocol, endpoint: string) {
  return {
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_METRICS_EXPORTER: 'prometheus,otlp',
    OTEL_LOGS_EXPORTER: 'otlp',
    OTEL_METRIC_EXPORT_INTERVAL: '500',
    OTEL_BSP_SCHEDULE_DELAY: '100',
    OTEL_BLRP_SCHEDULE_DELAY: '100',
    DICE_FAULT: 'off',
  };
}

function metric(metrics: readonly ReceivedMetric[], name: string) {
  return metrics.find((m) => m.name === name);
}

function accessLogs(logs: readonly ReceivedLogRecord[]) {
  return logs.filter(
    (l) =>
      l.body === 'request completed' && l.attributes['route'] === '/rolldice',
  );
}

let receiver: OtlpReceiver | undefined;
afterEach(async () => {
  await stopAllProcesses();
  await receiver?.stop();
  receiver = undefined;
});

describe.each(PROTOCOLS)('OTEL_EXPORTER_OTLP_PROTOCOL=%s', (protocol) => {
  let app: NodeProcess;

  beforeEach(async () => {
    receiver = await startReceiver(protocol);
    app = await startConfiguredDiceApi(allSignals(protocol, receiver.endpoint));
    const load = await runLoad({
      url: `${app.baseUrl}/rolldice`,
      total: REQUESTS,
      concurrency: 1,
    });
    expect(load.failures).toEqual([]);
  });

  it('sends seed-shaped traces over that protocol, and never traces its own exports', async () => {
    const r = receiver as OtlpReceiver;
    await r.waitForSpans((s) => completeRollTraces(s).size >= REQUESTS, {
      what: `${REQUESTS} complete /rolldice traces`,
    });
    const traces = [...completeRollTraces(r.spans).values()];
    const server = serverSpans(traces[0])[0];
    expect(server.name).toBe('GET /rolldice');
    expect(server.attributes['http.route']).toBe('/rolldice');
    expect(server.resource['service.name']).toBe('dice-api');
    expect(server.resource['service.instance.id']).toEqual(expect.any(String));
    // The exporters' own requests to the receiver make no client spans.
    expect(r.spans.filter((s) => s.kind === CLIENT_KIND)).toEqual([]);
    const traceExports = r.exports.filter((e) => e.signal === 'traces');
    expect(traceExports.length).toBeGreaterThan(0);
    expect(new Set(traceExports.map((e) => e.protocol))).toEqual(
      new Set([protocol]),
    );
  });

  it('pushes the seed metrics with their types and units, and still serves /metrics', async () => {
    const r = receiver as OtlpReceiver;
    const metrics = await r.waitForMetrics(
      (m) =>
        m.some((x) => x.name === 'request_counter') &&
        m.some((x) => x.name === 'system.cpu.time'),
      { what: 'request_counter and system.cpu.time' },
    );
    expect(metric(metrics, 'request_counter')).toMatchObject({
      kind: 'sum',
      isMonotonic: true,
      aggregationTemporality: 'cumulative',
      unit: '1',
      description: 'Number of requests',
    });
    const cpu = metric(metrics, 'system.cpu.time');
    expect(cpu).toMatchObject({
      kind: 'sum',
      isMonotonic: true,
      aggregationTemporality: 'cumulative',
      unit: 's',
    });
    expect(cpu?.kind === 'sum' && cpu.dataPoints[0].attributes).toEqual({
      cpu: expect.stringMatching(/^cpu\d+$/),
      state: expect.stringMatching(/^(user|system)$/),
    });
    const duration = (
      await r.waitForMetrics((m) =>
        m.some((x) => x.name === 'http.server.request.duration'),
      )
    ).find((x) => x.name === 'http.server.request.duration');
    expect(duration).toMatchObject({ kind: 'histogram', unit: 's' });
    expect(r.exports.filter((e) => e.signal === 'metrics')[0].protocol).toBe(
      protocol,
    );

    // prometheus,otlp: the seed's pull endpoint stays.
    const scrape = await fetch(`${app.baseUrl}/metrics`);
    expect(scrape.status).toBe(200);
    expect(await scrape.text()).toMatch(/^request_counter_total/m);
  });

  it('turns the access log into log records that carry the trace id of their request', async () => {
    const r = receiver as OtlpReceiver;
    const logs = await r.waitForLogs((l) => accessLogs(l).length >= REQUESTS, {
      what: `${REQUESTS} access log records`,
    });
    await r.waitForSpans((s) => serverSpans(s).length >= REQUESTS);
    const serverTraceIds = new Set(serverSpans(r.spans).map((s) => s.traceId));
    for (const record of accessLogs(logs)) {
      expect(record.severityText).toBe('info');
      expect(record.severityNumber).toBe(9); // SeverityNumber.INFO
      expect(record.attributes).toMatchObject({
        status: 200,
        method: 'GET',
        name: 'dice-api',
      });
      expect(record.resource['service.name']).toBe('dice-api');
      expect(serverTraceIds.has(record.traceId as string)).toBe(true);
      // the span id is the server span's, the same the JSON line on stdout names
      const server = serverSpans(r.spans).find(
        (s) => s.traceId === record.traceId,
      );
      expect(record.spanId).toBe(server?.spanId);
    }
    // the JSON lines on stdout stay
    expect(
      app.jsonLines().filter((line) => line['msg'] === 'request completed')
        .length,
    ).toBeGreaterThanOrEqual(REQUESTS);
    expect(r.exports.filter((e) => e.signal === 'logs')[0].protocol).toBe(
      protocol,
    );
  });
});

describe('per-signal settings', () => {
  let http: OtlpReceiver | undefined;
  afterEach(async () => {
    await http?.stop();
    http = undefined;
  });

  it('sends each signal where its own variables say, a per-signal endpoint used as given', async () => {
    receiver = await startOtlpReceiver();
    http = await startOtlpHttpReceiver();
    const app = await startConfiguredDiceApi({
      // traces: the generic gRPC settings
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      // logs: their own protocol and full URL (no /v1/logs appended to a per-signal endpoint)
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${http.endpoint}/v1/logs`,
      OTEL_EXPORTER_OTLP_LOGS_COMPRESSION: 'gzip',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_BLRP_SCHEDULE_DELAY: '100',
      DICE_FAULT: 'off',
    });
    await fetch(`${app.baseUrl}/rolldice`);
    await receiver.waitForSpans((s) => s.some((x) => x.kind === SERVER_KIND));
    await http.waitForLogs((l) => accessLogs(l).length > 0);
    expect(receiver.logs).toEqual([]);
    expect(http.spans).toEqual([]);
    expect(http.exports.filter((e) => e.signal === 'logs')[0]).toMatchObject({
      protocol: 'http/json',
      compression: 'gzip',
      path: '/v1/logs',
    });
    // The start-up line says so, from where each came.
    const startup = app
      .jsonLines()
      .find((line) => String(line['msg']).startsWith('telemetry: '));
    const said = String(startup?.['msg']);
    // pino's log sending is on with a logs exporter; like the rest, it starts when the app loads
    // pino (dice-api does so after telemetry started: its logger), so the records above came
    // through it
    const instrumentations =
      /; instrumentations express, http, runtime-node; \d+ more start when the app loads what they patch$/;
    expect(said).toMatch(instrumentations);
    expect(said.replace(instrumentations, '')).toBe(
      `telemetry: service dice-api; traces otlp grpc ${receiver.endpoint} (OTEL_EXPORTER_OTLP_ENDPOINT), sampler parentbased(always_on), ${STARTUP_TRACER_WORDS}; ` +
        `metrics prometheus on the app's /metrics; logs otlp http/json ${http.endpoint}/v1/logs (OTEL_EXPORTER_OTLP_LOGS_ENDPOINT) gzip; ` +
        'propagators tracecontext,baggage; configured from the environment',
    );
  });

  it('applies the attribute limits to every span', async () => {
    receiver = await startOtlpReceiver();
    const app = await startConfiguredDiceApi({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '8',
      OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '4',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      DICE_FAULT: 'off',
    });
    await fetch(`${app.baseUrl}/rolldice?rolls=2&padding=${'x'.repeat(100)}`);
    const spans = await receiver.waitForSpans(
      (s) => completeRollTraces(s).size > 0,
    );
    for (const span of spans) {
      expect(Object.keys(span.attributes).length).toBeLessThanOrEqual(4);
      for (const value of Object.values(span.attributes))
        if (typeof value === 'string')
          expect(value.length).toBeLessThanOrEqual(8);
    }
  });
});
