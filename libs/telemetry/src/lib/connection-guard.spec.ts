import { AsyncLocalStorage } from 'node:async_hooks';
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import {
  guardConnections,
  isStalled,
  writeProgress,
  sweepIntervalMs,
  type ConnectionGuardOptions,
} from './connection-guard.js';

describe('isStalled', () => {
  const progress = (pending: number, mark: number) => ({ pending, mark });

  it('is never stalled with nothing waiting to be written, and forgets an earlier stall', () => {
    const state = { sent: 0, stuckSince: 5 as number | undefined };
    expect(isStalled(progress(0, 100), state, 10_000, 1_000)).toBe(false);
    expect(state.stuckSince).toBeUndefined();
  });

  it('starts the clock when bytes wait, and restarts it whenever the mark moves', () => {
    const state = { sent: 0, stuckSince: undefined as number | undefined };
    expect(isStalled(progress(500, 1_000), state, 0, 1_000)).toBe(false);
    expect(isStalled(progress(500, 1_000), state, 999, 1_000)).toBe(false);
    expect(isStalled(progress(800, 1_200), state, 1_500, 1_000)).toBe(false);
    expect(isStalled(progress(800, 1_200), state, 2_499, 1_000)).toBe(false);
    expect(isStalled(progress(800, 1_200), state, 2_500, 1_000)).toBe(true);
  });

  it('counts more bytes queued with none written as no progress', () => {
    const state = { sent: 0, stuckSince: undefined as number | undefined };
    isStalled(progress(500, 1_000), state, 0, 1_000);
    expect(isStalled(progress(900, 1_000), state, 1_000, 1_000)).toBe(true);
  });
});

describe('writeProgress', () => {
  const socket = (fields: object) => fields as unknown as Socket;

  it('marks completed writes: bytes handed to the socket minus those not yet written', () => {
    expect(
      writeProgress(socket({ writableLength: 300, bytesWritten: 1_000 })),
    ).toEqual({ pending: 300, mark: 700 });
  });

  it('moves the mark as a large write drains from the libuv queue', () => {
    const before = writeProgress(
      socket({
        writableLength: 300,
        bytesWritten: 1_000,
        _handle: { writeQueueSize: 300 },
      }),
    );
    const after = writeProgress(
      socket({
        writableLength: 300,
        bytesWritten: 1_000,
        _handle: { writeQueueSize: 100 },
      }),
    );
    expect(after.mark - before.mark).toBe(200);
  });
});

describe('sweepIntervalMs', () => {
  it('looks four times per timeout, between 10 ms and once a second', () => {
    expect(sweepIntervalMs(10_000)).toBe(1_000);
    expect(sweepIntervalMs(2_000)).toBe(500);
    expect(sweepIntervalMs(8)).toBe(10);
  });
});

describe('guardConnections', () => {
  const servers: Server[] = [];
  const sockets: Socket[] = [];

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  async function serve(
    handler: RequestListener,
    options?: ConnectionGuardOptions,
  ): Promise<{ server: Server; port: number }> {
    const server = createServer(handler);
    guardConnections(server, options);
    servers.push(server);
    await new Promise<void>((resolve) =>
      server.listen(0, '127.0.0.1', resolve),
    );
    return { server, port: (server.address() as AddressInfo).port };
  }

  /** A raw connection that writes `count` pipelined GETs of `path`; reads unless `paused`. */
  function pipeline(
    port: number,
    paths: string[],
    { paused = false } = {},
  ): { socket: Socket; received: () => string; closed: Promise<void> } {
    const socket = connect({ host: '127.0.0.1', port });
    sockets.push(socket);
    let data = '';
    socket.setEncoding('latin1');
    socket.on('error', () => undefined);
    socket.on('data', (chunk: string) => (data += chunk));
    socket.once('connect', () => {
      if (paused) socket.pause();
      socket.write(
        paths.map((p) => `GET ${p} HTTP/1.1\r\nHost: t\r\n\r\n`).join(''),
      );
    });
    return {
      socket,
      received: () => data,
      closed: new Promise((resolve) => socket.once('close', () => resolve())),
    };
  }

  const bodies = (raw: string) =>
    [...raw.matchAll(/\r\n\r\n(\/[a-z0-9]+)/g)].map((m) => m[1]);

  it('hands pipelined requests to the app one at a time, in order, and answers them all', async () => {
    let running = 0;
    let most = 0;
    const { port } = await serve((req, res) => {
      running += 1;
      most = Math.max(most, running);
      setTimeout(() => {
        running -= 1;
        res.setHeader('content-length', String(req.url?.length ?? 0));
        res.end(req.url);
      }, 5);
    });
    const paths = ['/a', '/b', '/c', '/d', '/e'];
    const client = pipeline(port, paths);
    await waitFor(() => bodies(client.received()).length === paths.length);
    expect(bodies(client.received())).toEqual(paths);
    expect(most).toBe(1);
  });

  it('does not read the connection while requests wait, and reads it again afterwards', async () => {
    const pausedWhileWaiting: boolean[] = [];
    const { port } = await serve((req, res) => {
      setTimeout(() => {
        pausedWhileWaiting.push(req.socket.isPaused());
        res.end(req.url);
      }, 5);
    });
    const client = pipeline(port, ['/a', '/b', '/c']);
    await waitFor(() => pausedWhileWaiting.length === 3);
    // /a and /b had requests behind them; /c had none
    expect(pausedWhileWaiting).toEqual([true, true, false]);
    await waitFor(() => bodies(client.received()).length === 3);
    client.socket.write('GET /d HTTP/1.1\r\nHost: t\r\n\r\n');
    await waitFor(() => bodies(client.received()).length === 4);
  });

  it('runs a waiting request in the async context it arrived in, not in the previous one', async () => {
    const store = new AsyncLocalStorage<string>();
    const seen: (string | undefined)[] = [];
    const { port } = await serve((req, res) => {
      seen.push(store.getStore());
      store.enterWith(`set by ${req.url}`);
      setTimeout(() => res.end(req.url), 5);
    });
    const client = pipeline(port, ['/a', '/b', '/c']);
    await waitFor(() => bodies(client.received()).length === 3);
    expect(seen).toEqual([undefined, undefined, undefined]);
  });

  it('closes a connection that pipelines more than maxPipelinedRequests behind a busy one', async () => {
    const handled: string[] = [];
    const { port } = await serve(
      (req: IncomingMessage, res: ServerResponse) => {
        handled.push(req.url ?? '');
        setTimeout(() => res.end('ok'), 50);
      },
      { sendTimeoutMs: 10_000, maxPipelinedRequests: 3 },
    );
    const client = pipeline(port, ['/a', '/b', '/c', '/d', '/e', '/f']);
    await client.closed;
    // only the one being handled reached the app; the waiting ones were dropped with the socket
    expect(handled).toEqual(['/a']);
  });

  it('keeps a connection whose pipelined requests stay within the bound', async () => {
    const { port } = await serve((req, res) => res.end(req.url), {
      sendTimeoutMs: 10_000,
      maxPipelinedRequests: 3,
    });
    const client = pipeline(port, ['/a', '/b', '/c', '/d']);
    await waitFor(() => bodies(client.received()).length === 4);
    expect(client.socket.destroyed).toBe(false);
  });

  it('closes a connection that stops reading, once its writes stand still for sendTimeoutMs', async () => {
    const body = 'x'.repeat(256 * 1024);
    let handled = 0;
    let serverSocketClosedAt: number | undefined;
    const { server, port } = await serve(
      (_req, res) => {
        handled += 1;
        res.end(body);
      },
      { sendTimeoutMs: 300, maxPipelinedRequests: 1_000 },
    );
    const started = performance.now();
    server.once('connection', (socket: Socket) =>
      socket.once('close', () => {
        serverSocketClosedAt = performance.now() - started;
      }),
    );
    // far more than the kernel buffers take: the server's writes stop completing
    pipeline(port, Array(200).fill('/big'), { paused: true });
    await waitFor(() => serverSocketClosedAt !== undefined, 5_000);
    // every response had to wait its turn: only those the kernel took were rendered
    expect(handled).toBeLessThan(200);
    expect(serverSocketClosedAt).toBeGreaterThanOrEqual(300);
  });

  it('leaves a slow reader alone while it keeps taking bytes', async () => {
    const body = 'x'.repeat(1024 * 1024);
    const { port } = await serve((_req, res) => res.end(body), {
      sendTimeoutMs: 1_000,
      maxPipelinedRequests: 1_000,
    });
    const socket = connect({ host: '127.0.0.1', port });
    sockets.push(socket);
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    const responses = 6;
    socket.write('GET /big HTTP/1.1\r\nHost: t\r\n\r\n'.repeat(responses));
    // one read (at most 64 KiB) every 20 ms: far slower than the server writes, and it takes
    // seconds, but it never stands still for long. (Not much shorter a timeout: TCP reopens a
    // large receive window only once the reader has emptied a good part of it, so the server's
    // writes can stand still for a few hundred ms even though the client reads.)
    let read = 0;
    socket.on('data', (chunk: Buffer) => {
      read += chunk.length;
      socket.pause();
      setTimeout(() => socket.resume(), 20);
    });
    await waitFor(() => read >= responses * body.length, 20_000);
    expect(socket.destroyed).toBe(false);
  }, 30_000);

  it('leaves an upgraded connection (WebSocket, CONNECT) to its new owner', async () => {
    const { server, port } = await serve((_req, res) => res.end('ok'), {
      sendTimeoutMs: 100,
      maxPipelinedRequests: 32,
    });
    let upgraded: Socket | undefined;
    server.on('upgrade', (_req, socket: Socket) => {
      upgraded = socket;
      socket.on('error', () => undefined); // the client resets it at the end
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n',
      );
      // far more than the client, which stops reading, lets through
      for (let i = 0; i < 64; i += 1) socket.write(Buffer.alloc(256 * 1024));
    });
    const client = pipeline(port, ['/first']);
    await waitFor(() => client.received().includes('ok'));
    client.socket.pause();
    client.socket.write(
      'GET /ws HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n',
    );
    await waitFor(() => upgraded !== undefined);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(upgraded?.writableLength).toBeGreaterThan(0);
    expect(upgraded?.destroyed).toBe(false);
  });

  it('treats requests that expect 100-continue like any other, when the app answers them', async () => {
    let running = 0;
    let most = 0;
    const { server, port } = await serve(() => undefined);
    server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
      running += 1;
      most = Math.max(most, running);
      res.writeContinue();
      req.resume();
      setTimeout(() => {
        running -= 1;
        res.end(req.url);
      }, 5);
    });
    const socket = connect({ host: '127.0.0.1', port });
    sockets.push(socket);
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.write(
      ['/a', '/b', '/c']
        .map(
          (p) =>
            `POST ${p} HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n`,
        )
        .join(''),
    );
    await waitFor(() => bodies(received).length === 3);
    expect(bodies(received)).toEqual(['/a', '/b', '/c']);
    expect(most).toBe(1);
  });

  it('refuses to guard a server twice', () => {
    const server = createServer();
    guardConnections(server);
    expect(() => guardConnections(server)).toThrow('guarded already');
  });

  it('refuses options that are not positive integers', () => {
    const server = createServer();
    expect(() =>
      guardConnections(server, { sendTimeoutMs: 0, maxPipelinedRequests: 1 }),
    ).toThrow('sendTimeoutMs must be a positive integer, got 0');
    expect(() =>
      guardConnections(server, {
        sendTimeoutMs: 1_000,
        maxPipelinedRequests: 1.5,
      }),
    ).toThrow('maxPipelinedRequests must be a positive integer, got 1.5');
  });
});

async function waitFor(
  condition: () => boolean,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
