/**
 * The spans the compact tracer makes: a recording span, a small fixed-shape object (ids as
 * 32-bit words, times as monotonic milliseconds, attributes in two arrays) that the batch
 * processor encodes to OTLP protobuf once, when it ends; and the non-recording span a sampler's
 * "drop" gets, which only carries ids.
 *
 * The Span API holds as the SDK's SpanImpl has it — attributes, events, links, status,
 * recordException, updateName, isRecording, end — with the same limits, dropped counts, rules
 * for times, and the same warnings through `diag` where the SDK warns; the conformance spec
 * (compact-conformance.spec.ts) checks the exported bytes against the SDK's.
 */
import {
  diag,
  SpanStatusCode,
  type Attributes,
  type AttributeValue,
  type Exception,
  type Link,
  type Span,
  type SpanAttributes,
  type SpanContext,
  type SpanStatus,
  type TimeInput,
  type TraceState,
} from '@opentelemetry/api';
import { cleanAttributes, cleanSimpleAttributes } from '@opentelemetry/core';
import {
  ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_STACKTRACE,
  ATTR_EXCEPTION_TYPE,
} from '@opentelemetry/semantic-conventions';
import {
  addAttribute,
  Added,
  type AttributeLimits,
  type AttributeStore,
} from './attributes.js';
import {
  isBefore,
  toSpanTime,
  type ClockAnchor,
  type SpanTime,
} from './clock.js';
import { wordHex } from './ids.js';

/** The SDK's span limits, resolved (Infinity where there is none). */
export interface SpanLimits {
  readonly attributes: AttributeLimits;
  readonly eventCount: number;
  readonly linkCount: number;
  readonly attributesPerEvent: number;
  readonly attributesPerLink: number;
}

export interface SpanEvent {
  readonly name: string;
  readonly time: SpanTime;
  readonly attributes: Attributes | undefined;
  readonly dropped: number;
}

export interface SpanLink {
  readonly context: SpanContext;
  readonly attributes: Attributes | undefined;
  readonly dropped: number;
}

/** What a span needs from its tracer: limits, and where it goes when it ends. */
export interface SpanOwner {
  readonly limits: SpanLimits;
  /** The tracer's scope, as the encoder knows it. */
  readonly scope: number;
  ended(span: CompactSpan): void;
}

/** Trace ids as words: t0…t3 big-endian, span ids s0, s1. */
export interface SpanIds {
  t0: number;
  t1: number;
  t2: number;
  t3: number;
  s0: number;
  s1: number;
  flags: number;
  traceState: TraceState | undefined;
  /** Anchor of the trace's times (clock.ts): a child takes its local parent's. */
  anchor: ClockAnchor;
}

function traceIdHex(ids: SpanIds): string {
  return wordHex(ids.t0) + wordHex(ids.t1) + wordHex(ids.t2) + wordHex(ids.t3);
}

export class CompactSpan implements Span, SpanIds, AttributeStore {
  t0 = 0;
  t1 = 0;
  t2 = 0;
  t3 = 0;
  s0 = 0;
  s1 = 0;
  /** The parent's span id; both 0 for a root span. */
  p0 = 0;
  p1 = 0;
  parentRemote = false;
  flags = 0;
  traceState: TraceState | undefined = undefined;
  name: string;
  /** The API's SpanKind (INTERNAL = 0). */
  kind = 0;
  anchor: ClockAnchor;
  startAt: SpanTime = 0;
  endAt: SpanTime = 0;
  startTimeGiven = false;
  readonly keys: string[] = [];
  readonly values: unknown[] = [];
  droppedAttributes = 0;
  events: SpanEvent[] | undefined = undefined;
  droppedEvents = 0;
  links: SpanLink[] | undefined = undefined;
  droppedLinks = 0;
  statusCode: SpanStatusCode = SpanStatusCode.UNSET;
  statusMessage: string | undefined = undefined;
  ended = false;
  private context: SpanContext | undefined = undefined;

  constructor(
    readonly owner: SpanOwner,
    name: string,
    anchor: ClockAnchor,
  ) {
    this.name = name;
    this.anchor = anchor;
  }

  /** Built on first request: most spans are never asked for theirs. */
  spanContext(): SpanContext {
    return (this.context ??= {
      traceId: traceIdHex(this),
      spanId: wordHex(this.s0) + wordHex(this.s1),
      traceFlags: this.flags,
      traceState: this.traceState,
    });
  }

  setAttribute(key: string, value: AttributeValue): this {
    if (this.isEnded()) return this;
    if (
      addAttribute(this, key, value, this.owner.limits.attributes) ===
      Added.LimitReached
    ) {
      this.droppedAttributes++;
      if (this.droppedAttributes === 1) diag.warn('Dropping extra attributes.');
    }
    return this;
  }

  setAttributes(attributes: SpanAttributes): this {
    for (const key in attributes)
      if (Object.prototype.hasOwnProperty.call(attributes, key))
        this.setAttribute(key, attributes[key] as AttributeValue);
    return this;
  }

  addEvent(
    name: string,
    attributesOrStartTime?: SpanAttributes | TimeInput,
    startTime?: TimeInput,
  ): this {
    if (this.isEnded()) return this;
    const limit = this.owner.limits.eventCount;
    if (limit === 0) {
      diag.warn('No events allowed.');
      this.droppedEvents++;
      return this;
    }
    const events = (this.events ??= []);
    if (events.length >= limit) {
      if (this.droppedEvents === 0) diag.debug('Dropping extra events.');
      events.shift();
      this.droppedEvents++;
    }
    let time = startTime;
    let attributes = attributesOrStartTime;
    if (isTimeInput(attributes)) {
      if (!isTimeInput(time)) time = attributes;
      attributes = undefined;
    }
    const cleaned = cleanSimpleAttributes(attributes as Attributes, {
      attributeCountLimit: this.owner.limits.attributesPerEvent,
      attributeValueLengthLimit: this.owner.limits.attributes.valueLength,
    });
    events.push({
      name,
      time: this.timeOf(time),
      attributes: cleaned.attributes,
      dropped: cleaned.droppedAttributesCount ?? 0,
    });
    return this;
  }

  addLink(link: Link): this {
    if (this.isEnded()) return this;
    const limit = this.owner.limits.linkCount;
    if (limit === 0) {
      this.droppedLinks++;
      return this;
    }
    const links = (this.links ??= []);
    if (links.length >= limit) {
      if (this.droppedLinks === 0) diag.debug('Dropping extra links.');
      links.shift();
      this.droppedLinks++;
    }
    links.push(cleanLink(link, this.owner.limits));
    return this;
  }

  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (this.isEnded()) return this;
    if (status.code === SpanStatusCode.UNSET) return this;
    if (this.statusCode === SpanStatusCode.OK) return this;
    this.statusCode = status.code;
    this.statusMessage = undefined;
    if (status.code === SpanStatusCode.ERROR) {
      if (typeof status.message === 'string')
        this.statusMessage = status.message;
      else if (status.message != null)
        diag.warn(
          `Dropping invalid status.message of type '${typeof status.message}', expected 'string'`,
        );
    }
    return this;
  }

  updateName(name: string): this {
    if (this.isEnded()) return this;
    this.name = name;
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this.ended) {
      diag.error(
        `${this.name} ${traceIdHex(this)}-${wordHex(this.s0)}${wordHex(this.s1)} - You can only call end() on a span once.`,
      );
      return;
    }
    this.endAt = this.timeOf(endTime);
    if (isBefore(this.anchor, this.endAt, this.startAt)) {
      diag.warn(
        'Inconsistent start and end time, startTime > endTime. Setting span duration to 0ms.',
      );
      this.endAt = this.startAt;
    }
    if (this.droppedEvents > 0)
      diag.warn(
        `Dropped ${this.droppedEvents} events because eventCountLimit reached`,
      );
    if (this.droppedLinks > 0)
      diag.warn(
        `Dropped ${this.droppedLinks} links because linkCountLimit reached`,
      );
    this.ended = true;
    this.owner.ended(this);
  }

  isRecording(): boolean {
    return !this.ended;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') {
      attributes[ATTR_EXCEPTION_MESSAGE] = exception;
    } else if (exception) {
      if (exception.code)
        attributes[ATTR_EXCEPTION_TYPE] = exception.code.toString();
      else if (exception.name) attributes[ATTR_EXCEPTION_TYPE] = exception.name;
      if (exception.message)
        attributes[ATTR_EXCEPTION_MESSAGE] = exception.message;
      if (exception.stack)
        attributes[ATTR_EXCEPTION_STACKTRACE] = exception.stack;
    }
    if (attributes[ATTR_EXCEPTION_TYPE] || attributes[ATTR_EXCEPTION_MESSAGE])
      this.addEvent('exception', attributes, time);
    else diag.warn(`Failed to record an exception ${String(exception)}`);
  }

  /**
   * A time given through the API, or now: the monotonic clock, except after a start time was
   * given — then the wall clock, as the SDK does (a given start and a monotonic end would not
   * share a clock).
   */
  private timeOf(input: TimeInput | undefined): SpanTime {
    const now = performance.now();
    const given =
      input === undefined ? undefined : toSpanTime(input, this.anchor, now);
    if (given !== undefined) return given;
    return this.startTimeGiven ? Date.now() - this.anchor.epochMs : now;
  }

  private isEnded(): boolean {
    if (this.ended) {
      const id = `{traceId: ${traceIdHex(this)}, spanId: ${wordHex(this.s0)}${wordHex(this.s1)}}`;
      diag.warn(
        `Cannot execute the operation on ended Span ${id}`,
        new Error(`Operation attempted on ended Span ${id}`),
      );
    }
    return this.ended;
  }
}

/** The SDK's isTimeInput: a number, a Date, or an HrTime pair. */
function isTimeInput(value: unknown): value is TimeInput {
  return (
    typeof value === 'number' ||
    value instanceof Date ||
    (Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'number' &&
      typeof value[1] === 'number')
  );
}

/** A link as the SDK keeps it: its context, its attributes cleaned against the link limits. */
export function cleanLink(link: Link, limits: SpanLimits): SpanLink {
  const cleaned = cleanAttributes(link.attributes, {
    attributeCountLimit: limits.attributesPerLink,
    attributeValueLengthLimit: limits.attributes.valueLength,
  });
  return {
    context: link.context,
    attributes: cleaned.attributes,
    dropped: cleaned.droppedAttributesCount ?? 0,
  };
}

/**
 * A span the sampler dropped: its ids, so children stay in the trace and propagation carries
 * it on, and nothing else. The API's own non-recording span, except that the ids stay words
 * until someone asks for the SpanContext.
 */
export class DroppedSpan implements Span, SpanIds {
  flags = 0;
  private context: SpanContext | undefined = undefined;

  constructor(
    public t0: number,
    public t1: number,
    public t2: number,
    public t3: number,
    public s0: number,
    public s1: number,
    public traceState: TraceState | undefined,
    public anchor: ClockAnchor,
  ) {}

  spanContext(): SpanContext {
    return (this.context ??= {
      traceId: traceIdHex(this),
      spanId: wordHex(this.s0) + wordHex(this.s1),
      traceFlags: this.flags,
      traceState: this.traceState,
    });
  }

  setAttribute(): this {
    return this;
  }
  setAttributes(): this {
    return this;
  }
  addEvent(): this {
    return this;
  }
  addLink(): this {
    return this;
  }
  addLinks(): this {
    return this;
  }
  setStatus(): this {
    return this;
  }
  updateName(): this {
    return this;
  }
  end(): void {
    // Nothing was recorded, so there is nothing to end.
  }
  isRecording(): boolean {
    return false;
  }
  recordException(): void {
    // Not recording.
  }
}
