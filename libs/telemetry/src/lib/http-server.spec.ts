import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import {
  isTracingSuppressed,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type HistogramMetricData,
} from '@opentelemetry/sdk-metrics';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TracerProvider,
  type Sampler,
} from '@opentelemetry/sdk-trace';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  proxyMatcher,
  sensitiveNames,
  UntrustedExtractPropagator,
} from './http-edge.js';
import {
  HTTP_SERVER_INSTRUMENTATION_NAME,
  HttpServerInstrumentation,
  type HttpServerInstrumentationOptions,
} from './http-server.js';

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

describe('HttpServerInstrumentation', () => {
  const spans = new InMemorySpanExporter();
  let metricExporter: InMemoryMetricExporter;
  let tracerProvider: TracerProvider;
  let reader: PeriodicExportingMetricReader;
  let meterProvider: MeterProvider;
  let instrumentation: HttpServerInstrumentation;
  let server: Server | undefined;
  const contextManager = new AsyncLocalStorageContextManager();

  beforeAll(() => {
    context.setGlobalContextManager(contextManager.enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  });
  afterAll(() => {
    contextManager.disable();
    context.disable();
    propagation.disable();
  });

  afterEach(async () => {
    instrumentation?.disable();
    if (server) {
      server.closeAllConnections();
      await new Promise((resolve) => server?.close(resolve));
      server = undefined;
    }
    spans.reset();
    await meterProvider?.shutdown();
  });

  async function start(
    listener: RequestListener,
    options: Partial<HttpServerInstrumentationOptions> = {},
    sampler: Sampler = new AlwaysOnSampler(),
  ): Promise<string> {
    tracerProvider = new TracerProvider({
      sampler,
      spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
    });
    metricExporter = new InMemoryMetricExporter(
      AggregationTemporality.CUMULATIVE,
    );
    reader = new PeriodicExportingMetricReader({
      exporter: metricExporter,
      exportIntervalMillis: 60_000,
    });
    meterProvider = new MeterProvider({ readers: [reader] });
    instrumentation = new HttpServerInstrumentation({
      edge: {
        isSensitive: sensitiveNames(['token']),
        isTrustedProxy: proxyMatcher([]),
      },
      ...options,
    });
    instrumentation.setTracerProvider(tracerProvider);
    instrumentation.setMeterProvider(meterProvider);
    expect(instrumentation.getConfig().enabled).toBe(false);
    instrumentation.enable();
    expect(instrumentation.getConfig().enabled).toBe(true);
    server = createServer(listener);
    await new Promise<void>((resolve) =>
      server?.listen(0, '127.0.0.1', resolve),
    );
    return `http://127.0.0.1:${(server?.address() as AddressInfo).port}`;
  }

  /** Spans end when the response closes, just after the client has the answer. */
  async function finishedSpans(count: number) {
    for (let i = 0; i < 100 && spans.getFinishedSpans().length < count; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    return spans.getFinishedSpans();
  }

  async function durationPoints() {
    await reader.forceFlush();
    const metric = metricExporter
      .getMetrics()
      .at(-1)
      ?.scopeMetrics.find(
        (s) => s.scope.name === HTTP_SERVER_INSTRUMENTATION_NAME,
      )
      ?.metrics.find(
        (m) => m.descriptor.name === 'http.server.request.duration',
      ) as HistogramMetricData | undefined;
    return metric?.dataPoints ?? [];
  }

  it('makes a SERVER span named after the route, parent of the spans made while handling', async () => {
    const base = await start(
      (_req, res) => {
        tracerProvider
          .getTracer('app')
          .startActiveSpan('do_roll', (span) => span.end());
        res.end('4');
      },
      { routeOf: () => '/rolldice' },
    );
    const response = await fetch(`${base}/rolldice?token=t0k3n`, {
      headers: { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` },
    });
    expect(await response.text()).toBe('4');
    const [child, serverSpan] = await finishedSpans(2);
    expect(serverSpan.name).toBe('GET /rolldice');
    expect(serverSpan.kind).toBe(SpanKind.SERVER);
    expect(serverSpan.instrumentationScope.name).toBe(
      HTTP_SERVER_INSTRUMENTATION_NAME,
    );
    expect(serverSpan.spanContext().traceId).toBe(CALLER_TRACE);
    expect(serverSpan.parentSpanContext?.spanId).toBe(CALLER_SPAN);
    expect(child.parentSpanContext?.spanId).toBe(
      serverSpan.spanContext().spanId,
    );
    expect(serverSpan.attributes).toMatchObject({
      'http.request.method': 'GET',
      'url.path': '/rolldice',
      'url.query': 'token=REDACTED',
      'http.response.status_code': 200,
      'http.route': '/rolldice',
      'client.address': '127.0.0.1',
    });
    expect(serverSpan.status.code).toBe(SpanStatusCode.UNSET);
    const [point] = await durationPoints();
    expect(point.attributes).toEqual({
      'http.request.method': 'GET',
      'url.scheme': 'http',
      'network.protocol.version': '1.1',
      'http.route': '/rolldice',
      'http.response.status_code': 200,
    });
    expect(point.value.count).toBe(1);
  });

  it('marks a 5xx response ERROR with error.type', async () => {
    const base = await start((_req, res) => {
      res.statusCode = 503;
      res.end();
    });
    await (await fetch(`${base}/x`)).arrayBuffer();
    const [span] = await finishedSpans(1);
    expect(span.name).toBe('GET');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe('503');
    expect(span.attributes['http.route']).toBeUndefined();
  });

  it('makes a non-recording span for a request the sampler turns down, and still measures it', async () => {
    const base = await start(
      (_req, res) => {
        expect(trace.getActiveSpan()?.isRecording()).toBe(false);
        res.end();
      },
      {},
      new ParentBasedSampler({ root: new AlwaysOffSampler() }),
    );
    await (await fetch(`${base}/quiet`)).arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(spans.getFinishedSpans()).toHaveLength(0);
    const [point] = await durationPoints();
    expect(point.attributes['http.response.status_code']).toBe(200);
    expect(point.value.count).toBe(1);
  });

  it('makes no span for an ignored request, and suppresses tracing inside it', async () => {
    let suppressed = false;
    const base = await start(
      (_req, res) => {
        suppressed = isTracingSuppressed(context.active());
        res.end();
      },
      { ignoreIncomingRequest: (req) => req.url === '/metrics' },
    );
    await (await fetch(`${base}/metrics`)).arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(suppressed).toBe(true);
    expect(spans.getFinishedSpans()).toHaveLength(0);
    expect(await durationPoints()).toHaveLength(0);
  });

  it('links, rather than continues, a caller it does not trust', async () => {
    const untrusted = new UntrustedExtractPropagator(
      new W3CTraceContextPropagator(),
    );
    propagation.disable();
    propagation.setGlobalPropagator(untrusted);
    try {
      const base = await start((_req, res) => res.end(), {
        untrustedContext: untrusted,
      });
      await (
        await fetch(`${base}/`, {
          headers: { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-00` },
        })
      ).arrayBuffer();
      const [span] = await finishedSpans(1);
      expect(span.spanContext().traceId).not.toBe(CALLER_TRACE);
      expect(span.parentSpanContext).toBeUndefined();
      expect(span.links.map((l) => l.context.spanId)).toEqual([CALLER_SPAN]);
    } finally {
      propagation.disable();
      propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    }
  });

  it('ends the span with the error when the response errors', async () => {
    const base = await start((_req, res) => {
      // The app handles it; the instrumentation only watches (errorMonitor).
      res.on('error', () => undefined);
      res.emit('error', new RangeError('socket gone'));
      res.end();
    });
    await (await fetch(`${base}/e`)).arrayBuffer();
    const [span] = await finishedSpans(1);
    expect(span.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: 'socket gone',
    });
    expect(span.attributes['error.type']).toBe('RangeError');
    expect(span.attributes['http.response.status_code']).toBeUndefined();
    expect(span.events.map((e) => e.name)).toEqual(['exception']);
    const [point] = await durationPoints();
    expect(point.attributes['error.type']).toBe('RangeError');
  });

  it('puts emit back as it was when disabled', async () => {
    const http = await import('node:http');
    const before = http.Server.prototype.emit;
    await start((_req, res) => res.end());
    expect(http.Server.prototype.emit).not.toBe(before);
    instrumentation.disable();
    expect(http.Server.prototype.emit).toBe(before);
  });

  it('stops making spans when disabled, also when another wrapper was put on top of it since', async () => {
    const http = await import('node:http');
    const original = http.Server.prototype.emit;
    const base = await start((_req, res) => res.end());
    // Another agent wraps emit after us: disable() cannot take ours out of its chain.
    const ours = http.Server.prototype.emit;
    const theirs = function (this: unknown, ...args: unknown[]) {
      return (ours as (...a: unknown[]) => boolean).apply(this, args);
    } as typeof ours;
    http.Server.prototype.emit = theirs;
    try {
      expect((await fetch(`${base}/before`)).status).toBe(200);
      expect(await finishedSpans(1)).toHaveLength(1);
      instrumentation.disable();
      expect(http.Server.prototype.emit).toBe(theirs);
      expect((await fetch(`${base}/after`)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(spans.getFinishedSpans().map((span) => span.name)).toEqual([
        'GET',
      ]);
    } finally {
      http.Server.prototype.emit = original;
    }
  });
});
