/**
 * Both receivers against the real upstream exporters: every signal over OTLP/gRPC,
 * OTLP/HTTP-protobuf and OTLP/HTTP-JSON must land in the same flattened records.
 */
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  PROTOCOLS,
  RESOURCE,
  createMetricSender,
  sampleLogs,
  sampleMetrics,
  sendOnce,
  senderFor,
  type SenderOptions,
} from '../testing/otlp-senders.js';
import { startOtlpHttpReceiver } from './otlp-http-receiver.js';
import type { ReceivedMetric } from './otlp-metric-types.js';
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver.js';
import type { OtlpProtocol, OtlpSignal } from './otlp-types.js';

const SCOPE_ATTRIBUTES = { resource: expect.objectContaining(RESOURCE) };

/** Fails with the exporter's own error, not just "code 1". */
function expectSuccess(result: ExportResult): void {
  expect({ code: result.code, error: result.error?.message }).toEqual({
    code: ExportResultCode.SUCCESS,
    error: undefined,
  });
}

function byName(
  metrics: readonly ReceivedMetric[],
  name: string,
): ReceivedMetric {
  const metric = metrics.find((m) => m.name === name);
  if (!metric) throw new Error(`metric ${name} not received`);
  return metric;
}

describe.each(PROTOCOLS)(
  'receiver fed by the real %s exporters',
  (protocol: OtlpProtocol) => {
    let receiver: OtlpReceiver;
    /** Where the exporter for a signal points: the gRPC endpoint, or the signal's OTLP/HTTP URL. */
    let urlFor: (signal: OtlpSignal) => string;

    beforeEach(async () => {
      if (protocol === 'grpc') {
        const grpcReceiver = await startOtlpReceiver();
        receiver = grpcReceiver;
        urlFor = () => grpcReceiver.endpoint;
      } else {
        const httpReceiver = await startOtlpHttpReceiver();
        receiver = httpReceiver;
        urlFor = (signal) => httpReceiver.url(signal);
      }
    });

    afterEach(async () => {
      await receiver.stop();
    });

    const options = (
      signal: OtlpSignal,
      extra: Partial<SenderOptions> = {},
    ): SenderOptions => ({
      protocol,
      url: urlFor(signal),
      ...extra,
    });

    it('records spans with ids, parent, kind, attributes, resource and scope', async () => {
      const result = await senderFor('traces', options('traces'))();
      expectSuccess(result);

      const spans = await receiver.waitForSpans((s) => s.length >= 2, {
        what: '2 spans',
      });
      const server = spans.find((s) => s.name === 'GET /rolldice');
      const child = spans.find((s) => s.name === 'do_roll');
      expect(server).toMatchObject({
        kind: 2,
        parentSpanId: undefined,
        attributes: { 'http.route': '/rolldice', big: 2 ** 40 },
        scope: { name: 'sender-spec-scope', version: '1.2.3' },
        ...SCOPE_ATTRIBUTES,
      });
      expect(server?.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(child?.traceId).toBe(server?.traceId);
      expect(child?.parentSpanId).toBe(server?.spanId);
      expect(child?.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(server?.endTimeUnixNano).toBeGreaterThan(
        server?.startTimeUnixNano ?? 0n,
      );
      expect(server?.startTimeUnixNano).toBeGreaterThan(
        1_600_000_000_000_000_000n,
      );
    });

    it('records metrics of every kind with unit, temporality, monotonicity and values', async () => {
      const result = await senderFor('metrics', options('metrics'))();
      expectSuccess(result);
      const metrics = await receiver.waitForMetrics((m) => m.length >= 5, {
        what: '5 metrics',
      });

      expect(byName(metrics, 'cpu.time')).toMatchObject({
        kind: 'sum',
        isMonotonic: true,
        aggregationTemporality: 'cumulative',
        unit: 's',
        description: 'CPU seconds',
        scope: { name: 'sender-spec-meter', version: '4.5.6' },
        ...SCOPE_ATTRIBUTES,
        dataPoints: [
          expect.objectContaining({
            value: 1.5,
            valueType: 'double',
            attributes: { 'cpu.mode': 'user' },
          }),
        ],
      });
      expect(byName(metrics, 'in.flight')).toMatchObject({
        kind: 'sum',
        isMonotonic: false,
        dataPoints: [expect.objectContaining({ value: -2 })],
      });
      expect(byName(metrics, 'temperature')).toMatchObject({
        kind: 'gauge',
        unit: 'Cel',
        dataPoints: [
          expect.objectContaining({ value: 21.5, attributes: { room: 'lab' } }),
        ],
      });
      expect(byName(metrics, 'roll.latency')).toMatchObject({
        kind: 'histogram',
        aggregationTemporality: 'cumulative',
        unit: 'ms',
        dataPoints: [
          expect.objectContaining({
            count: 3,
            sum: 555,
            min: 5,
            max: 500,
            explicitBounds: [10, 100],
            bucketCounts: [1, 1, 1],
          }),
        ],
      });
      const spread = byName(metrics, 'roll.spread');
      expect(spread).toMatchObject({
        kind: 'exponentialHistogram',
        aggregationTemporality: 'cumulative',
        dataPoints: [
          expect.objectContaining({ count: 4, sum: 15, min: 1, max: 8 }),
        ],
      });
      if (spread.kind !== 'exponentialHistogram') throw new Error('narrowing');
      const [point] = spread.dataPoints;
      expect(point?.positive.bucketCounts.reduce((a, b) => a + b, 0)).toBe(4);
      expect(Number.isInteger(point?.scale)).toBe(true);

      const cpu = byName(metrics, 'cpu.time');
      const [cpuPoint] = cpu.dataPoints;
      expect(cpuPoint?.startTimeUnixNano).toBeGreaterThan(0n);
      expect(cpuPoint?.timeUnixNano).toBeGreaterThanOrEqual(
        cpuPoint?.startTimeUnixNano ?? 0n,
      );
      // OTLP counts metrics in data points: one per metric here.
      expect(receiver.exports).toEqual([
        expect.objectContaining({
          signal: 'metrics',
          itemCount: 5,
          spanCount: 0,
        }),
      ]);
    });

    it("names delta temporality as 'delta'", async () => {
      const result = await sendOnce(
        createMetricSender(options('metrics')),
        await sampleMetrics('delta'),
      );
      expectSuccess(result);
      const metrics = await receiver.waitForMetrics((m) => m.length >= 5);
      expect(byName(metrics, 'cpu.time')).toMatchObject({
        kind: 'sum',
        isMonotonic: true,
        aggregationTemporality: 'delta',
      });
      expect(byName(metrics, 'roll.latency')).toMatchObject({
        aggregationTemporality: 'delta',
      });
    });

    it('records log records with severity, body, attributes and trace context', async () => {
      const { traceId, spanId } = await sampleLogs();
      const result = await senderFor('logs', options('logs'))();
      expectSuccess(result);
      const logs = await receiver.waitForLogs((l) => l.length >= 2, {
        what: '2 log records',
      });

      expect(logs[0]).toMatchObject({
        severityNumber: 9,
        severityText: 'info',
        body: 'dice rolled',
        attributes: { 'roll.value': 7 },
        traceId: undefined,
        spanId: undefined,
        scope: { name: 'sender-spec-logger', version: '7.8.9' },
        ...SCOPE_ATTRIBUTES,
      });
      expect(logs[1]).toMatchObject({
        severityNumber: 17,
        severityText: 'error',
        body: { msg: 'roll failed', code: 500 },
        traceId,
        spanId,
        flags: 1,
      });
      for (const record of logs) {
        expect(record.timeUnixNano).toBeGreaterThan(1_600_000_000_000_000_000n);
        expect(record.observedTimeUnixNano).toBeGreaterThan(
          1_600_000_000_000_000_000n,
        );
      }
    });

    it.each(['traces', 'metrics', 'logs'] as const)(
      'keeps protocol, compression, path, user agent and every header of a %s export',
      async (signal) => {
        const result = await senderFor(
          signal,
          options(signal, {
            headers: { authorization: 'Bearer s3cret', 'x-tenant': 'dice' },
          }),
        )();
        expectSuccess(result);
        expect(receiver.exports).toHaveLength(1);
        const [record] = receiver.exports;
        expect(record).toMatchObject({
          signal,
          protocol,
          compression: 'none',
          secure: false,
          clientCertificateSubject: undefined,
        });
        expect(record?.itemCount).toBeGreaterThan(0);
        expect(record?.headers['authorization']).toBe('Bearer s3cret');
        expect(record?.headers['x-tenant']).toBe('dice');
        expect(record?.userAgent).toMatch(
          /^OTel-OTLP-Exporter-JavaScript\/0\.301\./,
        );
        expect(record?.path).toBe(
          protocol === 'grpc'
            ? `/opentelemetry.proto.collector.${signal === 'traces' ? 'trace' : signal}.v1.${
                { traces: 'Trace', metrics: 'Metrics', logs: 'Logs' }[signal]
              }Service/Export`
            : `/v1/${signal}`,
        );
      },
    );

    it.each(['traces', 'metrics', 'logs'] as const)(
      'decodes a gzip-compressed %s export and says it was compressed',
      async (signal) => {
        const result = await senderFor(
          signal,
          options(signal, { gzip: true }),
        )();
        expectSuccess(result);
        expect(receiver.exports).toEqual([
          expect.objectContaining({ signal, protocol, compression: 'gzip' }),
        ]);
        const received = {
          traces: receiver.spans,
          metrics: receiver.metrics,
          logs: receiver.logs,
        };
        expect(received[signal].length).toBeGreaterThan(0);
      },
    );
  },
);
