import type { AddressInfo } from 'node:net';
import { createLimitServer } from './limit-server.js';

describe('limit server', () => {
  const server = createLimitServer();
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
  });

  it("answers /rolldice like dice-api's single roll with the fault off: a face 1..6 as text", async () => {
    const faces = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const response = await fetch(`${base}/rolldice`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(
        'text/plain; charset=utf-8',
      );
      expect(response.headers.get('cache-control')).toBe('no-store');
      faces.add(await response.text());
    }
    // 200 draws miss a face with probability < 6·(5/6)^200 ≈ 1e-15.
    expect([...faces].sort()).toEqual(['1', '2', '3', '4', '5', '6']);
  });

  it('ignores the query string, answers /healthz and 404s anything else', async () => {
    expect((await fetch(`${base}/rolldice?x=1`)).status).toBe(200);
    const health = await fetch(`${base}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok' });
    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: 'not_found',
      message: 'no such route',
    });
    expect((await fetch(`${base}/rolldice`, { method: 'POST' })).status).toBe(
      404,
    );
  });
});
