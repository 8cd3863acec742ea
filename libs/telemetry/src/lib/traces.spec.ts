import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import { resolveTelemetryConfig } from './config/resolve.js';
import { RetainingSpanExporter } from './test-helpers.js';
import { buildTraces, initTraces } from './traces.js';

const resource = resourceFromAttributes({ 'service.name': 'traces-test' });
const config = (env: Record<string, string>) =>
  resolveTelemetryConfig({ env, defaultServiceName: 'traces-test' });

describe('initTraces', () => {
  it('exports through the batch processor and shutdown flushes what is pending', async () => {
    const exporter = new RetainingSpanExporter();
    // a long delay so only shutdown's flush can deliver the spans
    const traces = buildTraces(
      {
        config: config({ OTEL_BSP_SCHEDULE_DELAY: '60000' }),
        resource,
        register: false,
      },
      { exporter },
    );
    const tracer = traces.tracerProvider.getTracer('t');
    // register: false installs no context manager, so the parent is passed explicitly
    const parent = tracer.startSpan('parent');
    tracer
      .startSpan('child', {}, trace.setSpan(context.active(), parent))
      .end();
    parent.setStatus({ code: SpanStatusCode.ERROR });
    parent.end();
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    await traces.shutdown();
    const names = exporter
      .getFinishedSpans()
      .map((s) => s.name)
      .sort();
    expect(names).toEqual(['child', 'parent']);
    const [child] = exporter
      .getFinishedSpans()
      .filter((s) => s.name === 'child');
    expect(child.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(child.resource.attributes['service.name']).toBe('traces-test');
  });

  it('makes spans with the compact tracer where it covers the configuration, else the SDK', async () => {
    const built = (env: Record<string, string>) =>
      buildTraces({ config: config(env), resource, register: false });
    const cases: [Record<string, string>, string][] = [
      [{}, 'compact'],
      [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }, 'compact'],
      [{ OTEL_TRACES_EXPORTER: 'none' }, 'compact'],
      [{ TELEMETRY_TRACER: 'sdk' }, 'sdk: TELEMETRY_TRACER=sdk'],
      [{ OTEL_TRACES_EXPORTER: 'console' }, 'sdk: a simple span processor'],
      [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, 'sdk: OTLP http/json'],
      [{ OTEL_TRACES_EXPORTER: 'otlp,console' }, 'sdk: 2 span processors'],
    ];
    for (const [env, expected] of cases) {
      const traces = built(env);
      const { path } = traces;
      expect([
        env,
        path.kind === 'sdk' ? `sdk: ${path.reason}` : path.kind,
      ]).toEqual([env, expected]);
      await traces.shutdown();
    }
  });

  it("falls back to the SDK for a span processor of the app's own, which sees every span after the configured ones", async () => {
    const exporter = new RetainingSpanExporter();
    const seen: string[] = [];
    const own: SpanProcessor = {
      onStart: (span) => {
        span.setAttribute('tenant', 'blue');
        seen.push(`start ${span.name}`);
      },
      onEnd: (span) => {
        seen.push(`end ${span.name}`);
      },
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    };
    const traces = buildTraces(
      {
        config: config({}),
        resource,
        register: false,
        spanProcessors: [own],
      },
      { exporter, simple: true },
    );
    expect(traces.path).toEqual({
      kind: 'sdk',
      reason: 'an in-memory exporter',
    });
    const plain = buildTraces({
      config: config({}),
      resource,
      register: false,
      spanProcessors: [own, own],
    });
    expect(plain.path).toEqual({
      kind: 'sdk',
      reason: "2 span processors of the app's",
    });
    await plain.shutdown();
    traces.tracerProvider.getTracer('t').startSpan('work').end();
    await traces.shutdown();
    expect(seen).toEqual(['start work', 'end work']);
    expect(exporter.getFinishedSpans()[0]?.attributes['tenant']).toBe('blue');
  });

  it('honours OTEL_TRACES_SAMPLER=always_off', async () => {
    const exporter = new RetainingSpanExporter();
    const traces = buildTraces(
      {
        config: config({ OTEL_TRACES_SAMPLER: 'always_off' }),
        resource,
        register: false,
      },
      { exporter },
    );
    traces.tracerProvider.getTracer('t').startSpan('dropped').end();
    await traces.shutdown();
    expect(exporter.getFinishedSpans()).toHaveLength(0);
  });

  it('watches the health of an OTLP exporter, with the seed variable as the endpoint', async () => {
    const traces = initTraces({
      config: config({ TRACE_ENDPOINT: 'http://127.0.0.1:1' }),
      resource,
      register: false,
    });
    expect(traces.exportHealth()).toEqual({
      exported: 0,
      failed: 0,
      outages: 0,
      down: false,
      skipped: 0,
    });
    await traces.shutdown();
  });

  it('exports nothing with OTEL_TRACES_EXPORTER=none', async () => {
    const traces = initTraces({
      config: config({ OTEL_TRACES_EXPORTER: 'none' }),
      resource,
      register: false,
    });
    expect(traces.exportHealth()).toBeUndefined();
    await traces.shutdown();
  });

  it('registers the globals, and takes them back at shutdown for the next start', async () => {
    const first = initTraces({
      config: config({ OTEL_TRACES_EXPORTER: 'none' }),
      resource,
    });
    const exporter = new RetainingSpanExporter();
    // while the first holds them, a second does not take them over
    const second = buildTraces(
      { config: config({}), resource },
      { exporter, simple: true },
    );
    trace.getTracer('t').startSpan('through-the-first').end();
    expect(exporter.getFinishedSpans()).toEqual([]);
    await Promise.all([first.shutdown(), second.shutdown()]);
    const third = buildTraces(
      { config: config({}), resource },
      { exporter, simple: true },
    );
    trace.getTracer('t').startSpan('through-the-third').end();
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual([
      'through-the-third',
    ]);
    await third.shutdown();
  });
});
