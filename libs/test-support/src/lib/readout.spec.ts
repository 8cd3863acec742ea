/**
 * The receiver container's moving parts, wired on 127.0.0.1 exactly as src/receiver-main.ts wires
 * them: a real OTLP exporter -> TCP relay -> OTLP receiver, and the HTTP read-out of what arrived.
 */
import { connect } from 'node:net';
import { SpanKind } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { httpGet } from './http.js';
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver.js';
import { fetchReadout } from './readout-client.js';
import { startReadoutServer, type ReadoutServer } from './readout-server.js';
import { startTcpRelay, type TcpRelay } from './tcp-relay.js';
import { waitUntil } from './wait.js';

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('receiver behind a TCP relay, with its HTTP read-out', () => {
  let receiver: OtlpReceiver;
  let relay: TcpRelay;
  let readout: ReadoutServer;
  let provider: TracerProvider | undefined;

  beforeEach(async () => {
    receiver = await startOtlpReceiver();
    relay = await startTcpRelay({
      listenHost: '127.0.0.1',
      listenPort: 0,
      targetPort: receiver.port,
    });
    readout = await startReadoutServer({
      receiver,
      host: '127.0.0.1',
      port: 0,
    });
  });

  afterEach(async () => {
    await provider?.shutdown().catch(() => undefined);
    provider = undefined;
    await Promise.all([relay.close(), readout.close(), receiver.stop()]);
  });

  const readoutUrl = (): string => `http://127.0.0.1:${readout.port}`;

  it('delivers spans sent to the relay and serves them, times exact, from GET /spans', async () => {
    provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'relay-spec' }),
      spanProcessors: [
        new SimpleSpanProcessor({
          exporter: new OTLPTraceExporter({
            url: `http://127.0.0.1:${relay.port}`,
          }),
        }),
      ],
    });
    const span = provider
      .getTracer('relay-spec')
      .startSpan('GET /rolldice', { kind: SpanKind.SERVER });
    span.setAttribute('roll.value', 3);
    span.end();
    await provider.forceFlush();

    const read = await waitUntil(
      async () => {
        const r = await fetchReadout(readoutUrl());
        return r.spans.length > 0 ? r : undefined;
      },
      { timeoutMs: 10_000, what: 'the span in the read-out' },
    );
    expect(read.exportCalls).toBe(1);
    expect(read.exports[0]?.userAgent).toMatch(
      /^OTel-OTLP-Exporter-JavaScript/,
    );
    // The read-out says exactly what the receiver recorded.
    expect(read.spans).toEqual(receiver.spans);
    expect(read.spans[0]).toMatchObject({
      name: 'GET /rolldice',
      kind: 2,
      attributes: { 'roll.value': 3 },
      resource: { 'service.name': 'relay-spec' },
      spanId: span.spanContext().spanId,
    });
  });

  it('answers /healthz, 404 for other paths and 405 for other methods, all as JSON', async () => {
    const health = await httpGet(`${readoutUrl()}/healthz`);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: 'ok' });

    const missing = await httpGet(`${readoutUrl()}/traces`);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ error: 'not_found' });

    const post = await fetch(`${readoutUrl()}/spans`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(await post.json()).toMatchObject({ error: 'method_not_allowed' });

    await expect(fetchReadout(`${readoutUrl()}/nope`)).rejects.toThrow(
      /answered 404/,
    );
  });

  it('closes a connection through the relay when the receiver behind it goes away, and releases its port on close', async () => {
    expect(await canConnect(relay.port)).toBe(true);
    await receiver.stop();
    // Accepted by the relay, then cut because nothing answers behind it.
    const cut = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: relay.port });
      socket.once('close', () => resolve(true));
      socket.once('error', () => undefined);
      setTimeout(() => resolve(false), 5_000).unref();
    });
    expect(cut).toBe(true);

    const port = relay.port;
    await relay.close();
    expect(await canConnect(port)).toBe(false);
  });
});
