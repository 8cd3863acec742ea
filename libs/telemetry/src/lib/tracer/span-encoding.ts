/**
 * OTLP protobuf for the compact tracer's spans (opentelemetry.proto.trace.v1): a span's message
 * body when it ends, and the resource and scope messages once per tracer. Field by field what
 * upstream's serializer (otlp-transformer's trace-serializer) writes for the SDK's span — the
 * same fields, in the same order, present under the same conditions — so a collector cannot
 * tell which tracer made a span; the conformance spec decodes both and compares.
 */
import type { Attributes, SpanContext } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import { writeEpochNanos } from './clock.js';
import { hexWord } from './ids.js';
import { ProtobufWriter, varintSize } from './protobuf-writer.js';
import type { CompactSpan, SpanEvent, SpanLink } from './span.js';

const MIN_INT64 = -(2 ** 63);
const MAX_INT64 = 2 ** 63;

/** Span.flags bits beyond the W3C trace flags: "is_remote is known" and "parent is remote". */
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

/** An AnyValue's body, by the value's type as upstream's writeAnyValue decides it. */
export function writeAnyValue(w: ProtobufWriter, value: unknown): void {
  switch (typeof value) {
    case 'string':
      w.byte(0x0a);
      w.string(value);
      return;
    case 'boolean':
      w.byte(0x10);
      w.byte(value ? 1 : 0);
      return;
    case 'number':
      if (Number.isInteger(value) && value >= MIN_INT64 && value < MAX_INT64) {
        w.byte(0x18);
        w.int64(value);
      } else {
        w.byte(0x21);
        w.double(value);
      }
      return;
    case 'object':
      break;
    default:
      // undefined (an array hole): an empty AnyValue, as upstream writes it.
      return;
  }
  if (value === null) return;
  if (value instanceof Uint8Array) {
    w.byte(0x3a);
    w.bytes(value);
    return;
  }
  if (Array.isArray(value)) {
    w.byte(0x2a);
    const array = w.begin();
    for (const item of value) {
      w.byte(0x0a);
      const element = w.begin();
      writeAnyValue(w, item);
      w.finish(element);
    }
    w.finish(array);
    return;
  }
  w.byte(0x32);
  const list = w.begin();
  const map = value as Record<string, unknown>;
  for (const key in map) {
    if (!Object.prototype.hasOwnProperty.call(map, key)) continue;
    w.byte(0x0a);
    const entry = w.begin();
    writeKeyValue(w, key, map[key]);
    w.finish(entry);
  }
  w.finish(list);
}

/** A KeyValue's body. */
function writeKeyValue(w: ProtobufWriter, key: string, value: unknown): void {
  w.byte(0x0a);
  w.string(key);
  w.byte(0x12);
  const body = w.begin();
  writeAnyValue(w, value);
  w.finish(body);
}

/** Repeated KeyValue under field tag `tag`, from an attributes object (events, links, resource). */
function writeAttributeObject(
  w: ProtobufWriter,
  tag: number,
  attributes: Attributes,
): void {
  for (const key in attributes) {
    if (!Object.prototype.hasOwnProperty.call(attributes, key)) continue;
    w.byte(tag);
    const entry = w.begin();
    writeKeyValue(w, key, attributes[key]);
    w.finish(entry);
  }
}

/** 16 or 8 id bytes from hex (a link's context), as upstream's hexToBinary reads them. */
function writeHexId(w: ProtobufWriter, hex: string): void {
  const words = hex.length >>> 3;
  w.byte(words * 4);
  w.ensure(words * 4);
  for (let i = 0; i < words; i++) {
    const word = hexWord(hex, i * 8);
    w.buf.writeUInt32BE(word < 0 ? 0 : word, w.pos);
    w.pos += 4;
  }
}

function writeWord(w: ProtobufWriter, word: number): void {
  w.wordBE(word);
}

/**
 * A span attribute (Span.attributes, tag 0x4a) whose key and value are short: an ASCII string,
 * a small non-negative integer or a boolean — the attributes of an HTTP server span. Every
 * length is known before writing, so nothing is patched; false (nothing written) for anything
 * else, which takes the general path. The bytes are the general path's.
 */
function writeShortAttribute(
  w: ProtobufWriter,
  key: string,
  value: unknown,
): boolean {
  const keyLength = key.length;
  if (keyLength > 48) return false;
  let valueLength: number;
  if (typeof value === 'string') {
    if (value.length > 64) return false;
    valueLength = 2 + value.length;
  } else if (typeof value === 'number') {
    if (!(value >= 0 && value < 0x10000000 && Number.isInteger(value)))
      return false;
    valueLength = 1 + varintSize(value);
  } else if (typeof value === 'boolean') {
    valueLength = 2;
  } else {
    return false;
  }
  // KeyValue: key (tag, length, bytes), value (tag, length, AnyValue); all lengths below 128.
  const entryLength = 2 + keyLength + 2 + valueLength;
  const start = w.pos;
  w.ensure(2 + entryLength);
  const buf = w.buf;
  buf[w.pos++] = 0x4a;
  buf[w.pos++] = entryLength;
  buf[w.pos++] = 0x0a;
  buf[w.pos++] = keyLength;
  if (!w.ascii(key)) {
    w.pos = start;
    return false;
  }
  buf[w.pos++] = 0x12;
  buf[w.pos++] = valueLength;
  if (typeof value === 'string') {
    buf[w.pos++] = 0x0a;
    buf[w.pos++] = value.length;
    if (!w.ascii(value)) {
      w.pos = start;
      return false;
    }
  } else if (typeof value === 'number') {
    buf[w.pos++] = 0x18;
    let v = value;
    while (v > 127) {
      buf[w.pos++] = (v & 127) | 128;
      v >>>= 7;
    }
    buf[w.pos++] = v;
  } else {
    buf[w.pos++] = 0x10;
    buf[w.pos++] = value ? 1 : 0;
  }
  return true;
}

function writeEvent(w: ProtobufWriter, span: CompactSpan, event: SpanEvent) {
  w.byte(0x5a);
  const body = w.begin();
  w.byte(0x09);
  writeEpochNanos(w, span.anchor, event.time);
  w.byte(0x12);
  w.string(event.name);
  if (event.attributes) writeAttributeObject(w, 0x1a, event.attributes);
  w.byte(0x20);
  w.varint(event.dropped);
  w.finish(body);
}

function writeLink(w: ProtobufWriter, link: SpanLink): void {
  const context: SpanContext = link.context;
  w.byte(0x6a);
  const body = w.begin();
  w.byte(0x0a);
  writeHexId(w, context.traceId);
  w.byte(0x12);
  writeHexId(w, context.spanId);
  const traceState = context.traceState?.serialize();
  if (traceState) {
    w.byte(0x1a);
    w.string(traceState);
  }
  if (link.attributes) writeAttributeObject(w, 0x22, link.attributes);
  w.byte(0x28);
  w.varint(link.dropped);
  w.byte(0x35);
  w.fixed32(
    (context.traceFlags & 0xff) |
      HAS_IS_REMOTE |
      (context.isRemote ? IS_REMOTE : 0),
  );
  w.finish(body);
}

/** The body of a Span message (what ScopeSpans.spans holds), fields 1–16. */
export function writeSpan(w: ProtobufWriter, span: CompactSpan): void {
  w.ensure(2 + 16 + 2 + 8);
  w.buf[w.pos++] = 0x0a; // trace_id
  w.buf[w.pos++] = 16;
  writeWord(w, span.t0);
  writeWord(w, span.t1);
  writeWord(w, span.t2);
  writeWord(w, span.t3);
  w.buf[w.pos++] = 0x12; // span_id
  w.buf[w.pos++] = 8;
  writeWord(w, span.s0);
  writeWord(w, span.s1);
  const traceState = span.traceState?.serialize();
  if (traceState) {
    w.byte(0x1a);
    w.string(traceState);
  }
  if ((span.p0 | span.p1) !== 0) {
    w.ensure(10);
    w.buf[w.pos++] = 0x22; // parent_span_id
    w.buf[w.pos++] = 8;
    writeWord(w, span.p0);
    writeWord(w, span.p1);
  }
  w.byte(0x2a);
  w.string(span.name);
  w.byte(0x30); // kind: OTLP's numbering is the API's plus one
  w.varint(span.kind + 1);
  w.byte(0x39);
  writeEpochNanos(w, span.anchor, span.startAt);
  w.byte(0x41);
  writeEpochNanos(w, span.anchor, span.endAt);
  const { keys, values } = span;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const value = values[i];
    if (writeShortAttribute(w, key, value)) continue;
    w.byte(0x4a);
    const entry = w.begin();
    writeKeyValue(w, key, value);
    w.finish(entry);
  }
  w.byte(0x50);
  w.varint(span.droppedAttributes);
  if (span.events !== undefined)
    for (const event of span.events) writeEvent(w, span, event);
  w.byte(0x60);
  w.varint(span.droppedEvents);
  if (span.links !== undefined)
    for (const link of span.links) writeLink(w, link);
  w.byte(0x70);
  w.varint(span.droppedLinks);
  w.byte(0x7a); // status
  const status = w.begin();
  if (span.statusMessage) {
    w.byte(0x12);
    w.string(span.statusMessage);
  }
  w.byte(0x18);
  w.varint(span.statusCode);
  w.finish(status);
  w.ensure(6);
  w.buf[w.pos++] = 0x85; // flags: field 16, fixed32
  w.buf[w.pos++] = 0x01;
  w.fixed32(
    (span.flags & 0xff) | HAS_IS_REMOTE | (span.parentRemote ? IS_REMOTE : 0),
  );
}

/** ResourceSpans.resource, tag included: the resource's attributes (settled) and a zero count. */
export function encodeResource(resource: Resource): Buffer {
  const w = new ProtobufWriter(1024);
  w.byte(0x0a);
  const body = w.begin();
  if (resource.attributes) writeAttributeObject(w, 0x0a, resource.attributes);
  w.byte(0x10);
  w.varint(0);
  w.finish(body);
  return Buffer.from(w.view());
}

/** ScopeSpans.scope, tag included: name, and version when it has one. */
export function encodeScope(name: string, version: string | undefined): Buffer {
  const w = new ProtobufWriter(256);
  w.byte(0x0a);
  const body = w.begin();
  w.byte(0x0a);
  w.string(name);
  if (version) {
    w.byte(0x12);
    w.string(version);
  }
  w.finish(body);
  return Buffer.from(w.view());
}

/** A schema_url field (tag 0x1a in ScopeSpans and ResourceSpans), or no bytes without one. */
export function encodeSchemaUrl(schemaUrl: string | undefined): Buffer {
  if (!schemaUrl) return Buffer.alloc(0);
  const w = new ProtobufWriter(256);
  w.byte(0x1a);
  w.string(schemaUrl);
  return Buffer.from(w.view());
}
