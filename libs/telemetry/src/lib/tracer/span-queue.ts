/**
 * The batch processor's queue: ended spans as OTLP bytes, in end order, in chunked reusable
 * buffers; and the framing of the first `n` of them as one ExportTraceServiceRequest.
 *
 * A span is encoded once, when it ends, into the current chunk (64 KiB). A span that does not fit
 * moves, with what it has written so far, to the next chunk; a span larger than a chunk gets a
 * chunk of its own. Per span the queue keeps four numbers (chunk, offset, length, scope) in
 * typed arrays of the queue's capacity. Taking a batch copies its spans' bytes into one request
 * buffer — the transport needs bytes that outlive the queue, and a retry resends them — and
 * frees the chunks it emptied for reuse, so a process at a steady rate allocates one buffer per
 * batch and nothing per span.
 */
import { ProtobufWriter, varintSize } from './protobuf-writer.js';

const CHUNK_BYTES = 64 * 1024;
/** Empty chunks kept for reuse; more are left to the garbage collector. */
const SPARE_CHUNKS = 4;

/** One scope of the request: its ScopeSpans.scope bytes and schema_url bytes (both pre-encoded). */
export interface ScopeBytes {
  readonly scope: Buffer;
  readonly schemaUrl: Buffer;
}

export class SpanQueue extends ProtobufWriter {
  private readonly chunks: Buffer[] = [];
  /** The id of chunks[0]; chunk ids grow by one per chunk used. */
  private firstChunkId = 0;
  private readonly spare: Buffer[] = [];
  private readonly chunkOf: Int32Array;
  private readonly offsetOf: Int32Array;
  private readonly lengthOf: Int32Array;
  private readonly scopeOf: Int32Array;
  /** Ring positions: spans [head, head + length) are queued. */
  private head = 0;
  length = 0;
  private start = 0;

  constructor(readonly capacity: number) {
    super(1);
    this.buf = Buffer.allocUnsafeSlow(CHUNK_BYTES);
    this.chunks.push(this.buf);
    this.chunkOf = new Int32Array(capacity);
    this.offsetOf = new Int32Array(capacity);
    this.lengthOf = new Int32Array(capacity);
    this.scopeOf = new Int32Array(capacity);
  }

  /**
   * Appends a span, `write` encoding its body into this writer. The caller checks `length`
   * against `capacity` first (a full queue drops the span before it is encoded).
   */
  push(scope: number, write: (w: ProtobufWriter) => void): void {
    this.start = this.pos;
    write(this);
    const slot = (this.head + this.length) % this.capacity;
    this.chunkOf[slot] = this.firstChunkId + this.chunks.length - 1;
    this.offsetOf[slot] = this.start;
    this.lengthOf[slot] = this.pos - this.start;
    this.scopeOf[slot] = scope;
    this.length++;
  }

  /** The span being written continues in a new chunk, its bytes so far moved along. */
  protected override grow(bytes: number): void {
    const written = this.pos - this.start;
    const needed = written + bytes;
    let next: Buffer | undefined;
    if (needed <= CHUNK_BYTES) next = this.spare.pop();
    next ??= Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, needed * 2));
    this.buf.copy(next, 0, this.start, this.pos);
    this.buf = next;
    this.chunks.push(next);
    this.start = 0;
    this.pos = written;
  }

  protected override recordStart(): number {
    return this.start;
  }

  /**
   * The first `count` spans as one ExportTraceServiceRequest (`resource` and each scope's bytes
   * pre-encoded), removed from the queue. Scopes appear in the order their first span does, the
   * spans of a scope in end order (as upstream's serializer groups them).
   */
  take(
    count: number,
    resource: Buffer,
    resourceSchemaUrl: Buffer,
    scopes: readonly ScopeBytes[],
  ): Uint8Array {
    const n = Math.min(count, this.length);
    const order: number[] = [];
    const sizes = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const slot = (this.head + i) % this.capacity;
      const scope = this.scopeOf[slot] as number;
      const length = this.lengthOf[slot] as number;
      const size = sizes.get(scope);
      if (size === undefined) order.push(scope);
      sizes.set(scope, (size ?? 0) + 1 + varintSize(length) + length);
    }
    let resourceSpans = resource.length + resourceSchemaUrl.length;
    for (const scope of order) {
      const bytes = scopes[scope] as ScopeBytes;
      const body =
        bytes.scope.length +
        (sizes.get(scope) as number) +
        bytes.schemaUrl.length;
      sizes.set(scope, body);
      resourceSpans += 1 + varintSize(body) + body;
    }
    const out = Buffer.allocUnsafe(
      1 + varintSize(resourceSpans) + resourceSpans,
    );
    let pos = 0;
    const varint = (value: number) => {
      let v = value;
      while (v > 127) {
        out[pos++] = (v & 127) | 128;
        v >>>= 7;
      }
      out[pos++] = v;
    };
    out[pos++] = 0x0a; // ExportTraceServiceRequest.resource_spans
    varint(resourceSpans);
    pos += resource.copy(out, pos);
    for (const scope of order) {
      const bytes = scopes[scope] as ScopeBytes;
      out[pos++] = 0x12; // ResourceSpans.scope_spans
      varint(sizes.get(scope) as number);
      pos += bytes.scope.copy(out, pos);
      for (let i = 0; i < n; i++) {
        const slot = (this.head + i) % this.capacity;
        if (this.scopeOf[slot] !== scope) continue;
        const length = this.lengthOf[slot] as number;
        const offset = this.offsetOf[slot] as number;
        const chunk = this.chunks[
          (this.chunkOf[slot] as number) - this.firstChunkId
        ] as Buffer;
        out[pos++] = 0x12; // ScopeSpans.spans
        varint(length);
        pos += chunk.copy(out, pos, offset, offset + length);
      }
      pos += bytes.schemaUrl.copy(out, pos);
    }
    pos += resourceSchemaUrl.copy(out, pos);
    this.head = (this.head + n) % this.capacity;
    this.length -= n;
    this.release();
    return out;
  }

  /** Frees the chunks before the one holding the oldest queued span; an empty queue starts over. */
  private release(): void {
    const keepFrom =
      this.length === 0
        ? this.firstChunkId + this.chunks.length - 1
        : (this.chunkOf[this.head] as number);
    while (this.firstChunkId < keepFrom) {
      const chunk = this.chunks.shift() as Buffer;
      this.firstChunkId++;
      if (chunk.length === CHUNK_BYTES && this.spare.length < SPARE_CHUNKS)
        this.spare.push(chunk);
    }
    if (this.length === 0) {
      this.pos = 0;
      // A chunk made for one oversized span is not kept as the one to write into.
      if (this.buf.length !== CHUNK_BYTES) {
        this.buf = this.spare.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES);
        this.chunks[0] = this.buf;
      }
    }
  }
}
