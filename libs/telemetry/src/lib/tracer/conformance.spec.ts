/**
 * The compact tracer against the SDK's, operation for operation: each scenario below runs once
 * through the compact path (its encoded requests, as its exporter would send them) and once
 * through the SDK path (TELEMETRY_TRACER=sdk; its spans serialized by upstream's
 * ProtobufTraceSerializer, the serializer its OTLP exporters use). Both are decoded with the OTLP
 * schema (test-support's decoder) and must be the same message — every field of every span,
 * resource and scope: names, kinds, trace state, flags, attributes with their AnyValue types,
 * dropped counts, events, links, status — except span ids and generated trace ids (compared as
 * structure: which span is whose parent, which spans share a trace) and timestamps (compared
 * only where the scenario gives them).
 *
 * The same holds for what is not exported (sampled out, suppressed) and for the SDK self-metrics
 * both paths count (`otel.sdk.span.started`, `otel.sdk.span.live`, processed spans).
 */
import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  ExportResultCode,
  suppressTracing,
  TraceState,
} from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  DataPointType,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { decodeProtobufRequest } from '@otel-dice/test-support';
import { resolveTelemetryConfig } from '../config/resolve.js';
import { buildMetrics } from '../metrics.js';
import { RetainingSpanExporter } from '../test-helpers.js';
import { buildTraces } from '../traces.js';
import type { BatchExporter, EncodedBatch } from './batch-processor.js';

const resource = resourceFromAttributes({
  'service.name': 'conformance',
  'service.version': '1.0.0',
  'host.arch': 'amd64',
  'process.pid': 4242,
  'deployment.environment.name': 'tést ✓',
});

const REMOTE_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const REMOTE_SPAN = '00f067aa0ba902b7';
const LINK_TRACE = '0af7651916cd43dd8448eb211c80319c';
const LINK_SPAN = 'b7ad6b7169203331';
const STATE = new TraceState('vendor=opaque,other=1');

/** Trace ids the scenarios give (the rest are generated, and compared as structure). */
const GIVEN_TRACES = new Set([REMOTE_TRACE, LINK_TRACE]);

function remote(flags: number, traceId = REMOTE_TRACE): Context {
  GIVEN_TRACES.add(traceId);
  const parent: SpanContext = {
    traceId,
    spanId: REMOTE_SPAN,
    traceFlags: flags,
    isRemote: true,
    traceState: STATE,
  };
  return trace.setSpanContext(ROOT_CONTEXT, parent);
}

const EPOCH = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
/** Spans whose times the scenario gives: their timestamps are compared too. */
const GIVEN_TIMES = new Set(['given-times', 'given-hrtime']);

type Scenario = (tracers: { main: Tracer; other: Tracer }) => void;

/** Every span API call the SDK has, on a mix of spans. */
const EVERYTHING: Scenario = ({ main, other }) => {
  const types = main.startSpan('attribute-types');
  types.setAttribute('string', 'value');
  types.setAttribute('empty-string', '');
  types.setAttribute('unicode', 'héllo ✓ 日本語 🎲 \u0000 end');
  types.setAttribute('lone-surrogate', 'a\ud800b');
  types.setAttribute('int', 42);
  types.setAttribute('negative', -7);
  types.setAttribute('zero', 0);
  types.setAttribute('negative-zero', -0);
  types.setAttribute('big-int', 2 ** 53 + 2);
  types.setAttribute('huge', 2 ** 64);
  types.setAttribute('double', 3.25);
  types.setAttribute('nan', NaN);
  types.setAttribute('infinity', -Infinity);
  types.setAttribute('true', true);
  types.setAttribute('false', false);
  types.setAttribute('strings', ['a', '', 'ü']);
  types.setAttribute('numbers', [1, 2.5, -3]);
  types.setAttribute('booleans', [true, false]);
  types.setAttribute('empty-array', []);
  types.setAttribute('holes', [
    'a',
    null,
    undefined,
    'b',
  ] as unknown as string[]);
  types.setAttribute('mixed', [1, 'two', true] as unknown as string[]);
  types.setAttribute(
    'bytes',
    new Uint8Array([0, 1, 254, 255]) as unknown as string,
  );
  types.setAttribute('map', {
    nested: { deep: 'x', list: [1, 2] },
    skipped: undefined,
  } as unknown as string);
  types.setAttribute('null', null as unknown as string);
  types.setAttribute('undefined', undefined as unknown as string);
  types.setAttribute('', 'an empty key is refused');
  types.setAttribute('function', (() => 1) as unknown as string);
  types.setAttribute('overwritten', 'first');
  types.setAttribute('overwritten', 'second');
  types.setAttributes({ 'from-object': 1, another: 'x', skip: undefined });
  types.end();

  const initial = main.startSpan('initial-attributes', {
    kind: SpanKind.CLIENT,
    attributes: {
      a: 1,
      b: 'two',
      '': 'empty key',
      c: (() => 3) as unknown as string,
      d: undefined,
      e: [true],
    },
  });
  initial.setAttribute('a', 'overwritten later');
  initial.end();

  const events = main.startSpan('events', { kind: SpanKind.PRODUCER });
  events.addEvent('plain');
  events.addEvent('with-attributes', {
    key: 'value',
    n: 1,
    list: ['x', 'y'],
    mixed: [1, 'x'] as unknown as string[],
    nested: { no: 'maps' } as unknown as string,
    nothing: null as unknown as string,
  });
  events.addEvent('with-unicode ✓', { clé: 'välue' });
  events.end();

  const exceptions = main.startSpan('exceptions', { kind: SpanKind.SERVER });
  exceptions.recordException(new TypeError('boom'));
  exceptions.recordException('just a message');
  exceptions.recordException({ code: 42, message: 'coded' });
  exceptions.recordException({ code: 'ECONNRESET', name: 'ignored' });
  exceptions.recordException({ name: 'OnlyAName' });
  exceptions.recordException({} as Error);
  exceptions.setStatus({ code: SpanStatusCode.ERROR, message: 'it failed' });
  exceptions.end();

  const linked = main.startSpan('links', {
    kind: SpanKind.CONSUMER,
    links: [
      {
        context: {
          traceId: LINK_TRACE,
          spanId: LINK_SPAN,
          traceFlags: TraceFlags.SAMPLED,
          isRemote: true,
          traceState: STATE,
        },
        attributes: { 'link.kind': 'upstream', n: 2 },
      },
      {
        context: {
          traceId: LINK_TRACE.toUpperCase(),
          spanId: LINK_SPAN,
          traceFlags: TraceFlags.NONE,
        },
      },
    ],
  });
  linked.addLink({
    context: {
      traceId: REMOTE_TRACE,
      spanId: REMOTE_SPAN,
      traceFlags: TraceFlags.SAMPLED,
    },
    attributes: { added: true, bad: (() => 0) as unknown as string },
  });
  linked.addLinks([
    {
      context: {
        traceId: REMOTE_TRACE,
        spanId: LINK_SPAN,
        traceFlags: TraceFlags.NONE,
        isRemote: false,
      },
    },
  ]);
  linked.end();

  for (const [name, sequence] of [
    ['status-error', [{ code: SpanStatusCode.ERROR, message: 'bad' }]],
    [
      'status-error-then-ok',
      [
        { code: SpanStatusCode.ERROR, message: 'bad' },
        { code: SpanStatusCode.OK, message: 'dropped for OK' },
      ],
    ],
    [
      'status-ok-is-final',
      [{ code: SpanStatusCode.OK }, { code: SpanStatusCode.ERROR }],
    ],
    ['status-unset-ignored', [{ code: SpanStatusCode.UNSET, message: 'no' }]],
    [
      'status-bad-message',
      [{ code: SpanStatusCode.ERROR, message: 42 as unknown as string }],
    ],
  ] as const) {
    const span = main.startSpan(name);
    for (const status of sequence) span.setStatus(status);
    span.end();
  }

  const renamed = main.startSpan('before-rename');
  renamed.updateName('renamed ✓');
  renamed.end();
  main.startSpan('').end();

  const ended = main.startSpan('after-end', { attributes: { kept: 1 } });
  ended.end();
  ended.setAttribute('late', 1);
  ended.addEvent('late');
  ended.setStatus({ code: SpanStatusCode.ERROR });
  ended.updateName('late name');
  ended.recordException(new Error('late'));
  ended.end();

  const given = main.startSpan('given-times', {
    startTime: new Date(EPOCH),
  });
  given.addEvent('at a given time', EPOCH + 5);
  given.addEvent('with attributes and a time', { k: 'v' }, new Date(EPOCH + 6));
  given.end(EPOCH + 10);
  const hr = main.startSpan('given-hrtime', {
    startTime: [Math.floor(EPOCH / 1000), 123_456_789],
  });
  hr.end([Math.floor(EPOCH / 1000) + 1, 987_654_321]);

  // Parents: local (explicit and active), remote sampled with trace state, remote not sampled,
  // `root: true`, an invalid parent, suppressed tracing.
  const root = main.startSpan('root');
  const rootContext = trace.setSpan(ROOT_CONTEXT, root);
  main.startSpan('child', {}, rootContext).end();
  context.with(rootContext, () => {
    main.startActiveSpan('active-child', (span: Span) => {
      other.startSpan('grandchild-other-scope').end();
      main.startSpan('new-root', { root: true }).end();
      span.end();
    });
  });
  root.end();

  const fromRemote = main.startSpan(
    'remote-sampled-parent',
    { kind: SpanKind.SERVER },
    remote(TraceFlags.SAMPLED),
  );
  main
    .startSpan('under-remote', {}, trace.setSpan(ROOT_CONTEXT, fromRemote))
    .end();
  fromRemote.end();
  const notSampled = main.startSpan(
    'remote-unsampled-parent',
    {},
    remote(TraceFlags.NONE),
  );
  main
    .startSpan('under-unsampled', {}, trace.setSpan(ROOT_CONTEXT, notSampled))
    .end();
  notSampled.end();
  main
    .startSpan(
      'invalid-parent',
      {},
      trace.setSpanContext(ROOT_CONTEXT, {
        traceId: '0'.repeat(32),
        spanId: '0'.repeat(16),
        traceFlags: TraceFlags.SAMPLED,
      }),
    )
    .end();
  main.startSpan('suppressed', {}, suppressTracing(rootContext)).end();
  for (const kind of [
    SpanKind.INTERNAL,
    SpanKind.SERVER,
    SpanKind.CLIENT,
    SpanKind.PRODUCER,
    SpanKind.CONSUMER,
  ])
    main.startSpan(`kind-${kind}`, { kind }).end();
};

/** Past every limit: attributes, value length, events, links, per-event and per-link attributes. */
const OVER_LIMITS: Scenario = ({ main }) => {
  const manyLinks = Array.from({ length: 5 }, (_, i) => ({
    context: {
      traceId: LINK_TRACE,
      spanId: `${i + 1}`.padStart(16, '0'),
      traceFlags: TraceFlags.SAMPLED,
    },
    attributes: { a: 1, b: 2, c: 3, d: 4 },
  }));
  const span = main.startSpan('over-limits', {
    links: manyLinks,
    attributes: Object.fromEntries(
      Array.from({ length: 6 }, (_, i) => [`initial-${i}`, i]),
    ),
  });
  for (let i = 0; i < 10; i++) span.setAttribute(`key-${i}`, `value ${i}`);
  span.setAttribute('initial-0', 'an existing key is still overwritten');
  span.setAttribute('long', 'x'.repeat(40));
  span.setAttribute('long-unicode', 'é✓'.repeat(20));
  for (let i = 0; i < 6; i++)
    span.addEvent(`event-${i}`, { a: 'y'.repeat(30), b: 2, c: 3, d: 4 });
  span.addLink({
    context: {
      traceId: LINK_TRACE,
      spanId: 'ffffffffffffffff',
      traceFlags: TraceFlags.NONE,
    },
  });
  span.end();

  const long = main.startSpan('long-values');
  long.setAttribute('strings', ['z'.repeat(40), 'short']);
  long.setAttribute('bytes', new Uint8Array(40) as unknown as string);
  long.setAttribute('map', { inner: 'w'.repeat(40) } as unknown as string);
  long.end();
};

/** Parent-based sampling: what a remote or local parent's flag decides, for each delegate. */
const PARENTS: Scenario = ({ main }) => {
  for (const flags of [TraceFlags.SAMPLED, TraceFlags.NONE]) {
    const server = main.startSpan(
      `server-under-${flags}`,
      { kind: SpanKind.SERVER },
      remote(flags),
    );
    const local = trace.setSpan(ROOT_CONTEXT, server);
    main.startSpan(`child-under-${flags}`, {}, local).end();
    main
      .startSpan(
        `local-parent-${flags}`,
        {},
        trace.setSpanContext(ROOT_CONTEXT, {
          traceId: REMOTE_TRACE,
          spanId: LINK_SPAN,
          traceFlags: flags,
          isRemote: false,
        }),
      )
      .end();
    server.end();
  }
};

/** The trace-id ratio decides on the trace id: both tracers must keep the same traces. */
const RATIO: Scenario = ({ main }) => {
  for (let i = 0; i < 64; i++) {
    const traceId = (i * 0x9e3779b1 + 0x7f4a7c15)
      .toString(16)
      .padStart(8, '0')
      .repeat(4)
      .slice(0, 32);
    main.startSpan(`ratio-${i}`, {}, remote(TraceFlags.NONE, traceId)).end();
  }
};

class OnDemandReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

interface Exported {
  readonly requests: unknown[];
  readonly metrics: ResourceMetrics;
}

async function run(
  tracer: 'compact' | 'sdk',
  env: Record<string, string>,
  scenario: Scenario,
): Promise<Exported> {
  const config = resolveTelemetryConfig({
    env: { ...env, TELEMETRY_TRACER: tracer, OTEL_BSP_SCHEDULE_DELAY: '60000' },
    defaultServiceName: 'conformance',
  });
  let reader: OnDemandReader | undefined;
  const metrics = buildMetrics(
    { config, resource, register: false },
    {
      readers: [
        (producer) =>
          (reader = new OnDemandReader({ metricProducers: [producer] })),
      ],
    },
  );
  const requests: unknown[] = [];
  const sdkSpans = new RetainingSpanExporter();
  const capture: BatchExporter = {
    export: (batch: EncodedBatch, done) => {
      requests.push(decodeProtobufRequest('traces', Buffer.from(batch.bytes)));
      done({ code: ExportResultCode.SUCCESS });
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
  const traces = buildTraces(
    {
      config,
      resource,
      register: false,
      meterProvider: metrics.meterProvider,
    },
    tracer === 'compact' ? { batchExporter: capture } : { exporter: sdkSpans },
  );
  expect(traces.path.kind).toBe(tracer);
  scenario({
    main: traces.tracerProvider.getTracer('conformance', '1.2.3', {
      schemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
    }),
    other: traces.tracerProvider.getTracer('other-scope'),
  });
  await traces.forceFlush();
  await traces.shutdown();
  if (tracer === 'sdk') {
    const spans = sdkSpans.getFinishedSpans();
    if (spans.length > 0)
      requests.push(
        decodeProtobufRequest(
          'traces',
          Buffer.from(
            ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array,
          ),
        ),
      );
  }
  const collected = await (reader as OnDemandReader).collect();
  await metrics.shutdown();
  return { requests, metrics: collected.resourceMetrics };
}

type Wire = Record<string, unknown>;

/** Buffers as hex, KeyValue lists sorted by key: comparable, readable in a diff. */
function plain(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (Array.isArray(value)) {
    const items = value.map(plain);
    const keyed = items.every(
      (item) => typeof item === 'object' && item !== null && 'key' in item,
    );
    return keyed
      ? [...items].sort((a, b) =>
          String((a as Wire)['key']).localeCompare(String((b as Wire)['key'])),
        )
      : items;
  }
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, plain(v)]),
    );
  return value;
}

/**
 * An exception's stack trace down to the frame that threw: below it the two runs differ (one is
 * called after an await, one not), and the frames are not the tracer's doing.
 */
function stackTop(keyValue: Wire): Wire {
  if (keyValue['key'] !== 'exception.stacktrace') return keyValue;
  const value = keyValue['value'] as Wire;
  return {
    ...keyValue,
    value: {
      ...value,
      stringValue: String(value['stringValue'])
        .split('\n')
        .slice(0, 2)
        .join('\n'),
    },
  };
}

/** Every exported span, with its resource and scope, ids as structure, times where given. */
function normalize(requests: readonly unknown[]): Wire[] {
  const flat: { span: Wire; scope: unknown; resource: unknown }[] = [];
  for (const request of requests)
    for (const rs of (request as Wire)['resourceSpans'] as Wire[])
      for (const ss of rs['scopeSpans'] as Wire[])
        for (const span of ss['spans'] as Wire[])
          flat.push({
            span,
            scope: plain({ scope: ss['scope'], schemaUrl: ss['schemaUrl'] }),
            resource: plain({
              resource: rs['resource'],
              schemaUrl: rs['schemaUrl'],
            }),
          });
  const hex = (b: unknown) => (b as Buffer).toString('hex');
  const nameOf = new Map(
    flat.map(({ span }) => [hex(span['spanId']), span['name'] as string]),
  );
  const traceLabel = new Map<string, string>();
  for (const { span } of [...flat].sort((a, b) =>
    String(a.span['name']).localeCompare(String(b.span['name'])),
  )) {
    const id = hex(span['traceId']);
    if (!traceLabel.has(id))
      traceLabel.set(
        id,
        GIVEN_TRACES.has(id) ? id : `trace of ${String(span['name'])}`,
      );
  }
  return flat
    .map(({ span, scope, resource: r }) => {
      const given = GIVEN_TIMES.has(span['name'] as string);
      const parent = hex(span['parentSpanId']);
      return plain({
        ...span,
        spanId: 'not compared',
        traceId: traceLabel.get(hex(span['traceId'])),
        parentSpanId: parent === '' ? '' : (nameOf.get(parent) ?? parent),
        startTimeUnixNano: given ? span['startTimeUnixNano'] : 'a time',
        endTimeUnixNano: given ? span['endTimeUnixNano'] : 'a time',
        events: (span['events'] as Wire[]).map((event) => ({
          ...event,
          attributes: (event['attributes'] as Wire[]).map(stackTop),
          timeUnixNano: given ? event['timeUnixNano'] : 'a time',
        })),
        scope,
        resource: r,
      }) as Wire;
    })
    .sort((a, b) => String(a['name']).localeCompare(String(b['name'])));
}

/** The SDK self-metrics as name → attributes → value. */
function selfMetrics(metrics: ResourceMetrics): Record<string, unknown> {
  const found: Record<string, unknown> = {};
  for (const scope of metrics.scopeMetrics)
    for (const metric of scope.metrics) {
      const name = metric.descriptor.name;
      if (!name.startsWith('otel.sdk.')) continue;
      expect(metric.dataPointType).toBe(DataPointType.SUM);
      found[`${scope.scope.name}@${scope.scope.version ?? ''} ${name}`] =
        Object.fromEntries(
          metric.dataPoints
            .map((p) => [
              JSON.stringify(
                Object.entries(p.attributes as Attributes)
                  .filter(([k]) => k !== 'otel.component.name')
                  .sort(),
              ),
              p.value,
            ])
            .sort(),
        );
    }
  return found;
}

const manager = new AsyncLocalStorageContextManager();
beforeAll(() => context.setGlobalContextManager(manager.enable()));
afterAll(() => {
  manager.disable();
  context.disable();
});

describe('the compact tracer exports what the SDK exports', () => {
  const cases: [string, Record<string, string>, Scenario][] = [
    ['every span operation, default limits', {}, EVERYTHING],
    [
      'limits exceeded',
      {
        OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '8',
        OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '16',
        OTEL_SPAN_EVENT_COUNT_LIMIT: '3',
        OTEL_SPAN_LINK_COUNT_LIMIT: '2',
        OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT: '2',
        OTEL_LINK_ATTRIBUTE_COUNT_LIMIT: '3',
      },
      OVER_LIMITS,
    ],
    [
      'every span operation, tight limits',
      {
        OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: '4',
        OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: '3',
        OTEL_SPAN_EVENT_COUNT_LIMIT: '0',
        OTEL_SPAN_LINK_COUNT_LIMIT: '0',
      },
      EVERYTHING,
    ],
    [
      'trace-id ratio sampling',
      {
        OTEL_TRACES_SAMPLER: 'traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.5',
      },
      RATIO,
    ],
    [
      'parent-based ratio sampling',
      {
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.5',
      },
      PARENTS,
    ],
    ['parent-based, always on', {}, PARENTS],
    [
      'parent-based always off',
      { OTEL_TRACES_SAMPLER: 'parentbased_always_off' },
      PARENTS,
    ],
    [
      'trace-id ratio for children too',
      { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.5' },
      PARENTS,
    ],
    ['always off', { OTEL_TRACES_SAMPLER: 'always_off' }, EVERYTHING],
  ];

  it.each(cases)('%s', async (_name, env, scenario) => {
    const compact = await run('compact', env, scenario);
    const sdk = await run('sdk', env, scenario);
    const compactSpans = normalize(compact.requests);
    const sdkSpans = normalize(sdk.requests);
    expect(compactSpans.map((s) => s['name'])).toEqual(
      sdkSpans.map((s) => s['name']),
    );
    expect(compactSpans).toEqual(sdkSpans);
    expect(selfMetrics(compact.metrics)).toEqual(selfMetrics(sdk.metrics));
  });

  it('covers what it claims: spans of every kind were exported and some were not', async () => {
    const { requests } = await run('compact', {}, EVERYTHING);
    const names = normalize(requests).map((s) => s['name']);
    expect(names).toEqual(
      expect.arrayContaining([
        'attribute-types',
        'links',
        'exceptions',
        'under-remote',
        'grandchild-other-scope',
        'new-root',
        'invalid-parent',
      ]),
    );
    expect(names).not.toContain('remote-unsampled-parent');
    expect(names).not.toContain('under-unsampled');
    expect(names).not.toContain('suppressed');
    const ratio = normalize(
      (
        await run(
          'compact',
          {
            OTEL_TRACES_SAMPLER: 'traceidratio',
            OTEL_TRACES_SAMPLER_ARG: '0.5',
          },
          RATIO,
        )
      ).requests,
    );
    expect(ratio.length).toBeGreaterThan(8);
    expect(ratio.length).toBeLessThan(56);
  });
});
