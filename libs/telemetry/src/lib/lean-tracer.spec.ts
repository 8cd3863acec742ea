import {
  context,
  ROOT_CONTEXT,
  SamplingDecision,
  trace,
  TraceFlags,
  type Context,
  type SpanContext,
} from '@opentelemetry/api';
import { suppressTracing, TraceState } from '@opentelemetry/core';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import type { SamplerModel } from './config/model.js';
import { RequestContextManager } from './context.js';
import {
  createDecider,
  LeanTracerProvider,
  PresetIdGenerator,
  randomSpanId,
  randomTraceId,
} from './lean-tracer.js';
import { PreAggregatedMeterProvider } from './self-metrics.js';
import { createSampler } from './traces.js';

const manager = new RequestContextManager();
beforeAll(() => context.setGlobalContextManager(manager.enable()));
afterAll(() => {
  manager.disable();
  context.disable();
});

const STATE = new TraceState('vendor=1');
function parentContext(flags: number, isRemote: boolean): Context {
  const parent: SpanContext = {
    traceId: randomTraceId(),
    spanId: randomSpanId(),
    traceFlags: flags,
    isRemote,
    traceState: STATE,
  };
  return trace.setSpanContext(ROOT_CONTEXT, parent);
}

const PARENTS: [string, () => Context][] = [
  ['no parent', () => ROOT_CONTEXT],
  ['a local sampled parent', () => parentContext(TraceFlags.SAMPLED, false)],
  ['a local unsampled parent', () => parentContext(TraceFlags.NONE, false)],
  ['a remote sampled parent', () => parentContext(TraceFlags.SAMPLED, true)],
  ['a remote unsampled parent', () => parentContext(TraceFlags.NONE, true)],
  [
    'an invalid parent',
    () =>
      trace.setSpanContext(ROOT_CONTEXT, {
        traceId: '0'.repeat(32),
        spanId: '0'.repeat(16),
        traceFlags: TraceFlags.SAMPLED,
      }),
  ],
];

const SAMPLERS: [string, SamplerModel][] = [
  ['parentbased(always_on)', { parent_based: { root: { always_on: {} } } }],
  [
    'parentbased(traceidratio 0.5)',
    { parent_based: { root: { trace_id_ratio_based: { ratio: 0.5 } } } },
  ],
  ['parentbased(always_off)', { parent_based: { root: { always_off: {} } } }],
  ['always_on', { always_on: {} }],
  ['always_off', { always_off: {} }],
  ['traceidratio 0.5', { trace_id_ratio_based: { ratio: 0.5 } }],
  [
    'parentbased with every delegate turned around',
    {
      parent_based: {
        root: { trace_id_ratio_based: { ratio: 0.5 } },
        remote_parent_sampled: { always_off: {} },
        remote_parent_not_sampled: { always_on: {} },
        local_parent_sampled: { trace_id_ratio_based: { ratio: 0.5 } },
        local_parent_not_sampled: { always_on: {} },
      },
    },
  ],
  [
    // A configuration file can nest them: asked about a child, the inner one goes by the parent.
    'parentbased with parent-based delegates',
    {
      parent_based: {
        root: { always_on: {} },
        remote_parent_sampled: { parent_based: { root: { always_off: {} } } },
        remote_parent_not_sampled: {
          parent_based: { root: { always_on: {} } },
        },
        local_parent_sampled: {
          parent_based: {
            root: { always_off: {} },
            local_parent_sampled: { always_off: {} },
          },
        },
        local_parent_not_sampled: {
          parent_based: {
            root: { always_off: {} },
            local_parent_not_sampled: { always_on: {} },
          },
        },
      },
    },
  ],
];

function setUp(config: SamplerModel) {
  const sampler = createSampler(config);
  const ids = new PresetIdGenerator();
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 60_000,
  });
  const selfMetrics = new PreAggregatedMeterProvider(
    new MeterProvider({ readers: [reader] }),
  );
  const sdk = new TracerProvider({
    sampler,
    idGenerator: ids,
    meterProvider: selfMetrics,
  });
  const started = selfMetrics
    .getMeter('@opentelemetry/sdk-trace')
    .createCounter('otel.sdk.span.started', {
      unit: '{span}',
      description: 'The number of created spans.',
    });
  const lean = new LeanTracerProvider(sdk, {
    decide: createDecider(config),
    sampler,
    ids,
    countDrop: (origin) =>
      started.add(1, {
        'otel.span.parent.origin': origin,
        'otel.span.sampling_result': 'DROP',
      }),
  });
  const startedSeries = async () => {
    const { resourceMetrics } = await reader.collect();
    const metric = resourceMetrics.scopeMetrics
      .flatMap((s) => s.metrics)
      .find((m) => m.descriptor.name === 'otel.sdk.span.started');
    return Object.fromEntries(
      (metric?.dataPoints ?? []).map((p) => [
        `${p.attributes['otel.span.parent.origin']}/${p.attributes['otel.span.sampling_result']}`,
        p.value,
      ]),
    );
  };
  return {
    sampler,
    sdk,
    provider: lean,
    lean: lean.getTracer('t'),
    startedSeries,
  };
}

describe('LeanTracer', () => {
  describe.each(SAMPLERS)('with %s', (_name, config) => {
    it.each(PARENTS)(
      'decides as the SDK does for a span with %s, and counts it the same',
      async (_parent, makeParent) => {
        const { sampler, lean, startedSeries } = setUp(config);
        const expected: Record<string, number> = {};
        for (let i = 0; i < 200; i++) {
          const ctx = makeParent();
          const parent = trace.getSpanContext(ctx);
          const span = lean.startSpan('s', {}, ctx);
          const got = span.spanContext();
          // What the SDK decides for this trace id, with this parent:
          const decision = sampler.shouldSample(
            ctx,
            got.traceId,
            's',
            0,
            {},
            [],
          ).decision;
          const recorded = decision !== SamplingDecision.NOT_RECORD;
          expect(span.isRecording()).toBe(recorded);
          expect((got.traceFlags & TraceFlags.SAMPLED) !== 0).toBe(
            decision === SamplingDecision.RECORD_AND_SAMPLED,
          );
          const validParent =
            parent !== undefined && parent.traceId !== '0'.repeat(32);
          if (validParent) {
            expect(got.traceId).toBe(parent.traceId);
            expect(got.traceState).toBe(parent.traceState);
          }
          expect(got.spanId).toMatch(/^[0-9a-f]{16}$/);
          expect(got.spanId).not.toBe(parent?.spanId);
          span.end();
          // The SDK counts by the parent in the context, valid or not.
          const origin =
            parent === undefined
              ? 'none'
              : parent.isRemote
                ? 'remote'
                : 'local';
          const key = `${origin}/${recorded ? 'RECORD_AND_SAMPLE' : 'DROP'}`;
          expected[key] = (expected[key] ?? 0) + 1;
        }
        expect(await startedSeries()).toEqual(expected);
      },
    );
  });

  it("passes flushing and shutting down on to the SDK provider (found through the global provider's delegate)", async () => {
    const { sdk, provider } = setUp({ always_on: {} });
    const flush = jest.spyOn(sdk, 'forceFlush');
    const shutdown = jest.spyOn(sdk, 'shutdown');
    await provider.forceFlush();
    expect(flush).toHaveBeenCalledTimes(1);
    await provider.shutdown();
    expect(shutdown).toHaveBeenCalledTimes(1);
  });

  it('leaves suppressed tracing to the SDK', () => {
    const { lean } = setUp({ parent_based: { root: { always_off: {} } } });
    const unsampled = parentContext(TraceFlags.NONE, false);
    const suppressed = lean.startSpan('s', {}, suppressTracing(unsampled));
    // The SDK's answer under suppressed tracing: the invalid span context.
    expect(suppressed.spanContext().traceId).toBe('0'.repeat(32));
  });

  it('runs startActiveSpan callbacks in the span, with any of its signatures', () => {
    const { lean } = setUp({ always_off: {} });
    const seen: unknown[] = [];
    lean.startActiveSpan('a', (span) =>
      seen.push(trace.getActiveSpan() === span),
    );
    lean.startActiveSpan('b', {}, (span) =>
      seen.push(trace.getActiveSpan() === span),
    );
    const parent = parentContext(TraceFlags.NONE, false);
    lean.startActiveSpan('c', {}, parent, (span) =>
      seen.push(
        trace.getActiveSpan() === span &&
          span.spanContext().traceId === trace.getSpanContext(parent)?.traceId,
      ),
    );
    expect(seen).toEqual([true, true, true]);
  });
});

describe('ids', () => {
  it('are hex of the right length and vary', () => {
    const spans = new Set(Array.from({ length: 1000 }, randomSpanId));
    const traces = new Set(Array.from({ length: 1000 }, randomTraceId));
    expect(spans.size).toBe(1000);
    expect(traces.size).toBe(1000);
    for (const id of spans) expect(id).toMatch(/^[0-9a-f]{16}$/);
    for (const id of traces) expect(id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('hands out a preset trace id once', () => {
    const ids = new PresetIdGenerator();
    ids.preset('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(ids.generateTraceId()).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(ids.generateTraceId()).not.toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });
});
