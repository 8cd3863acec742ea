import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { createPeerApp } from './peer-server.js';

describe('peer server (the getting-started setup’s app)', () => {
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const server = createServer(
    createPeerApp({ prometheus, shutdown: () => Promise.resolve() }),
  );
  let base = '';

  beforeAll(async () => {
    await new Promise<void>((resolve) =>
      server.listen(0, '127.0.0.1', resolve),
    );
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
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
