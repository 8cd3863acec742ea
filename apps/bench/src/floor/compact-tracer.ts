/**
 * The floor's tracer: the least a correct recording tracer has to do for a span, and nothing
 * else. Ids come from a pooled random buffer as 32-bit words (no per-span allocation), times
 * are numbers from the monotonic clock, attributes go into two parallel arrays (a repeated key
 * overwrites, the count limit drops and counts), and a span is encoded to OTLP protobuf once,
 * when it ends, into its scope's reused buffer. A batch (512 spans, the batch processor's
 * default) is framed as an ExportTraceServiceRequest — the resource encoded once at start —
 * into another reused buffer and handed to `send`.
 *
 * Left out, because the floor measures the per-request work and they are not part of it: the
 * transport (gRPC/HTTP, compression, retries), events and links (the benchmark's spans have
 * none), trace state, and span self-metrics.
 */
import { randomFillSync } from 'node:crypto';
import { ProtobufWriter, varintLength } from './protobuf-writer.js';

export type AttributeValue = string | number | boolean;

/** OTLP span kinds (opentelemetry.proto.trace.v1.Span.SpanKind). */
export const SPAN_KIND_INTERNAL = 1;
export const SPAN_KIND_SERVER = 2;

/** W3C sampled flag, plus OTLP's "has is_remote" bit (the parent is local or absent). */
const FLAGS_SAMPLED_LOCAL = 0x1 | 0x100;
const TWO_32 = 2 ** 32;
export const DEFAULT_BATCH_SPANS = 512;
const ATTRIBUTE_COUNT_LIMIT = 128;

/** Random 32-bit words from a buffer refilled by the CSPRNG 4 KiB at a time. */
export class IdPool {
  private readonly pool = Buffer.allocUnsafe(4096);
  private offset = this.pool.length;

  word(): number {
    if (this.offset === this.pool.length) {
      randomFillSync(this.pool);
      this.offset = 0;
    }
    const value = this.pool.readUInt32LE(this.offset);
    this.offset += 4;
    return value;
  }
}

export class CompactSpan {
  // trace id as four words, span and parent ids as two; the parent is all zero for a root
  t0 = 0;
  t1 = 0;
  t2 = 0;
  t3 = 0;
  s0 = 0;
  s1 = 0;
  p0 = 0;
  p1 = 0;
  name = '';
  kind = SPAN_KIND_INTERNAL;
  scope = 0;
  /** ms since performance.timeOrigin */
  startMs = 0;
  endMs = 0;
  statusCode = 0;
  readonly keys: string[] = [];
  readonly values: AttributeValue[] = [];
  droppedAttributes = 0;
  ended = false;

  setAttribute(key: string, value: AttributeValue): void {
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === key) {
        this.values[i] = value;
        return;
      }
    }
    if (keys.length >= ATTRIBUTE_COUNT_LIMIT) {
      this.droppedAttributes++;
      return;
    }
    keys.push(key);
    this.values.push(value);
  }
}

export interface ScopeInfo {
  name: string;
  version: string;
}

/**
 * Spans are made, ended and encoded through this. `send` gets each framed batch; the bytes are
 * valid until the next batch is framed (the buffer is reused).
 */
export class CompactTracer {
  private readonly ids = new IdPool();
  private readonly scopes: { header: Buffer; spans: ProtobufWriter; count: number }[];
  private readonly resource: Buffer;
  private readonly out = new ProtobufWriter(256 * 1024);
  private readonly keyBytes = new Map<string, Buffer>();
  private readonly originLo: number;
  private readonly originHi: number;
  private pending = 0;
  /** Spans encoded so far. */
  encoded = 0;

  constructor(
    resourceAttributes: Readonly<Record<string, AttributeValue>>,
    scopes: readonly ScopeInfo[],
    private readonly send: (request: Uint8Array, spans: number) => void,
    private readonly batchSpans = DEFAULT_BATCH_SPANS,
    /** 2^32 = always on; otherwise the trace-id-ratio threshold on the trace id's last word. */
    private readonly samplingThreshold = TWO_32,
  ) {
    const origin = BigInt(Math.round(performance.timeOrigin * 1e3)) * 1000n;
    this.originLo = Number(origin & 0xffffffffn);
    this.originHi = Number(origin >> 32n);
    const resource = new ProtobufWriter(1024);
    for (const [key, value] of Object.entries(resourceAttributes)) this.writeAttribute(resource, 0x0a, key, value);
    this.resource = Buffer.from(resource.buf.subarray(0, resource.pos));
    this.scopes = scopes.map((scope) => {
      const header = new ProtobufWriter(256);
      header.byte(0x0a); // ScopeSpans.scope
      const start = header.begin();
      header.byte(0x0a);
      header.string(scope.name);
      header.byte(0x12);
      header.string(scope.version);
      header.end(start);
      return { header: Buffer.from(header.buf.subarray(0, header.pos)), spans: new ProtobufWriter(), count: 0 };
    });
  }

  /**
   * A recording span, or undefined when the sampler says no (the caller then makes no span).
   * `parent` undefined: a root span with a new trace id.
   */
  startSpan(name: string, kind: number, scope: number, parent: CompactSpan | undefined): CompactSpan | undefined {
    const span = new CompactSpan();
    const ids = this.ids;
    if (parent === undefined) {
      do {
        span.t0 = ids.word();
        span.t1 = ids.word();
        span.t2 = ids.word();
        span.t3 = ids.word();
      } while ((span.t0 | span.t1 | span.t2 | span.t3) === 0);
      if (span.t3 >= this.samplingThreshold) return undefined;
    } else {
      span.t0 = parent.t0;
      span.t1 = parent.t1;
      span.t2 = parent.t2;
      span.t3 = parent.t3;
      span.p0 = parent.s0;
      span.p1 = parent.s1;
    }
    do {
      span.s0 = ids.word();
      span.s1 = ids.word();
    } while ((span.s0 | span.s1) === 0);
    span.name = name;
    span.kind = kind;
    span.scope = scope;
    span.startMs = performance.now();
    return span;
  }

  /** Ends the span (once) and encodes it; frames and sends a batch when it is full. */
  endSpan(span: CompactSpan): void {
    if (span.ended) return;
    span.ended = true;
    span.endMs = performance.now();
    const scope = this.scopes[span.scope];
    if (scope === undefined) throw new Error(`no scope ${span.scope}`);
    this.encodeSpan(scope.spans, span);
    scope.count++;
    this.encoded++;
    if (++this.pending >= this.batchSpans) this.flush();
  }

  /** Frames what is pending as one ExportTraceServiceRequest and hands it to `send`. */
  flush(): void {
    if (this.pending === 0) return;
    const out = this.out;
    out.reset();
    let resourceSpans = 1 + varintLength(this.resource.length) + this.resource.length;
    for (const scope of this.scopes) {
      if (scope.count === 0) continue;
      const length = scope.header.length + scope.spans.pos;
      resourceSpans += 1 + varintLength(length) + length;
    }
    out.byte(0x0a); // ExportTraceServiceRequest.resource_spans
    out.varint(resourceSpans);
    out.byte(0x0a); // ResourceSpans.resource
    out.varint(this.resource.length);
    out.bytes(this.resource);
    for (const scope of this.scopes) {
      if (scope.count === 0) continue;
      out.byte(0x12); // ResourceSpans.scope_spans
      out.varint(scope.header.length + scope.spans.pos);
      out.bytes(scope.header);
      out.ensure(scope.spans.pos);
      scope.spans.buf.copy(out.buf, out.pos, 0, scope.spans.pos);
      out.pos += scope.spans.pos;
      scope.spans.reset();
      scope.count = 0;
    }
    const spans = this.pending;
    this.pending = 0;
    this.send(out.buf.subarray(0, out.pos), spans);
  }

  private encodeSpan(w: ProtobufWriter, span: CompactSpan): void {
    w.byte(0x12); // ScopeSpans.spans
    const start = w.begin();
    w.ensure(2 + 16 + 2 + 8 + 2 + 8);
    const buf = w.buf;
    let pos = w.pos;
    buf[pos++] = 0x0a; // trace_id
    buf[pos++] = 16;
    buf.writeUInt32BE(span.t0, pos);
    buf.writeUInt32BE(span.t1, pos + 4);
    buf.writeUInt32BE(span.t2, pos + 8);
    buf.writeUInt32BE(span.t3, pos + 12);
    pos += 16;
    buf[pos++] = 0x12; // span_id
    buf[pos++] = 8;
    buf.writeUInt32BE(span.s0, pos);
    buf.writeUInt32BE(span.s1, pos + 4);
    pos += 8;
    if ((span.p0 | span.p1) !== 0) {
      buf[pos++] = 0x22; // parent_span_id
      buf[pos++] = 8;
      buf.writeUInt32BE(span.p0, pos);
      buf.writeUInt32BE(span.p1, pos + 4);
      pos += 8;
    }
    w.pos = pos;
    w.byte(0x2a); // name
    w.string(span.name);
    w.byte(0x30); // kind
    w.byte(span.kind);
    w.byte(0x39); // start_time_unix_nano
    this.writeTime(w, span.startMs);
    w.byte(0x41); // end_time_unix_nano
    this.writeTime(w, span.endMs);
    const { keys, values } = span;
    for (let i = 0; i < keys.length; i++) this.writeAttribute(w, 0x4a, keys[i] as string, values[i] as AttributeValue);
    if (span.droppedAttributes > 0) {
      w.byte(0x50);
      w.varint(span.droppedAttributes);
    }
    w.byte(0x7a); // status
    if (span.statusCode === 0) {
      w.byte(0);
    } else {
      w.byte(2);
      w.byte(0x18);
      w.byte(span.statusCode);
    }
    w.byte(0x85); // flags (field 16, fixed32)
    w.byte(0x01);
    w.fixed32(FLAGS_SAMPLED_LOCAL);
    w.end(start);
  }

  /** Unix-epoch nanoseconds as fixed64: the origin (exact) plus the monotonic offset. */
  private writeTime(w: ProtobufWriter, ms: number): void {
    const delta = Math.round(ms * 1e6);
    const dHi = Math.floor(delta / TWO_32);
    let lo = this.originLo + (delta - dHi * TWO_32);
    let hi = this.originHi + dHi;
    if (lo >= TWO_32) {
      lo -= TWO_32;
      hi++;
    }
    w.fixed64(lo, hi);
  }

  /** A KeyValue under `fieldTag`: the key's bytes cached per key string, the value written now. */
  private writeAttribute(w: ProtobufWriter, fieldTag: number, key: string, value: AttributeValue): void {
    let keyBytes = this.keyBytes.get(key);
    if (keyBytes === undefined) {
      const k = new ProtobufWriter(64);
      k.byte(0x0a);
      k.string(key);
      keyBytes = Buffer.from(k.buf.subarray(0, k.pos));
      this.keyBytes.set(key, keyBytes);
    }
    w.byte(fieldTag);
    const keyValue = w.begin();
    w.bytes(keyBytes);
    w.byte(0x12); // KeyValue.value
    const anyValue = w.begin();
    if (typeof value === 'string') {
      w.byte(0x0a);
      w.string(value);
    } else if (typeof value === 'boolean') {
      w.byte(0x10);
      w.byte(value ? 1 : 0);
    } else if (Number.isInteger(value)) {
      w.byte(0x18);
      w.int64(value);
    } else {
      w.byte(0x21);
      w.double(value);
    }
    w.end(anyValue);
    w.end(keyValue);
  }
}
