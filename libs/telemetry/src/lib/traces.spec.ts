import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { RetainingSpanExporter } from './test-helpers.js';
import { initTraces } from './traces.js';

const resource = resourceFromAttributes({ 'service.name': 'traces-test' });

describe('initTraces', () => {
  it('exports through the batch processor and shutdown flushes what is pending', async () => {
    const exporter = new RetainingSpanExporter();
    // a long delay so only shutdown's flush can deliver the spans
    const traces = initTraces({
      resource,
      exporter,
      register: false,
      env: { OTEL_BSP_SCHEDULE_DELAY: '60000' },
    });
    const tracer = traces.provider.getTracer('t');
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

  it('starts spans through the lean tracer unless told to use the SDK tracer alone', async () => {
    const lean = initTraces({ resource, register: false });
    expect(lean.tracerProvider).not.toBe(lean.provider);
    const stock = initTraces({ resource, register: false, leanTracer: false });
    expect(stock.tracerProvider).toBe(stock.provider);
    await Promise.all([lean.shutdown(), stock.shutdown()]);
  });

  it('honours OTEL_TRACES_SAMPLER=always_off', async () => {
    const exporter = new RetainingSpanExporter();
    const traces = initTraces({
      resource,
      exporter,
      register: false,
      env: { OTEL_TRACES_SAMPLER: 'always_off' },
    });
    traces.provider.getTracer('t').startSpan('dropped').end();
    await traces.shutdown();
    expect(exporter.getFinishedSpans()).toHaveLength(0);
  });

  it('resolves the OTLP endpoint with the seed variable as fallback', async () => {
    const traces = initTraces({
      resource,
      register: false,
      env: { TRACE_ENDPOINT: 'http://127.0.0.1:1' },
    });
    expect(traces.endpoint).toBe('http://127.0.0.1:1');
    expect(traces.exportHealth).toBeDefined();
    await traces.shutdown();
  });

  it('exports nothing with OTEL_TRACES_EXPORTER=none', async () => {
    const traces = initTraces({
      resource,
      register: false,
      env: { OTEL_TRACES_EXPORTER: 'none' },
    });
    expect(traces.endpoint).toBeUndefined();
    expect(traces.exportHealth).toBeUndefined();
    await traces.shutdown();
  });
});
