import type { Server } from 'node:http';
import { connect, type Socket } from 'node:net';
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

// The timeouts are proven on the built player (e2e): Node's periodic connection check does not
// run inside jest's environment.
describe('status server against slow clients (raw sockets)', () => {
  const limits = {
    headersTimeoutMs: 500,
    requestTimeoutMs: 1000,
    keepAliveTimeoutMs: 500,
    maxConnections: 2,
    sendTimeoutMs: 500,
    maxPipelinedRequests: 2,
  };
  let server: Server;
  let port: number;
  const open: Socket[] = [];

  beforeEach(async () => {
    server = createStatusServer((_req, res) => res.end('ok\n'), limits);
    port = Number(new URL(await listen(server, 0, '127.0.0.1')).port);
  });
  afterEach(async () => {
    for (const socket of open.splice(0)) socket.destroy();
    server.closeAllConnections();
    await close(server);
  });

  /** Resolves with ms until the server closed the connection; writes `head` once connected. */
  function connectAndWait(
    head: string,
    received: string[] = [],
  ): Promise<number> {
    const socket = connect({ host: '127.0.0.1', port });
    open.push(socket);
    socket.on('error', () => undefined);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => received.push(chunk));
    const started = Date.now();
    socket.once('connect', () => socket.write(head));
    return new Promise((resolve) =>
      socket.once('close', () => resolve(Date.now() - started)),
    );
  }

  const scrape = 'GET /metrics HTTP/1.1\r\nHost: p\r\n\r\n';

  it('answers pipelined requests within PLAYER_MAX_PIPELINED_REQUESTS in order', async () => {
    const received: string[] = [];
    void connectAndWait(scrape.repeat(3), received);
    const deadline = Date.now() + 5_000;
    while ((received.join('').match(/ok\n/g) ?? []).length < 3) {
      if (Date.now() > deadline) throw new Error(`got ${received.join('')}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  });

  it('closes a connection that pipelines more than PLAYER_MAX_PIPELINED_REQUESTS', async () => {
    const received: string[] = [];
    expect(await connectAndWait(scrape.repeat(6), received)).toBeLessThan(
      1_000,
    );
    // the first answer was written before the rest were dropped with the connection
    expect((received.join('').match(/ok\n/g) ?? []).length).toBeLessThan(6);
  });

  it('closes connections beyond the cap at once', async () => {
    void connectAndWait('');
    void connectAndWait('');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await connectAndWait('GET /healthz HTTP/1.1\r\n\r\n')).toBeLessThan(
      1_000,
    );
  });
});
