import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { otelPeerTracing } from './otel-peer-tracing.js';
import { peerTracerMode } from './peer-mode.js';
import { createPeerApp, type PeerTracing } from './peer-server.js';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe('peer server (the peers’ app)', () => {
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const server = createServer(
    createPeerApp(otelPeerTracing({ prometheus, shutdown: () => Promise.resolve() })),
  );
  let base = '';

  beforeAll(async () => {
    base = await listen(server);
  });

  afterAll(async () => {
    await close(server);
    await prometheus.shutdown();
  });

  it("answers /rolldice like dice-api's single roll with the fault off", async () => {
    const faces = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const response = await fetch(`${base}/rolldice`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(
        'text/plain; charset=utf-8',
      );
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('x-powered-by')).toBeNull();
      expect(response.headers.get('etag')).toBeNull();
      faces.add(await response.text());
    }
    // 200 draws miss a face with probability < 6·(5/6)^200 ≈ 1e-15.
    expect([...faces].sort()).toEqual(['1', '2', '3', '4', '5', '6']);
  });

  it('serves /healthz, the Prometheus page, and a JSON 404 for anything else', async () => {
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({
      status: 'ok',
    });
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    const missing = await fetch(`${base}/ROLLDICE`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: 'not_found',
      message: 'no such route',
    });
  });
});

describe('createPeerApp with a tracer', () => {
  it('makes do_roll (with roll.value) and do_important_job per roll, counts the request and the face, and has no /metrics without a page', async () => {
    const calls: string[] = [];
    const tracing: PeerTracing<{ name: string }> = {
      inSpan: (name, work) => {
        calls.push(`start ${name}`);
        try {
          return work({ name });
        } finally {
          calls.push(`end ${name}`);
        }
      },
      setAttribute: (span, key, value) => calls.push(`${span.name} ${key}=${typeof value}`),
      countRequest: () => calls.push('request_counter'),
      countRoll: (face) => calls.push(`dice.rolls ${face >= 1 && face <= 6 ? 'face' : face}`),
    };
    const server = createServer(createPeerApp(tracing));
    const base = await listen(server);
    try {
      expect((await fetch(`${base}/rolldice`)).status).toBe(200);
      expect(calls).toEqual([
        'request_counter',
        'start do_roll',
        'do_roll roll.value=number',
        'dice.rolls face',
        'end do_roll',
        'start do_important_job',
        'end do_important_job',
      ]);
      expect((await fetch(`${base}/metrics`)).status).toBe(404);
    } finally {
      await close(server);
    }
  });
});

describe('peerTracerMode', () => {
  it('is on by default, off on request, and names PEER_TRACER for anything else', () => {
    expect(peerTracerMode({})).toBe('on');
    expect(peerTracerMode({ PEER_TRACER: 'off' })).toBe('off');
    expect(() => peerTracerMode({ PEER_TRACER: 'false' })).toThrow('PEER_TRACER must be "on" or "off", got "false"');
  });
});
