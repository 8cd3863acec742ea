import type { Server } from 'node:http';
import { close, createStatusServer, listen } from './status-server';

async function get(url: string, method = 'GET') {
  const response = await fetch(url, { method });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    body: await response.text(),
  };
}

describe('status server', () => {
  let server: Server;
  let base: string;
  const scrapes: string[] = [];

  beforeEach(async () => {
    scrapes.length = 0;
    server = createStatusServer((req, res) => {
      scrapes.push(req.url ?? '');
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end('rolls_total{outcome="3"} 1\n');
    });
    base = await listen(server, 0, '127.0.0.1');
  });
  afterEach(() => close(server));

  it('listens on the given interface and reports its URL', () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('serves /metrics with the telemetry handler, query string or not', async () => {
    await expect(get(`${base}/metrics`)).resolves.toEqual({
      status: 200,
      type: 'text/plain; version=0.0.4',
      body: 'rolls_total{outcome="3"} 1\n',
    });
    await get(`${base}/metrics?x=1`);
    expect(scrapes).toEqual(['/metrics', '/metrics?x=1']);
  });

  it('answers /healthz', async () => {
    await expect(get(`${base}/healthz`)).resolves.toEqual({
      status: 200,
      type: 'application/json; charset=utf-8',
      body: '{"status":"ok"}',
    });
  });

  it('answers 404 elsewhere and 405 for other methods', async () => {
    await expect(get(`${base}/rolldice`)).resolves.toMatchObject({
      status: 404,
    });
    await expect(get(`${base}/healthz`, 'POST')).resolves.toMatchObject({
      status: 405,
    });
    expect(scrapes).toEqual([]);
  });

  it('rejects when the port is taken', async () => {
    const port = Number(new URL(base).port);
    const second = createStatusServer(() => undefined);
    await expect(listen(second, port, '127.0.0.1')).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
  });
});
