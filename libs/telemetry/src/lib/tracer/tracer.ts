/**
 * The compact tracer and its provider: the OpenTelemetry API's Tracer and TracerProvider for the
 * common configuration (one batch processor to OTLP), making spans of span.ts. What the SDK's
 * Tracer decides, this decides the same way: the parent from the context (none with
 * `root: true`), suppressed tracing (a non-recording invalid span), the trace id and trace state
 * from a valid parent, the sampler's decision (sampling.ts), the span's kind, start time, links
 * and attributes within the limits, and the `otel.sdk.span.*` counts.
 *
 * Different, and why: ids stay 32-bit words from a pooled buffer (ids.ts); a parent made by this
 * tracer is read directly, a foreign one (a remote parent from propagation) is parsed once; the
 * sampler is a function, not an object asked with five arguments; nothing is validated twice.
 */
import {
  context,
  INVALID_SPAN_CONTEXT,
  SpanKind,
  trace,
  TraceFlags,
  type Context,
  type Span,
  type SpanOptions,
  type Tracer,
  type TracerOptions,
  type TracerProvider,
} from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { addInitialAttributes } from './attributes.js';
import { currentAnchor, toSpanTime } from './clock.js';
import { hexWord, type IdPool } from './ids.js';
import { foldTraceId, Parent, type Decide } from './sampling.js';
import type { Origin, SpanMetrics } from './self-metrics.js';
import {
  cleanLink,
  CompactSpan,
  DroppedSpan,
  type SpanLimits,
  type SpanOwner,
} from './span.js';

/** Where ended spans go, and how the tracer's scope is known there. */
export interface SpanPipeline {
  /** The index under which the encoder knows a tracer's scope. */
  registerScope(
    name: string,
    version: string | undefined,
    schemaUrl: string | undefined,
  ): number;
  /** A recording span ended. */
  onEnd(span: CompactSpan): void;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** What every tracer of a provider shares. */
export interface TracerSettings {
  readonly limits: SpanLimits;
  readonly decide: Decide;
  readonly ids: IdPool;
  readonly metrics: SpanMetrics;
  readonly pipeline: SpanPipeline;
}

const LOCAL: Origin = 1;
const REMOTE: Origin = 2;

export class CompactTracer implements Tracer, SpanOwner {
  readonly limits: SpanLimits;

  constructor(
    private readonly settings: TracerSettings,
    readonly scope: number,
  ) {
    this.limits = settings.limits;
  }

  ended(span: CompactSpan): void {
    this.settings.metrics.ended();
    this.settings.pipeline.onEnd(span);
  }

  startSpan(
    name: string,
    options?: SpanOptions,
    ctx: Context = context.active(),
  ): Span {
    const parent = options?.root ? undefined : trace.getSpan(ctx);
    if (isTracingSuppressed(ctx))
      return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
    const settings = this.settings;
    const ids = settings.ids;
    let t0 = 0;
    let t1 = 0;
    let t2 = 0;
    let t3 = 0;
    let p0 = 0;
    let p1 = 0;
    let kind: Parent = Parent.None;
    let origin: Origin = 0;
    let remote = false;
    let traceState;
    let anchor;
    if (parent instanceof CompactSpan || parent instanceof DroppedSpan) {
      // One of ours: ids as words, the trace's clock anchor.
      origin = LOCAL;
      t0 = parent.t0;
      t1 = parent.t1;
      t2 = parent.t2;
      t3 = parent.t3;
      p0 = parent.s0;
      p1 = parent.s1;
      kind =
        parent.flags & TraceFlags.SAMPLED
          ? Parent.LocalSampled
          : Parent.LocalNotSampled;
      traceState = parent.traceState;
      anchor = parent.anchor;
    } else if (parent !== undefined) {
      const sc = parent.spanContext();
      remote = sc.isRemote === true;
      origin = remote ? REMOTE : LOCAL;
      // isSpanContextValid, as the SDK asks it: 32 and 16 hex digits, neither all zero.
      if (sc.traceId.length === 32 && sc.spanId.length === 16) {
        t0 = hexWord(sc.traceId, 0);
        t1 = hexWord(sc.traceId, 8);
        t2 = hexWord(sc.traceId, 16);
        t3 = hexWord(sc.traceId, 24);
        p0 = hexWord(sc.spanId, 0);
        p1 = hexWord(sc.spanId, 8);
        if (
          t0 >= 0 &&
          t1 >= 0 &&
          t2 >= 0 &&
          t3 >= 0 &&
          p0 >= 0 &&
          p1 >= 0 &&
          (t0 | t1 | t2 | t3) !== 0 &&
          (p0 | p1) !== 0
        ) {
          const sampled = (sc.traceFlags & TraceFlags.SAMPLED) !== 0;
          kind = remote
            ? sampled
              ? Parent.RemoteSampled
              : Parent.RemoteNotSampled
            : sampled
              ? Parent.LocalSampled
              : Parent.LocalNotSampled;
          traceState = sc.traceState;
        }
      }
      if (kind === Parent.None) {
        // An invalid parent: a root span, counted by the parent it was given (as the SDK does).
        p0 = 0;
        p1 = 0;
        remote = false;
      }
    }
    if (kind === Parent.None) {
      do {
        t0 = ids.word();
        t1 = ids.word();
        t2 = ids.word();
        t3 = ids.word();
      } while ((t0 | t1 | t2 | t3) === 0);
    }
    anchor ??= currentAnchor();
    let s0: number;
    let s1: number;
    do {
      s0 = ids.word();
      s1 = ids.word();
    } while ((s0 | s1) === 0);
    const sampled = settings.decide(kind, foldTraceId(t0, t1, t2, t3));
    settings.metrics.started(origin, sampled);
    if (!sampled)
      return new DroppedSpan(t0, t1, t2, t3, s0, s1, traceState, anchor);

    const span = new CompactSpan(this, name, anchor);
    span.t0 = t0;
    span.t1 = t1;
    span.t2 = t2;
    span.t3 = t3;
    span.s0 = s0;
    span.s1 = s1;
    span.p0 = p0;
    span.p1 = p1;
    span.parentRemote = remote;
    span.flags = TraceFlags.SAMPLED;
    span.traceState = traceState;
    if (options !== undefined) {
      span.kind = options.kind ?? SpanKind.INTERNAL;
      if (options.startTime !== undefined) {
        span.startTimeGiven = true;
        const now = performance.now();
        span.startAt =
          toSpanTime(options.startTime, anchor, now) ??
          Date.now() - anchor.epochMs;
      } else {
        span.startAt = performance.now();
      }
      if (options.links !== undefined && options.links.length > 0) {
        const limit = this.limits.linkCount;
        const links = options.links.map((link) => cleanLink(link, this.limits));
        // The SDK keeps the last `linkCountLimit` links given at the start.
        span.links =
          links.length > limit ? links.slice(links.length - limit) : links;
        span.droppedLinks = links.length - span.links.length;
      }
      if (options.attributes !== undefined)
        addInitialAttributes(span, options.attributes, this.limits.attributes);
    } else {
      span.startAt = performance.now();
    }
    return span;
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

/**
 * The tracer provider the library registers when the configuration is the common one (see
 * tracer-path.ts). Flushing and shutting down reach the batch processor, so code that flushes the
 * global provider (the AWS Lambda instrumentation before a function freezes) flushes ours.
 */
export class CompactTracerProvider implements TracerProvider {
  private readonly tracers = new Map<string, CompactTracer>();

  constructor(private readonly settings: TracerSettings) {}

  getTracer(name: string, version?: string, options?: TracerOptions): Tracer {
    const key = `${name}@${version || ''}:${options?.schemaUrl || ''}`;
    let tracer = this.tracers.get(key);
    if (tracer === undefined) {
      tracer = new CompactTracer(
        this.settings,
        this.settings.pipeline.registerScope(name, version, options?.schemaUrl),
      );
      this.tracers.set(key, tracer);
    }
    return tracer;
  }

  forceFlush(): Promise<void> {
    return this.settings.pipeline.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.settings.pipeline.shutdown();
  }
}
