import http2 from 'node:http2';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import {
  createOtlpReceiver,
  startOtlpReceiver,
  type OtlpReceiver,
} from './otlp-receiver.js';
import { exportMethod } from './otlp-proto.js';
import type { OtlpSignal } from './otlp-types.js';
import { getFreePort } from './ports.js';

/** A real SDK pipeline (provider -> processor -> OTLP/gRPC exporter) pointed at `endpoint`. */
function sdkPipeline(
  endpoint: string,
  processor: 'batch' | 'simple' = 'batch',
  compression: CompressionAlgorithm = CompressionAlgorithm.NONE,
): TracerProvider {
  // Configured in code only: the exporter would also read OTEL_* variables, never set here.
  const exporter = new OTLPTraceExporter({ url: endpoint, compression });
  return new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'receiver-spec',
      'service.version': '9.9.9',
    }),
    spanProcessors: [
      processor === 'batch'
        ? new BatchSpanProcessor({ exporter })
        : new SimpleSpanProcessor({ exporter }),
    ],
  });
}

function serializeExportRequest(
  request: object,
  signal: OtlpSignal = 'traces',
): Buffer {
  return exportMethod(signal).requestSerialize(request);
}

/**
 * Sends one gzip-compressed gRPC message over raw HTTP/2 (flag byte 1 + big-endian length +
 * payload) and resolves with the grpc-status trailer, so the test controls the compression
 * instead of trusting a client library to apply it.
 */
function postGrpcFrame(
  endpoint: string,
  gzippedMessage: Buffer,
  path = '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(endpoint);
    session.once('error', reject);
    const frame = Buffer.alloc(5 + gzippedMessage.length);
    frame.writeUInt8(1, 0);
    frame.writeUInt32BE(gzippedMessage.length, 1);
    gzippedMessage.copy(frame, 5);
    const stream = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
      'grpc-encoding': 'gzip',
    });
    let status: string | undefined;
    stream.on('response', (headers) => {
      // A trailers-only response carries grpc-status in the headers.
      if (headers['grpc-status'] !== undefined)
        status = String(headers['grpc-status']);
    });
    stream.on('trailers', (trailers) => {
      status = String(trailers['grpc-status']);
    });
    stream.on('data', () => undefined);
    stream.once('error', reject);
    stream.once('close', () => {
      session.close();
      resolve(status);
    });
    stream.end(frame);
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('OTLP/gRPC trace receiver', () => {
  let receiver: OtlpReceiver | undefined;
  const providers: TracerProvider[] = [];

  afterEach(async () => {
    await Promise.all(
      providers
        .splice(0)
        .map((provider) => provider.shutdown().catch(() => undefined)),
    );
    await receiver?.stop();
    receiver = undefined;
  });

  it('round-trips spans from the real OTLP exporter: ids, parents, attributes, status, events, resource, scope', async () => {
    receiver = await startOtlpReceiver();
    const provider = sdkPipeline(receiver.endpoint);
    providers.push(provider);
    const tracer = provider.getTracer('receiver-spec-scope', '1.2.3');

    const beforeMs = Date.now();
    const parent = tracer.startSpan('GET /rolldice', {
      kind: SpanKind.SERVER,
      attributes: {
        'http.route': '/rolldice',
        'http.response.status_code': 500,
        ratio: 0.25,
        cached: false,
        tags: ['a', 'b'],
        big: Number.MAX_SAFE_INTEGER,
      },
    });
    const child = tracer.startSpan(
      'do_roll',
      {},
      trace.setSpan(context.active(), parent),
    );
    child.addEvent('rolled', { 'roll.value': 7 });
    child.setStatus({
      code: SpanStatusCode.ERROR,
      message: 'something went wrong!',
    });
    child.end();
    parent.setStatus({ code: SpanStatusCode.OK });
    parent.end();
    await provider.forceFlush();

    const spans = await receiver.waitForSpans((s) => s.length >= 2, {
      timeoutMs: 10_000,
      what: '2 spans',
    });
    expect(spans.map((s) => s.name).sort()).toEqual([
      'GET /rolldice',
      'do_roll',
    ]);
    const serverSpan = spans.find((s) => s.name === 'GET /rolldice');
    const rollSpan = spans.find((s) => s.name === 'do_roll');
    if (!serverSpan || !rollSpan) throw new Error('spans missing');

    expect(serverSpan.traceId).toBe(parent.spanContext().traceId);
    expect(serverSpan.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(serverSpan.spanId).toBe(parent.spanContext().spanId);
    expect(serverSpan.parentSpanId).toBeUndefined();
    expect(rollSpan.traceId).toBe(serverSpan.traceId);
    expect(rollSpan.spanId).toBe(child.spanContext().spanId);
    expect(rollSpan.parentSpanId).toBe(serverSpan.spanId);
    expect(
      receiver
        .traces()
        .get(serverSpan.traceId)
        ?.map((s) => s.name)
        .sort(),
    ).toEqual(['GET /rolldice', 'do_roll']);

    expect(serverSpan.kind).toBe(2); // SPAN_KIND_SERVER on the wire
    expect(rollSpan.kind).toBe(1); // SPAN_KIND_INTERNAL
    expect(serverSpan.attributes).toEqual({
      'http.route': '/rolldice',
      'http.response.status_code': 500,
      ratio: 0.25,
      cached: false,
      tags: ['a', 'b'],
      big: Number.MAX_SAFE_INTEGER,
    });
    expect(serverSpan.status).toEqual({ code: 1, message: '' });
    expect(rollSpan.status).toEqual({
      code: 2,
      message: 'something went wrong!',
    });
    expect(rollSpan.events).toHaveLength(1);
    expect(rollSpan.events[0]).toMatchObject({
      name: 'rolled',
      attributes: { 'roll.value': 7 },
    });

    expect(serverSpan.resource).toMatchObject({
      'service.name': 'receiver-spec',
      'service.version': '9.9.9',
    });
    expect(serverSpan.scope).toEqual({
      name: 'receiver-spec-scope',
      version: '1.2.3',
    });

    // Timestamps survive as exact nanoseconds within this test's wall-clock window.
    const toMs = (nanos: bigint) => Number(nanos / 1_000_000n);
    expect(toMs(serverSpan.startTimeUnixNano)).toBeGreaterThanOrEqual(
      beforeMs - 1,
    );
    expect(toMs(serverSpan.endTimeUnixNano)).toBeLessThanOrEqual(Date.now());
    expect(serverSpan.endTimeUnixNano).toBeGreaterThan(
      serverSpan.startTimeUnixNano,
    );
    expect(rollSpan.events[0]?.timeUnixNano).toBeGreaterThanOrEqual(
      rollSpan.startTimeUnixNano,
    );

    expect(receiver.exportCalls).toBeGreaterThanOrEqual(1);
    expect(receiver.exports.reduce((n, e) => n + e.spanCount, 0)).toBe(2);
    expect(receiver.exports[0]?.userAgent).toMatch(
      /OTel-OTLP-Exporter-JavaScript/,
    );

    receiver.clear();
    expect(receiver.spans).toHaveLength(0);
    expect(receiver.exportCalls).toBe(0);
  });

  it('accepts gzip-compressed exports and records that they were compressed', async () => {
    receiver = await startOtlpReceiver();
    const provider = sdkPipeline(
      receiver.endpoint,
      'simple',
      CompressionAlgorithm.GZIP,
    );
    providers.push(provider);
    const tracer = provider.getTracer('gzip-scope');
    tracer
      .startSpan('compressed', { attributes: { payload: 'x'.repeat(4096) } })
      .end();
    await provider.forceFlush();

    const [span] = await receiver.waitForSpans((s) => s.length >= 1, {
      what: 'the gzip span',
    });
    expect(span?.name).toBe('compressed');
    expect(span?.attributes['payload']).toBe('x'.repeat(4096));
    expect(receiver.exports[0]?.compression).toBe('gzip');
  });

  it('decodes a hand-built gzip-compressed gRPC frame (compressed flag set, grpc-encoding: gzip)', async () => {
    receiver = await startOtlpReceiver();
    const request = {
      resourceSpans: [
        {
          resource: {
            attributes: [
              { key: 'service.name', value: { stringValue: 'raw-gzip' } },
            ],
          },
          scopeSpans: [
            {
              scope: { name: 'raw', version: '0.1' },
              spans: [
                {
                  traceId: Buffer.from(
                    '0af7651916cd43dd8448eb211c80319c',
                    'hex',
                  ),
                  spanId: Buffer.from('b7ad6b7169203331', 'hex'),
                  name: 'gzipped',
                  kind: 3,
                  startTimeUnixNano: '1700000000000000001',
                  endTimeUnixNano: '1700000000000000002',
                  attributes: [
                    {
                      key: 'unsafe.int',
                      value: { intValue: '9007199254740993' },
                    },
                    {
                      key: 'nested',
                      value: {
                        kvlistValue: {
                          values: [{ key: 'k', value: { doubleValue: 1.5 } }],
                        },
                      },
                    },
                  ],
                },
              ],
            },
          ],
        },
      ],
    };
    const grpcStatus = await postGrpcFrame(
      receiver.endpoint,
      gzipSync(serializeExportRequest(request)),
    );

    expect(grpcStatus).toBe('0');
    expect(receiver.exports[0]?.compression).toBe('gzip');
    expect(receiver.spans).toEqual([
      expect.objectContaining({
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        parentSpanId: undefined,
        name: 'gzipped',
        kind: 3,
        startTimeUnixNano: 1700000000000000001n,
        endTimeUnixNano: 1700000000000000002n,
        attributes: { 'unsafe.int': 9007199254740993n, nested: { k: 1.5 } },
        resource: { 'service.name': 'raw-gzip' },
        scope: { name: 'raw', version: '0.1' },
      }),
    ]);
  });

  it('answers INVALID_ARGUMENT for a metric without data and records the refusal', async () => {
    receiver = await startOtlpReceiver();
    const request = {
      resourceMetrics: [
        { scopeMetrics: [{ metrics: [{ name: 'no-data', unit: 's' }] }] },
      ],
    };
    const grpcStatus = await postGrpcFrame(
      receiver.endpoint,
      gzipSync(serializeExportRequest(request, 'metrics')),
      '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
    );
    expect(grpcStatus).toBe('3'); // INVALID_ARGUMENT
    expect(receiver.metrics).toHaveLength(0);
    expect(receiver.exportCalls).toBe(0);
    expect(receiver.rejections).toEqual([
      expect.objectContaining({
        transport: 'grpc',
        status: 3,
        path: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
        reason: expect.stringMatching(/metric "no-data" carries no data/),
      }),
    ]);
  });

  it('starts late on a reserved port, stops, and restarts on the same port', async () => {
    const port = await getFreePort();
    receiver = createOtlpReceiver({ port });
    expect(receiver.endpoint).toBe(`http://127.0.0.1:${port}`);
    expect(receiver.listening).toBe(false);
    expect(await canConnect(port)).toBe(false);

    await receiver.start();
    expect(receiver.port).toBe(port);
    const provider = sdkPipeline(receiver.endpoint, 'simple');
    providers.push(provider);
    const tracer = provider.getTracer('restart-scope');
    tracer.startSpan('before-restart').end();
    await receiver.waitForSpans(
      (s) => s.some((x) => x.name === 'before-restart'),
      { what: 'before-restart' },
    );

    await receiver.stop();
    expect(receiver.listening).toBe(false);
    expect(await canConnect(port)).toBe(false);
    await receiver.stop(); // idempotent

    await receiver.start();
    expect(receiver.port).toBe(port);
    // Same exporter as before the restart: its channel must reconnect to the new listener.
    tracer.startSpan('after-restart').end();
    await provider.forceFlush();
    await receiver.waitForSpans(
      (s) => s.some((x) => x.name === 'after-restart'),
      {
        timeoutMs: 20_000,
        what: 'after-restart span over the reconnected channel',
      },
    );
  }, 30_000);

  it('refuses a second start() and explains a timed-out wait', async () => {
    receiver = createOtlpReceiver();
    const first = receiver.start();
    await expect(receiver.start()).rejects.toThrow(/already listening/);
    await first;
    await expect(receiver.start()).rejects.toThrow(/already listening/);
    await expect(
      receiver.waitForSpans((s) => s.length > 0, {
        timeoutMs: 200,
        what: 'a span that never comes',
      }),
    ).rejects.toThrow(
      /waiting for a span that never comes[\s\S]*received 0 span\(s\) in 0 export call\(s\)/,
    );
  });

  it('rejects an invalid port and an unknown port before start', () => {
    expect(() => createOtlpReceiver({ port: 70000 })).toThrow(
      /port must be an integer/,
    );
    expect(() => createOtlpReceiver().port).toThrow(/no port yet/);
  });
});
