import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import {
  startPrometheusServer,
  type PrometheusServer,
  type PrometheusServerLimits,
} from './prometheus-server.js';

const running: PrometheusServer[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(running.splice(0).map((s) => s.close()));
});

const page = (_req: IncomingMessage, res: ServerResponse) => {
  res.setHeader('content-type', 'text/plain');
  res.end('up 1\n');
};

async function start(
  limits: Partial<PrometheusServerLimits> = {},
  scrape = page,
): Promise<PrometheusServer & { port: number }> {
  const server = await startPrometheusServer(scrape, {
    host: '127.0.0.1',
    port: 0,
    limits,
  });
  running.push(server);
  return { ...server, port: Number(new URL(server.url).port) };
}

/** A raw connection; resolves `closedAfterMs` when the server closes it. */
function open(port: number, write = '') {
  const socket = connect({ host: '127.0.0.1', port });
  sockets.push(socket);
  const started = performance.now();
  let data = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (data += chunk));
  socket.on('error', () => undefined);
  socket.once('connect', () => socket.write(write));
  return {
    socket,
    received: () => data,
    closedAfterMs: new Promise<number>((resolve) =>
      socket.once('close', () => resolve(performance.now() - started)),
    ),
  };
}

describe('startPrometheusServer', () => {
  it('serves the page on GET and HEAD /metrics, with the query ignored', async () => {
    const { url } = await start();
    const get = await fetch(`${url}?x=1`);
    expect(get.status).toBe(200);
    expect(await get.text()).toBe('up 1\n');
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('answers other paths 404 and other methods 405, in JSON', async () => {
    const { url } = await start();
    const other = await fetch(url.replace('/metrics', '/metrics/x'));
    expect(other.status).toBe(404);
    expect(await other.json()).toEqual({
      error: 'not_found',
      message: 'no such route',
    });
    const post = await fetch(url, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('refuses connections beyond maxConnections as they arrive', async () => {
    const { port } = await start({ maxConnections: 2 });
    open(port);
    open(port);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const extra = open(port, 'GET /metrics HTTP/1.1\r\nHost: p\r\n\r\n');
    expect(await extra.closedAfterMs).toBeLessThan(2_000);
    expect(extra.received()).toBe('');
  });

  it('cuts a request head trickled in slower than headersTimeoutMs', async () => {
    const { port } = await start({
      headersTimeoutMs: 500,
      requestTimeoutMs: 500,
    });
    const slow = open(port, 'GET /metrics HTTP/1.1\r\nX-Slow: ');
    const drip = setInterval(() => slow.socket.write('a'), 100);
    try {
      // the timeout plus Node's once-a-second check, with room for a busy machine
      expect(await slow.closedAfterMs).toBeLessThan(3_000);
    } finally {
      clearInterval(drip);
    }
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes a connection that pipelines scrapes and never reads the answers', async () => {
    const big = (_req: IncomingMessage, res: ServerResponse) =>
      res.end('x'.repeat(256 * 1024));
    const { port } = await start({ sendTimeoutMs: 300 }, big);
    const reader = open(port);
    reader.socket.pause();
    reader.socket.write('GET /metrics HTTP/1.1\r\nHost: p\r\n\r\n'.repeat(30));
    // the client does not notice while it does not read; the server's side is what counts
    const { server } = running[0] as PrometheusServer;
    const connections = () =>
      new Promise<number>((resolve, reject) =>
        server.getConnections((error, count) =>
          error ? reject(error) : resolve(count),
        ),
      );
    const deadline = performance.now() + 5_000;
    while ((await connections()) > 0 && performance.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await connections()).toBe(0);
  });

  it('closes, idle keep-alive connections and all', async () => {
    const { url, port } = await start();
    const idle = open(port, 'GET /metrics HTTP/1.1\r\nHost: p\r\n\r\n');
    await fetch(url);
    const server = running.pop() as PrometheusServer;
    await server.close();
    expect(await idle.closedAfterMs).toBeGreaterThan(0);
  });

  it('rejects when the port is taken', async () => {
    const { port } = await start();
    await expect(
      startPrometheusServer(page, { host: '127.0.0.1', port }),
    ).rejects.toThrow(/EADDRINUSE/);
  });
});
