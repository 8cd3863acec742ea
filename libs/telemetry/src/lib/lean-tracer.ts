/**
 * A tracer in front of the SDK's that answers "no" itself: when the configured sampler's decision
 * for a new span is to drop it, the span is made here — a non-recording span with a fresh span
 * id in the right trace, which is all the SDK would have made — and counted in the SDK's own
 * `otel.sdk.span.started` series. Every span that is recorded is made by the SDK as before.
 *
 * Why: the SDK decides late. For a span it will not record it still generates ids through a
 * shared Buffer, copies and validates the (empty) attributes, maps the links, consults the
 * sampler and the self-metrics. With head sampling, most requests make only such spans — three
 * each in dice-api — so this is most of what an unsampled request costs the SDK (what it saves:
 * docs/benchmarks.md).
 *
 * The decision is the sampler's own, not a guess: `createDecider` reads it off the sampler
 * configuration (always_on/off, traceidratio, parentbased and its four delegates — everything
 * the configuration model accepts), and a root span's trace-id ratio is asked of the configured
 * sampler object itself, with the trace id that the span then gets: a root span that is sampled
 * is handed to the SDK with that trace id preset in its id generator (PresetIdGenerator), so the
 * SDK's sampler, asked again, says yes again. Spans with links, `root: true`, or under suppressed
 * tracing go to the SDK untouched.
 */
import {
  context,
  isSpanContextValid,
  SamplingDecision,
  trace,
  TraceFlags,
  type Context,
  type Span,
  type SpanContext,
  type SpanOptions,
  type Tracer,
  type TracerOptions,
  type TracerProvider,
} from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import type { IdGenerator, Sampler } from '@opentelemetry/sdk-trace';
import type { SamplerModel } from './config/model.js';

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) =>
  i.toString(16).padStart(2, '0'),
);

function hexWord(word: number): string {
  return (
    HEX[word >>> 24] +
    HEX[(word >>> 16) & 0xff] +
    HEX[(word >>> 8) & 0xff] +
    HEX[word & 0xff]
  );
}

function randomWord(): number {
  return (Math.random() * 4294967296) >>> 0;
}

/** 16 random hex digits, never all zero (an invalid id), from Math.random as the SDK's. */
export function randomSpanId(): string {
  const high = randomWord();
  const low = randomWord() || (high === 0 ? 1 : 0);
  return hexWord(high) + hexWord(low);
}

/** 32 random hex digits, never all zero. */
export function randomTraceId(): string {
  const a = randomWord();
  const b = randomWord();
  const c = randomWord();
  const d = randomWord() || (a === 0 && b === 0 && c === 0 ? 1 : 0);
  return hexWord(a) + hexWord(b) + hexWord(c) + hexWord(d);
}

/**
 * The SDK's id generator, except that the next trace id can be chosen: the lean tracer presets
 * the trace id it already sampled right before it hands a root span to the SDK.
 */
export class PresetIdGenerator implements IdGenerator {
  private next: string | undefined;

  preset(traceId: string): void {
    this.next = traceId;
  }

  generateTraceId(): string {
    const preset = this.next;
    if (preset === undefined) return randomTraceId();
    this.next = undefined;
    return preset;
  }

  generateSpanId(): string {
    return randomSpanId();
  }
}

/**
 * What the configured sampler decides from the parent alone: `drop`, `record` (the SDK makes the
 * span), or `ratio` (a root decision that depends on the trace id: ask the sampler).
 */
export type Decision = 'drop' | 'record' | 'ratio';

export type Decider = (parent: SpanContext | undefined) => Decision;

/** A sampler with no parent to go by. */
function rootDecision(sampler: SamplerModel): Decision {
  if (sampler.always_on) return 'record';
  if (sampler.always_off) return 'drop';
  if (sampler.trace_id_ratio_based) return 'ratio';
  if (sampler.parent_based)
    return rootDecision(sampler.parent_based.root ?? { always_on: {} });
  // A sampler this file does not know: the SDK decides.
  return 'record';
}

/**
 * A delegate asked for a child span: whatever it says without looking at the trace id — a ratio
 * delegate of a child is left to the SDK (`record` here means "the SDK decides"). So is a nested
 * parent-based delegate (possible in a configuration file): asked about a child, it goes by the
 * parent through its own slots, not by its root sampler.
 */
function childDecision(
  sampler: SamplerModel | undefined,
  fallback: Decision,
): Decision {
  if (sampler === undefined) return fallback;
  if (sampler.parent_based) return 'record';
  const decision = rootDecision(sampler);
  return decision === 'ratio' ? 'record' : decision;
}

/** The configured sampler as a function of the parent span context (see Decision). */
export function createDecider(
  sampler: SamplerModel = { parent_based: { root: { always_on: {} } } },
): Decider {
  const parentBased = sampler.parent_based;
  if (!parentBased) {
    const decision = rootDecision(sampler);
    // A ratio sampler without a parent-based wrapper looks at the trace id of children too.
    return (parent) =>
      decision === 'ratio' && parent !== undefined ? 'record' : decision;
  }
  const root = rootDecision(parentBased.root ?? { always_on: {} });
  const remoteSampled = childDecision(
    parentBased.remote_parent_sampled,
    'record',
  );
  const remoteNotSampled = childDecision(
    parentBased.remote_parent_not_sampled,
    'drop',
  );
  const localSampled = childDecision(
    parentBased.local_parent_sampled,
    'record',
  );
  const localNotSampled = childDecision(
    parentBased.local_parent_not_sampled,
    'drop',
  );
  return (parent) => {
    if (parent === undefined) return root;
    const sampled = (parent.traceFlags & TraceFlags.SAMPLED) !== 0;
    if (parent.isRemote) return sampled ? remoteSampled : remoteNotSampled;
    return sampled ? localSampled : localNotSampled;
  };
}

/** Counts a span this tracer dropped where the SDK counts the spans it starts. */
export type DropCounter = (parentOrigin: 'none' | 'local' | 'remote') => void;

export interface LeanTracerOptions {
  readonly decide: Decider;
  /** The configured sampler, asked for root spans whose decision depends on the trace id. */
  readonly sampler: Sampler;
  readonly ids: PresetIdGenerator;
  readonly countDrop: DropCounter;
}

export class LeanTracer implements Tracer {
  constructor(
    private readonly sdk: Tracer,
    private readonly options: LeanTracerOptions,
  ) {}

  startSpan(name: string, options?: SpanOptions, ctx?: Context): Span {
    const active = ctx ?? context.active();
    if (
      options !== undefined &&
      (options.root ||
        (options.links !== undefined && options.links.length > 0))
    )
      return this.sdk.startSpan(name, options, active);
    const candidate = trace.getSpanContext(active);
    // "record" needs no checking: the SDK makes the span, and decides for itself (a parent that
    // turns out invalid included). Only a drop is made here, so only a drop is checked.
    const decision = this.options.decide(candidate);
    if (decision === 'record' || isTracingSuppressed(active))
      return this.sdk.startSpan(name, options, active);
    const parent =
      candidate !== undefined && isSpanContextValid(candidate)
        ? candidate
        : undefined;
    if (parent !== undefined) {
      // A child in a trace that is not recorded: the same trace, a new span id.
      this.options.countDrop(parent.isRemote ? 'remote' : 'local');
      return trace.wrapSpanContext({
        traceId: parent.traceId,
        spanId: randomSpanId(),
        traceFlags: TraceFlags.NONE,
        traceState: parent.traceState,
      });
    }
    // No valid parent: the root decision (an invalid parent in the context counts as none).
    const rootDecision =
      candidate === undefined ? decision : this.options.decide(undefined);
    if (rootDecision === 'record')
      return this.sdk.startSpan(name, options, active);
    const traceId = randomTraceId();
    if (
      rootDecision === 'ratio' &&
      this.options.sampler.shouldSample(
        active,
        traceId,
        name,
        options?.kind ?? 0,
        {},
        [],
      ).decision !== SamplingDecision.NOT_RECORD
    ) {
      this.options.ids.preset(traceId);
      return this.sdk.startSpan(name, options, active);
    }
    // Counted as the SDK counts it: by the parent in the context, valid or not.
    this.options.countDrop(
      candidate === undefined
        ? 'none'
        : candidate.isRemote
          ? 'remote'
          : 'local',
    );
    return trace.wrapSpanContext({
      traceId,
      spanId: randomSpanId(),
      traceFlags: TraceFlags.NONE,
    });
  }

  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    ctx: Context,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    arg2?: F | SpanOptions,
    arg3?: F | Context,
    arg4?: F,
  ): ReturnType<F> | undefined {
    let options: SpanOptions | undefined;
    let ctx: Context | undefined;
    let fn: F;
    // The SDK tracer's argument handling, by count.
    if (arguments.length < 2) return undefined;
    if (arguments.length === 2) fn = arg2 as F;
    else if (arguments.length === 3) {
      options = arg2 as SpanOptions;
      fn = arg3 as F;
    } else {
      options = arg2 as SpanOptions;
      ctx = arg3 as Context;
      fn = arg4 as F;
    }
    const parent = ctx ?? context.active();
    const span = this.startSpan(name, options, parent);
    return context.with(
      trace.setSpan(parent, span),
      fn as (span: Span) => ReturnType<F>,
      undefined,
      span,
    );
  }
}

/** What the lean provider passes on to the SDK provider besides tracers. */
export interface FlushableTracerProvider extends TracerProvider {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * The tracer provider the library registers: the SDK's, with each tracer behind a LeanTracer.
 * Flushing and shutting down are the SDK provider's, passed through: code that finds the global
 * provider and flushes it (e.g. the AWS Lambda instrumentation before the function freezes)
 * flushes the SDK's.
 */
export class LeanTracerProvider implements FlushableTracerProvider {
  private readonly tracers = new Map<string, LeanTracer>();

  constructor(
    private readonly sdk: FlushableTracerProvider,
    private readonly options: LeanTracerOptions,
  ) {}

  forceFlush(): Promise<void> {
    return this.sdk.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.sdk.shutdown();
  }

  getTracer(name: string, version?: string, options?: TracerOptions): Tracer {
    const key = `${name}@${version ?? ''}:${options?.schemaUrl ?? ''}`;
    let tracer = this.tracers.get(key);
    if (tracer === undefined) {
      tracer = new LeanTracer(
        this.sdk.getTracer(name, version, options),
        this.options,
      );
      this.tracers.set(key, tracer);
    }
    return tracer;
  }
}
