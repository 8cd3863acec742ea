import { resourceFromAttributes } from '@opentelemetry/resources';
import { decodeProtobufRequest } from '@otel-dice/test-support';
import type { ProtobufWriter } from './protobuf-writer.js';
import {
  encodeResource,
  encodeSchemaUrl,
  encodeScope,
} from './span-encoding.js';
import { SpanQueue } from './span-queue.js';

interface Decoded {
  resourceSpans: {
    resource: { attributes: { key: string }[] };
    schemaUrl: string;
    scopeSpans: {
      scope: { name: string; version: string };
      schemaUrl: string;
      spans: { name: string; traceId: Buffer }[];
    }[];
  }[];
}

/** A minimal Span body: its name, and a 16-byte trace id that carries a filler of `pad` bytes. */
function span(name: string, pad = 0) {
  return (w: ProtobufWriter) => {
    w.byte(0x0a);
    w.bytes(new Uint8Array(16).fill(1));
    w.byte(0x2a);
    w.string(name);
    if (pad > 0) {
      w.byte(0x4a); // an attribute whose value is `pad` bytes long
      const kv = w.begin();
      w.byte(0x0a);
      w.string('pad');
      w.byte(0x12);
      const value = w.begin();
      w.byte(0x0a);
      w.string('p'.repeat(pad));
      w.finish(value);
      w.finish(kv);
    }
  };
}

const resource = encodeResource(
  resourceFromAttributes({ 'service.name': 'q' }),
);
const noSchema = encodeSchemaUrl(undefined);
const SCOPES = [
  { scope: encodeScope('a', '1.0'), schemaUrl: noSchema },
  {
    scope: encodeScope('b', undefined),
    schemaUrl: encodeSchemaUrl('https://schema/b'),
  },
];

function take(queue: SpanQueue, count: number): Decoded {
  return decodeProtobufRequest(
    'traces',
    Buffer.from(
      queue.take(count, resource, encodeSchemaUrl('https://schema/r'), SCOPES),
    ),
  ) as Decoded;
}

describe('SpanQueue', () => {
  it('frames the first spans as one request: scopes in order of first appearance, spans in end order', () => {
    const queue = new SpanQueue(16);
    queue.push(1, span('b1'));
    queue.push(0, span('a1'));
    queue.push(1, span('b2'));
    queue.push(0, span('a2'));
    queue.push(0, span('a3'));
    const request = take(queue, 4);
    expect(request.resourceSpans).toHaveLength(1);
    const [rs] = request.resourceSpans;
    expect(rs?.resource.attributes.map((a) => a.key)).toEqual(['service.name']);
    expect(rs?.schemaUrl).toBe('https://schema/r');
    expect(
      rs?.scopeSpans.map((s) => [
        s.scope.name,
        s.scope.version,
        s.schemaUrl,
        s.spans.map((x) => x.name),
      ]),
    ).toEqual([
      ['b', '', 'https://schema/b', ['b1', 'b2']],
      ['a', '1.0', '', ['a1', 'a2']],
    ]);
    expect(queue.length).toBe(1);
    expect(
      take(queue, 512).resourceSpans[0]?.scopeSpans[0]?.spans.map(
        (s) => s.name,
      ),
    ).toEqual(['a3']);
    expect(queue.length).toBe(0);
  });

  it('wraps around its ring, and moves a span that outgrows its chunk to the next one', () => {
    const queue = new SpanQueue(8);
    let next = 0;
    for (let round = 0; round < 40; round++) {
      // ~9 KiB each: a 64 KiB chunk fills every few spans, mid-span.
      for (let i = 0; i < 5; i++)
        queue.push(i % 2, span(`s${next++}`, 9000 + round));
      const names = take(queue, 5).resourceSpans[0]?.scopeSpans.flatMap((s) =>
        s.spans.map((x) => x.name),
      );
      expect(names?.sort()).toEqual(
        Array.from({ length: 5 }, (_, i) => `s${next - 5 + i}`).sort(),
      );
    }
  });

  it('keeps a span larger than a chunk whole', () => {
    const queue = new SpanQueue(4);
    queue.push(0, span('small'));
    queue.push(0, span('huge', 200_000));
    queue.push(0, span('after'));
    const spans = take(queue, 3).resourceSpans[0]?.scopeSpans[0]?.spans;
    expect(spans?.map((s) => s.name)).toEqual(['small', 'huge', 'after']);
    queue.push(0, span('again'));
    expect(take(queue, 1).resourceSpans[0]?.scopeSpans[0]?.spans[0]?.name).toBe(
      'again',
    );
  });
});
