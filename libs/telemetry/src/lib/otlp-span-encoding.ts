/**
 * OTLP/protobuf encoding of spans, split in two: each span is encoded on its own when it ends
 * (`SpanEncoder.encode`), and a batch of encoded spans becomes an ExportTraceServiceRequest when
 * it is exported (`encodeExportRequest`). The bytes are the same as those of
 * `@opentelemetry/otlp-transformer`'s ProtobufTraceSerializer for the same spans — same fields,
 * same order, same grouping by resource and scope — which the unit test checks byte for byte.
 *
 * Why split it: a span waiting in the batch queue is a graph of objects (attributes, arrays of
 * events and links, time tuples, its context) that lives up to a batch delay — long enough to
 * survive young-generation collections, be copied and promoted. Encoded, it is a couple of
 * hundred bytes in a shared off-heap chunk behind one small object, and the span itself dies
 * young. And the upstream serializer runs over each batch twice (a size estimate, then the
 * writing), at once, on the event loop: here every span is written once, when it ends, and a
 * batch is assembled from the bytes with a copy.
 */
import type {
  Attributes,
  AttributeValue,
  SpanContext,
} from '@opentelemetry/api';
import { TraceFlags } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';
import {
  FIXED32,
  FIXED64,
  LEN,
  ProtobufWriter,
  VARINT,
  varintSize,
  WriterFull,
} from './protobuf-writer.js';

/** The context an encoded span answers `spanContext()` with: only that it was sampled. */
const SAMPLED_CONTEXT: SpanContext = Object.freeze({
  traceId: '',
  spanId: '',
  traceFlags: TraceFlags.SAMPLED,
});

/**
 * A span as the bytes of its OTLP `Span` message, with the resource and scope it is grouped by.
 * `spanContext()` is there for the batch processor, which checks the sampled flag of what it
 * queues (encoding-span-processor.ts); only sampled spans are encoded.
 */
export class EncodedSpan {
  constructor(
    readonly bytes: Uint8Array,
    readonly resource: Resource,
    readonly instrumentationScope: InstrumentationScope,
  ) {}

  spanContext(): SpanContext {
    return SAMPLED_CONTEXT;
  }
}

/** A chunk is this large unless one span needs more. */
export const CHUNK_BYTES = 64 * 1024;
/**
 * A span is started in a fresh chunk when less than this is left: most spans are a few hundred
 * bytes, so they practically never have to be started over.
 */
const SPAN_ROOM = 2048;

/**
 * Encodes spans into a chunk of memory shared by the spans encoded after each other; a full
 * chunk is left to the spans that use it (and collected with the last of them) and a new one
 * started.
 */
export class SpanEncoder {
  private readonly writer: ProtobufWriter;

  constructor(private readonly chunkBytes = CHUNK_BYTES) {
    this.writer = new ProtobufWriter(new Uint8Array(chunkBytes));
  }

  encode(span: ReadableSpan): EncodedSpan {
    const writer = this.writer;
    if (writer.free < SPAN_ROOM && writer.buf.length >= SPAN_ROOM)
      writer.reset(new Uint8Array(this.chunkBytes), 0);
    for (;;) {
      const start = writer.pos;
      try {
        writeSpan(writer, span);
        return new EncodedSpan(
          writer.buf.subarray(start, writer.pos),
          span.resource,
          span.instrumentationScope,
        );
      } catch (error) {
        if (!(error instanceof WriterFull)) throw error;
        // Start over in a fresh chunk; one twice as large as the last try if even that was
        // not enough (a span with many 4 KiB attributes).
        const previous = writer.buf.length;
        const size =
          start === 0 ? previous * 2 : Math.max(this.chunkBytes, previous);
        writer.reset(new Uint8Array(size), 0);
      }
    }
  }
}

const SPAN_FLAGS_HAS_IS_REMOTE = 0x100;
const SPAN_FLAGS_IS_REMOTE = 0x200;

/** The OTLP span flags: the W3C trace flags, and whether the parent is remote. */
export function spanFlags(
  traceFlags: number,
  isRemote: boolean | undefined,
): number {
  return (
    (traceFlags & 0xff) |
    SPAN_FLAGS_HAS_IS_REMOTE |
    (isRemote ? SPAN_FLAGS_IS_REMOTE : 0)
  );
}

/** Writes an HrTime [seconds, nanoseconds] as nanoseconds since the epoch, fixed64. */
export function writeHrTime(
  writer: ProtobufWriter,
  time: readonly [number, number],
): void {
  const seconds = time[0];
  const nanos = time[1];
  // seconds * 1e9 + nanos does not fit a double exactly: split the seconds in 16-bit halves.
  const lowSeconds = seconds & 0xffff;
  const highSeconds = (seconds / 0x10000) >>> 0;
  const fromLow = lowSeconds * 1e9;
  const fromHigh = highSeconds * 1e9;
  const lowContribution = fromLow >>> 0;
  const lowContributionHigh = Math.floor(fromLow / 4294967296);
  const highContribution = ((fromHigh & 0xffff) * 0x10000) >>> 0;
  const highContributionHigh = (fromHigh / 0x10000) >>> 0;
  const low = lowContribution + highContribution + nanos;
  const carry = Math.floor(low / 4294967296);
  writer.fixed64(
    low >>> 0,
    (lowContributionHigh + highContributionHigh + carry) >>> 0,
  );
}

/** Span fields, in the upstream serializer's order (see the field numbers of trace.proto). */
export function writeSpan(writer: ProtobufWriter, span: ReadableSpan): void {
  const ctx = span.spanContext();
  writer.tag(1, LEN);
  writer.hexBytes(ctx.traceId);
  writer.tag(2, LEN);
  writer.hexBytes(ctx.spanId);
  const traceState = ctx.traceState?.serialize();
  if (traceState) {
    writer.tag(3, LEN);
    writer.string(traceState);
  }
  const parent = span.parentSpanContext;
  if (parent?.spanId) {
    writer.tag(4, LEN);
    writer.hexBytes(parent.spanId);
  }
  writer.tag(5, LEN);
  writer.string(span.name);
  const kind = span.kind == null ? 0 : span.kind + 1;
  if (kind !== 0) {
    writer.tag(6, VARINT);
    writer.varint(kind);
  }
  writer.tag(7, FIXED64);
  writeHrTime(writer, span.startTime);
  writer.tag(8, FIXED64);
  writeHrTime(writer, span.endTime);
  writeAttributes(writer, span.attributes, 9);
  writer.tag(10, VARINT);
  writer.varint(span.droppedAttributesCount);
  for (const event of span.events) {
    writer.tag(11, LEN);
    writeEvent(writer, event);
  }
  writer.tag(12, VARINT);
  writer.varint(span.droppedEventsCount);
  for (const link of span.links) {
    writer.tag(13, LEN);
    const at = writer.begin();
    writer.tag(1, LEN);
    writer.hexBytes(link.context.traceId);
    writer.tag(2, LEN);
    writer.hexBytes(link.context.spanId);
    const linkState = link.context.traceState?.serialize();
    if (linkState) {
      writer.tag(3, LEN);
      writer.string(linkState);
    }
    if (link.attributes) writeAttributes(writer, link.attributes, 4);
    writer.tag(5, VARINT);
    writer.varint(link.droppedAttributesCount || 0);
    writer.tag(6, FIXED32);
    writer.fixed32(spanFlags(link.context.traceFlags, link.context.isRemote));
    writer.end(at);
  }
  writer.tag(14, VARINT);
  writer.varint(span.droppedLinksCount);
  writer.tag(15, LEN);
  const status = writer.begin();
  if (span.status.message) {
    writer.tag(2, LEN);
    writer.string(span.status.message);
  }
  writer.tag(3, VARINT);
  writer.varint(span.status.code);
  writer.end(status);
  writer.tag(16, FIXED32);
  writer.fixed32(spanFlags(ctx.traceFlags, parent?.isRemote));
}

function writeEvent(writer: ProtobufWriter, event: TimedEvent): void {
  const at = writer.begin();
  writer.tag(1, FIXED64);
  writeHrTime(writer, event.time);
  writer.tag(2, LEN);
  writer.string(event.name);
  if (event.attributes) writeAttributes(writer, event.attributes, 3);
  writer.tag(4, VARINT);
  writer.varint(event.droppedAttributesCount || 0);
  writer.end(at);
}

/** `repeated KeyValue` under `field`. */
export function writeAttributes(
  writer: ProtobufWriter,
  attributes: Attributes,
  field: number,
): void {
  for (const key in attributes) {
    if (!Object.prototype.hasOwnProperty.call(attributes, key)) continue;
    writer.tag(field, LEN);
    const kv = writer.begin();
    writer.tag(1, LEN);
    writer.string(key);
    writer.tag(2, LEN);
    const value = writer.begin();
    writeAnyValue(writer, attributes[key]);
    writer.end(value);
    writer.end(kv);
  }
}

const MIN_INT64 = -(2 ** 63);
const MAX_INT64 = 2 ** 63;

/** An AnyValue's content (the oneof), as the upstream serializer writes it. */
export function writeAnyValue(writer: ProtobufWriter, value: unknown): void {
  switch (typeof value) {
    case 'string':
      writer.tag(1, LEN);
      writer.string(value);
      return;
    case 'boolean':
      writer.tag(2, VARINT);
      writer.varint(value ? 1 : 0);
      return;
    case 'number':
      if (Number.isInteger(value) && value >= MIN_INT64 && value < MAX_INT64) {
        writer.tag(3, VARINT);
        writer.varint(value);
      } else {
        writer.tag(4, FIXED64);
        writer.double(value);
      }
      return;
  }
  if (value instanceof Uint8Array) {
    writer.tag(7, LEN);
    writer.bytes(value);
  } else if (Array.isArray(value)) {
    writer.tag(5, LEN);
    const array = writer.begin();
    for (const item of value as AttributeValue[]) {
      writer.tag(1, LEN);
      const at = writer.begin();
      writeAnyValue(writer, item);
      writer.end(at);
    }
    writer.end(array);
  } else if (typeof value === 'object' && value !== null) {
    writer.tag(6, LEN);
    const list = writer.begin();
    const object = value as Record<string, unknown>;
    for (const key in object) {
      if (!Object.prototype.hasOwnProperty.call(object, key)) continue;
      writer.tag(1, LEN);
      const kv = writer.begin();
      writer.tag(1, LEN);
      writer.string(key);
      writer.tag(2, LEN);
      const at = writer.begin();
      writeAnyValue(writer, object[key]);
      writer.end(at);
      writer.end(kv);
    }
    writer.end(list);
  }
}

/** Encodes a message with `write` into a buffer that grows until it fits. */
function encodeMessage(
  write: (writer: ProtobufWriter) => void,
  sizeHint = 1024,
): Uint8Array {
  let size = sizeHint;
  for (;;) {
    const writer = new ProtobufWriter(new Uint8Array(size));
    try {
      write(writer);
      return writer.buf.subarray(0, writer.pos);
    } catch (error) {
      if (!(error instanceof WriterFull)) throw error;
      size *= 2;
    }
  }
}

/** The content of a `Resource` message. */
export function encodeResource(resource: Resource): Uint8Array {
  return encodeMessage((writer) => {
    if (resource.attributes) writeAttributes(writer, resource.attributes, 1);
    writer.tag(2, VARINT);
    writer.varint(0);
  });
}

/** The content of an `InstrumentationScope` message. */
export function encodeScope(scope: InstrumentationScope): Uint8Array {
  return encodeMessage((writer) => {
    writer.tag(1, LEN);
    writer.string(scope.name);
    if (scope.version) {
      writer.tag(2, LEN);
      writer.string(scope.version);
    }
    const { attributes, droppedAttributesCount } =
      scope as InstrumentationScope & {
        attributes?: Attributes;
        droppedAttributesCount?: number;
      };
    if (attributes) writeAttributes(writer, attributes, 3);
    if (droppedAttributesCount) {
      writer.tag(4, VARINT);
      writer.varint(droppedAttributesCount);
    }
  }, 256);
}

/** Spans of a batch grouped by resource, then scope, by identity and in order of appearance. */
export function groupSpans(
  spans: readonly EncodedSpan[],
): Map<Resource, Map<InstrumentationScope, EncodedSpan[]>> {
  const byResource = new Map<
    Resource,
    Map<InstrumentationScope, EncodedSpan[]>
  >();
  for (const span of spans) {
    let byScope = byResource.get(span.resource);
    if (byScope === undefined) {
      byScope = new Map();
      byResource.set(span.resource, byScope);
    }
    const list = byScope.get(span.instrumentationScope);
    if (list === undefined) byScope.set(span.instrumentationScope, [span]);
    else list.push(span);
  }
  return byResource;
}

/** Bytes of a length-delimited field with `length` bytes of content, tag included (field < 16). */
function fieldSize(length: number): number {
  return 1 + varintSize(length) + length;
}

/**
 * An ExportTraceServiceRequest for a batch of encoded spans: the resource and scope headers
 * written once per group, the spans' bytes copied in. Sizes are known up front, so the request
 * is written into an exactly sized buffer.
 */
export function encodeExportRequest(
  spans: readonly EncodedSpan[],
  encodedResource: (resource: Resource) => Uint8Array = encodeResource,
  encodedScope: (scope: InstrumentationScope) => Uint8Array = encodeScope,
): Uint8Array {
  interface ScopePlan {
    scope: Uint8Array;
    schemaUrl: string | undefined;
    spans: EncodedSpan[];
    length: number;
  }
  interface ResourcePlan {
    resource: Uint8Array;
    schemaUrl: string | undefined;
    scopes: ScopePlan[];
    length: number;
  }
  const plans: ResourcePlan[] = [];
  let total = 0;
  for (const [resource, byScope] of groupSpans(spans)) {
    const resourceBytes = encodedResource(resource);
    const resourceSchema = resource.schemaUrl || undefined;
    const scopes: ScopePlan[] = [];
    let resourceLength = fieldSize(resourceBytes.length);
    for (const [scope, scoped] of byScope) {
      const scopeBytes = encodedScope(scope);
      let length = fieldSize(scopeBytes.length);
      for (const span of scoped) length += fieldSize(span.bytes.length);
      const schemaUrl = scope.schemaUrl || undefined;
      if (schemaUrl) length += fieldSize(utf8Length(schemaUrl));
      scopes.push({ scope: scopeBytes, schemaUrl, spans: scoped, length });
      resourceLength += fieldSize(length);
    }
    if (resourceSchema) resourceLength += fieldSize(utf8Length(resourceSchema));
    plans.push({
      resource: resourceBytes,
      schemaUrl: resourceSchema,
      scopes,
      length: resourceLength,
    });
    total += fieldSize(resourceLength);
  }

  const writer = new ProtobufWriter(new Uint8Array(total));
  for (const plan of plans) {
    writer.tag(1, LEN);
    writer.varint(plan.length);
    writer.tag(1, LEN);
    writer.bytes(plan.resource);
    for (const scope of plan.scopes) {
      writer.tag(2, LEN);
      writer.varint(scope.length);
      writer.tag(1, LEN);
      writer.bytes(scope.scope);
      for (const span of scope.spans) {
        writer.tag(2, LEN);
        writer.bytes(span.bytes);
      }
      if (scope.schemaUrl) {
        writer.tag(3, LEN);
        writer.string(scope.schemaUrl);
      }
    }
    if (plan.schemaUrl) {
      writer.tag(3, LEN);
      writer.string(plan.schemaUrl);
    }
  }
  return writer.buf;
}

function utf8Length(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}
