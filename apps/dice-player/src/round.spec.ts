import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { RollRequestError, type RollResponse } from './roll-client';
import { playRound, ROUND_SPAN_NAME } from './round';

describe('playRound', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('test');

  beforeAll(() => {
    // Without a context manager there is no "active span" across the await in playRound.
    context.setGlobalContextManager(
      new AsyncLocalStorageContextManager().enable(),
    );
  });
  afterAll(async () => {
    context.disable();
    await provider.shutdown();
  });
  afterEach(() => exporter.reset());

  /** A client whose roll() answers `response` and records which span was active when it ran. */
  function client(response: () => Promise<RollResponse>) {
    const activeSpanIds: (string | undefined)[] = [];
    return {
      activeSpanIds,
      roll: async () => {
        activeSpanIds.push(trace.getActiveSpan()?.spanContext().spanId);
        return response();
      },
    };
  }

  it('runs the call inside an ended play_round span carrying the face', async () => {
    const fake = client(async () => ({ status: 200, body: '4' }));
    const result = await playRound({ tracer, client: fake }, 7);

    expect(result.outcome).toEqual({ kind: 'face', face: 4 });
    const [span] = exporter.getFinishedSpans();
    expect(span.name).toBe(ROUND_SPAN_NAME);
    expect(span.kind).toBe(SpanKind.INTERNAL);
    expect(span.attributes).toEqual({ 'player.round': 7, 'roll.value': 4 });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    // The HTTP call (and so the instrumentation's client span) runs with play_round active.
    expect(fake.activeSpanIds).toEqual([span.spanContext().spanId]);
    expect(result).toMatchObject({
      traceId: span.spanContext().traceId,
      spanId: span.spanContext().spanId,
    });
  });

  it("marks the round ERROR on dice-api's 500, with the reason", async () => {
    const result = await playRound(
      {
        tracer,
        client: client(async () => ({
          status: 500,
          body: 'something went wrong!',
        })),
      },
      1,
    );
    expect(result.outcome).toMatchObject({
      kind: 'error',
      reason: 'http_status',
    });
    const [span] = exporter.getFinishedSpans();
    expect(span.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: 'dice-api answered HTTP 500: "something went wrong!"',
    });
    expect(span.attributes['error.type']).toBe('500');
  });

  it('turns a failed request into an error outcome and an ERROR span, never a rejection', async () => {
    const refused = client(async () => {
      throw new RollRequestError('connect ECONNREFUSED 127.0.0.1:1', false);
    });
    await expect(
      playRound({ tracer, client: refused }, 1),
    ).resolves.toMatchObject({
      outcome: { kind: 'error', reason: 'network' },
    });
    const timedOut = client(async () => {
      throw new RollRequestError('timed out', true);
    });
    await expect(
      playRound({ tracer, client: timedOut }, 2),
    ).resolves.toMatchObject({
      outcome: { kind: 'error', reason: 'timeout' },
    });
    expect(
      exporter
        .getFinishedSpans()
        .map((s) => [s.status.code, s.attributes['error.type']]),
    ).toEqual([
      [SpanStatusCode.ERROR, 'network'],
      [SpanStatusCode.ERROR, 'timeout'],
    ]);
  });

  it('starts a new trace per round', async () => {
    const fake = client(async () => ({ status: 200, body: '1' }));
    const first = await playRound({ tracer, client: fake }, 1);
    const second = await playRound({ tracer, client: fake }, 2);
    expect(first.traceId).not.toBe(second.traceId);
    expect(
      exporter
        .getFinishedSpans()
        .every((s) => s.parentSpanContext === undefined),
    ).toBe(true);
  });
});
