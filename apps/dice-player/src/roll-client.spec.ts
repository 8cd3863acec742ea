import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createRollClient,
  MAX_BODY_BYTES,
  RollRequestError,
} from './roll-client';

/** A real HTTP server on 127.0.0.1 whose answer each test chooses. */
async function startServer(
  handler: Parameters<typeof createServer>[1],
): Promise<{ server: Server; url: URL }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: new URL(`http://127.0.0.1:${port}/rolldice`) };
}

function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('createRollClient', () => {
  let server: Server | undefined;
  afterEach(async () => {
    if (server) await stop(server);
    server = undefined;
  });

  it('GETs the URL and returns status and body', async () => {
    const seen: {
      method?: string;
      url?: string;
      headers?: IncomingHttpHeaders;
    }[] = [];
    const started = await startServer((req, res) => {
      seen.push({ method: req.method, url: req.url, headers: req.headers });
      res
        .writeHead(500, { 'content-type': 'text/plain' })
        .end('something went wrong!');
    });
    server = started.server;
    const client = createRollClient(started.url, 2_000);
    try {
      await expect(client.roll()).resolves.toEqual({
        status: 500,
        body: 'something went wrong!',
      });
      await expect(client.roll()).resolves.toEqual({
        status: 500,
        body: 'something went wrong!',
      });
    } finally {
      client.close();
    }
    expect(seen.map((r) => [r.method, r.url, r.headers?.accept])).toEqual([
      ['GET', '/rolldice', 'text/plain'],
      ['GET', '/rolldice', 'text/plain'],
    ]);
  });

  it('keeps at most MAX_BODY_BYTES of a huge body', async () => {
    const started = await startServer((_req, res) =>
      res.end('9'.repeat(MAX_BODY_BYTES * 4)),
    );
    server = started.server;
    const client = createRollClient(started.url, 2_000);
    try {
      const { body } = await client.roll();
      expect(body.length).toBe(MAX_BODY_BYTES);
    } finally {
      client.close();
    }
  });

  it('rejects with timedOut=true when the answer takes longer than the timeout', async () => {
    const started = await startServer(() => undefined /* never answers */);
    server = started.server;
    const client = createRollClient(started.url, 100);
    try {
      const error = await client.roll().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RollRequestError);
      expect(error).toMatchObject({ timedOut: true });
      expect((error as Error).message).toMatch(/^timed out/);
    } finally {
      client.close();
    }
  });

  it('rejects with timedOut=false when nothing listens', async () => {
    const started = await startServer(() => undefined);
    await stop(started.server); // the port is now closed
    const client = createRollClient(started.url, 2_000);
    try {
      const error = await client.roll().catch((e: unknown) => e);
      expect(error).toMatchObject({
        name: 'RollRequestError',
        timedOut: false,
      });
      expect((error as Error).message).toMatch(/ECONNREFUSED/);
    } finally {
      client.close();
    }
  });
});
