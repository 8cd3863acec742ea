import { startOtlpHttpReceiver, type OtlpHttpReceiver, type ReceivedSpan } from '@otel-dice/test-support';
import { CompactTracer, SPAN_KIND_INTERNAL } from './compact-tracer.js';
import { createFloorApp, floorComponents, REQUEST, RESOURCE, SCOPES } from './floor-request.js';
import { HistogramCell } from './metric-cells.js';
import { runFloor } from './run-floor.js';

/**
 * The floor is only a floor if what it makes is correct: its batches go to a real OTLP/HTTP
 * receiver (decoded with the OTLP schema) and must decode to the spans dice-api exports.
 */
describe('the floor', () => {
  let receiver: OtlpHttpReceiver;
  const posts: Promise<Response>[] = [];
  const post = (request: Uint8Array) => {
    // The tracer reuses its buffer: send a copy.
    posts.push(
      fetch(receiver.url('traces'), {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-protobuf' },
        body: Buffer.from(request),
      }),
    );
  };

  beforeAll(async () => {
    receiver = await startOtlpHttpReceiver();
  });
  afterAll(async () => {
    await receiver.stop();
  });
  beforeEach(() => {
    receiver.clear();
    posts.length = 0;
  });

  async function received(): Promise<readonly ReceivedSpan[]> {
    const responses = await Promise.all(posts);
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 200));
    expect(receiver.rejections).toEqual([]);
    return receiver.spans;
  }

  it("exports each request's three spans, as dice-api does, in batches of 512", async () => {
    const before = BigInt(Math.floor(performance.timeOrigin + performance.now())) * 1_000_000n;
    const app = createFloorApp((request, spans) => {
      expect(spans).toBeGreaterThan(0);
      post(request);
    });
    for (let i = 0; i < 200; i++) app.request(i);
    expect(posts).toHaveLength(1); // 600 spans: one full batch of 512 so far
    app.flush();
    const after = BigInt(Math.ceil(performance.timeOrigin + performance.now())) * 1_000_000n;
    const spans = await received();
    expect(spans).toHaveLength(600);
    expect(receiver.exports.map((e) => e.spanCount)).toEqual([512, 88]);

    const servers = spans.filter((s) => s.kind === 2);
    expect(servers).toHaveLength(200);
    expect(new Set(spans.map((s) => s.spanId)).size).toBe(600);
    expect(new Set(servers.map((s) => s.traceId)).size).toBe(200);
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    for (const span of spans) {
      expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(span.traceId).not.toBe('0'.repeat(32));
      expect(span.flags).toBe(0x101);
      expect(span.status).toEqual({ code: 0, message: '' });
      expect(span.startTimeUnixNano).toBeGreaterThanOrEqual(before);
      expect(span.endTimeUnixNano).toBeGreaterThanOrEqual(span.startTimeUnixNano);
      expect(span.endTimeUnixNano).toBeLessThanOrEqual(after);
      expect(span.resource).toEqual(RESOURCE);
      if (span.kind === 2) {
        expect(span.parentSpanId).toBeUndefined();
        expect(span.scope).toEqual(SCOPES[0]);
        continue;
      }
      const parent = byId.get(span.parentSpanId as string) as ReceivedSpan;
      expect(parent.kind).toBe(2);
      expect(span.traceId).toBe(parent.traceId);
      expect(span.kind).toBe(SPAN_KIND_INTERNAL);
      expect(span.scope).toEqual(SCOPES[1]);
      expect(span.startTimeUnixNano).toBeGreaterThanOrEqual(parent.startTimeUnixNano);
      expect(span.endTimeUnixNano).toBeLessThanOrEqual(parent.endTimeUnixNano);
    }
    const first = servers.find((s) => s.attributes['network.peer.port'] === REQUEST.peerPorts[0]) as ReceivedSpan;
    expect(first.name).toBe('GET /rolldice');
    expect(first.attributes).toEqual({
      'http.request.method': 'GET',
      'url.scheme': 'http',
      'server.address': '127.0.0.1',
      'network.peer.address': '127.0.0.1',
      'network.peer.port': REQUEST.peerPorts[0],
      'server.port': REQUEST.serverPort,
      'url.path': '/rolldice',
      'user_agent.original': REQUEST.userAgent,
      'network.protocol.version': '1.1',
      'client.address': '127.0.0.1',
      'http.route': '/rolldice',
      'http.response.status_code': 200,
    });
    const rolls = spans.filter((s) => s.name === 'do_roll');
    expect(rolls).toHaveLength(200);
    expect(new Set(rolls.map((s) => s.attributes['roll.value']))).toEqual(new Set([1, 2, 3, 4, 5, 6]));
    expect(spans.filter((s) => s.name === 'do_important_job').every((s) => Object.keys(s.attributes).length === 0)).toBe(true);

    // and the three metric records of every request
    expect(app.requestCounter.value).toBe(200);
    const face1 = app.rolls.cell(1);
    expect(face1?.value).toBe(34); // i % 6 === 0 for 34 of 0..199
    const duration = app.durations.cell('GET', 'http', '1.1', '/rolldice', 200) as HistogramCell;
    expect(duration.count).toBe(200);
    expect(duration.sum).toBeGreaterThan(0);
    expect(app.durations.size).toBe(1);
  });

  it('at 10 % sampling makes spans only for sampled traces, and still records every request', async () => {
    const app = createFloorApp((request) => post(request), 0.1);
    for (let i = 0; i < 3000; i++) app.request(i);
    app.flush();
    const spans = await received();
    const traces = new Set(spans.map((s) => s.traceId));
    // 3000 traces at 10 %: 300 expected; outside 200–400 has probability < 1e-8.
    expect(traces.size).toBeGreaterThan(200);
    expect(traces.size).toBeLessThan(400);
    expect(spans).toHaveLength(traces.size * 3);
    expect(app.requestCounter.value).toBe(3000);
    expect(app.durations.cell('GET', 'http', '1.1', '/rolldice', 200)?.count).toBe(3000);
  });

  it('encodes every attribute type, long and non-ASCII strings, repeated keys and big batches exactly', async () => {
    const long = 'x'.repeat(20_000) + 'é';
    const tracer = new CompactTracer({ 'service.name': 'floor-test' }, [{ name: 's', version: '1' }], (request) => post(request));
    const span = tracer.startSpan('ünïcödé ✓ name', 1, 0, undefined);
    if (!span) throw new Error('always-on sampler said no');
    span.setAttribute('s', 'value');
    span.setAttribute('s', 'replaced');
    span.setAttribute('empty', '');
    span.setAttribute('long', long);
    span.setAttribute('mid', 'y'.repeat(100));
    span.setAttribute('emoji', '🎲'.repeat(30));
    span.setAttribute('negative', -42);
    span.setAttribute('big', 2 ** 53 - 1);
    span.setAttribute('double', 0.25);
    span.setAttribute('true', true);
    span.setAttribute('false', false);
    span.statusCode = 2;
    tracer.endSpan(span);
    tracer.flush();
    const [got] = await received();
    expect(got?.name).toBe('ünïcödé ✓ name');
    expect(got?.status.code).toBe(2);
    expect(got?.attributes).toEqual({
      s: 'replaced',
      empty: '',
      long,
      mid: 'y'.repeat(100),
      emoji: '🎲'.repeat(30),
      negative: -42,
      big: 2 ** 53 - 1,
      double: 0.25,
      true: true,
      false: false,
    });
  });

  it('has every part of the breakdown, and refuses unknown parts', () => {
    const sent: number[] = [];
    const parts = floorComponents((_, spans) => sent.push(spans));
    expect(Object.keys(parts).sort()).toEqual(['context', 'encode', 'ids', 'metrics', 'spans']);
    for (let i = 0; i < 200; i++) for (const part of Object.values(parts)) part(i);
    expect(sent).toEqual([512]); // encode: 600 spans, one batch framed
    expect(() => runFloor(['nope'], 1, 0)).toThrow('no floor part "nope"');
    const [measured] = runFloor(['request'], 50, 0);
    expect(measured?.iterations).toBeGreaterThan(0);
    expect(measured?.cpuUs).toBeGreaterThan(0);
  });
});
