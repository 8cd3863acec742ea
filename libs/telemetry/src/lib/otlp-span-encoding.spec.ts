import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
} from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOnSampler,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace';
import {
  encodeExportRequest,
  EncodedSpan,
  SpanEncoder,
} from './otlp-span-encoding.js';
import { ProtobufWriter } from './protobuf-writer.js';

/** Spans made by the real SDK, with every field the encoder handles. */
function makeSpans(): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    sampler: new AlwaysOnSampler(),
    resource: resourceFromAttributes({
      'service.name': 'dice-api',
      'process.pid': 4242,
      'host.arch': 'amd64',
    }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const app = provider.getTracer('app', '1.2.3');
  const http = provider.getTracer('http-server');
  const remote = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    traceState: new TraceState('vendor=x,other=y'),
  });

  const server = http.startSpan(
    'GET /rolldice',
    {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': 'GET',
        'server.port': 8080,
        'network.peer.port': 65535,
        'url.query': `padding=${'x'.repeat(300)}`,
        'negative.int': -7,
        'big.int': 2 ** 40,
        'a.double': 0.125,
        'a.bool': false,
        'a.list': ['a', 'ü', ''],
        numbers: [1, 2.5, -3],
        'unicode.ключ': 'значение ✓ 😀',
      },
      links: [
        {
          context: {
            traceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
            spanId: 'bbbbbbbbbbbbbbbb',
            traceFlags: TraceFlags.NONE,
            isRemote: true,
          },
          attributes: { 'link.reason': 'untrusted caller' },
        },
      ],
    },
    remote,
  );
  const child = app.startSpan(
    'do_roll',
    { attributes: { 'roll.value': 6 } },
    trace.setSpan(ROOT_CONTEXT, server),
  );
  child.addEvent('rolled', { 'roll.attempt': 1 });
  child.recordException(new RangeError('seven'));
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'face out of range' });
  child.end();
  app.startSpan('empty').end();
  server.setAttribute('http.response.status_code', 500);
  server.setStatus({ code: SpanStatusCode.ERROR });
  server.end();
  return exporter.getFinishedSpans();
}

describe('OTLP span encoding', () => {
  const spans = makeSpans();

  it('gives the bytes of the upstream ProtobufTraceSerializer, span by span then as a request', () => {
    const encoder = new SpanEncoder();
    const encoded = spans.map((span) => encoder.encode(span));
    expect(Buffer.from(encodeExportRequest(encoded))).toEqual(
      Buffer.from(
        ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array,
      ),
    );
  });

  it('keeps the bytes right when spans overflow a chunk and a span outgrows one', () => {
    const encoder = new SpanEncoder(256);
    const many = [...spans, ...spans, ...spans];
    const encoded = many.map((span) => encoder.encode(span));
    expect(Buffer.from(encodeExportRequest(encoded))).toEqual(
      Buffer.from(ProtobufTraceSerializer.serializeRequest(many) as Uint8Array),
    );
    // Earlier spans still hold their own bytes after their chunk was left behind.
    expect(new Set(encoded.map((e) => e.bytes.buffer)).size).toBeGreaterThan(1);
  });

  it('answers spanContext() as sampled, which is all the batch processor asks', () => {
    const [encoded] = spans.map((span) => new SpanEncoder().encode(span));
    expect(encoded).toBeInstanceOf(EncodedSpan);
    expect(encoded.spanContext().traceFlags).toBe(TraceFlags.SAMPLED);
    expect(encoded.resource).toBe(spans[0].resource);
  });
});

describe('ProtobufWriter', () => {
  it('patches lengths past 127 bytes and writes non-ASCII strings as UTF-8', () => {
    const writer = new ProtobufWriter(new Uint8Array(1024));
    const at = writer.begin();
    writer.string('é'.repeat(100));
    writer.end(at);
    const bytes = writer.buf.subarray(0, writer.pos);
    // outer length 202 (= 2 + 200): varint 0xca 0x01; inner length 200: 0xc8 0x01
    expect([...bytes.subarray(0, 4)]).toEqual([0xca, 0x01, 0xc8, 0x01]);
    expect(Buffer.from(bytes.subarray(4)).toString('utf8')).toBe(
      'é'.repeat(100),
    );
  });

  it('writes negative varints as ten bytes of two’s complement', () => {
    const writer = new ProtobufWriter(new Uint8Array(16));
    writer.varint(-1);
    expect([...writer.buf.subarray(0, writer.pos)]).toEqual([
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
    ]);
  });
});
