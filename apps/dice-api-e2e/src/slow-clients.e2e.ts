/**
 * ISSUE 13 — slow clients cannot hold the built dice-api's sockets: headers trickled a byte at a
 * time are cut within ~11 s by default, a body that never completes within ~26 s, and
 * connections beyond APP_MAX_CONNECTIONS are closed at once without hurting the server. Raw
 * sockets on 127.0.0.1, so nothing in the client helps.
 */
import { connect, type Socket } from 'node:net';
import {
  startOtlpReceiver,
  stopAllProcesses,
  waitUntil,
  type NodeProcess,
  type OtlpReceiver,
} from '@otel-dice/test-support';
import { healthStatus, startDiceApi } from './support/dice-api.js';

let receiver: OtlpReceiver | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await stopAllProcesses();
  await receiver?.stop();
  receiver = undefined;
});

async function start(env: Record<string, string> = {}): Promise<NodeProcess> {
  receiver = await startOtlpReceiver();
  return startDiceApi({
    traceEndpoint: receiver.endpoint,
    env: { DICE_FAULT: 'off', ...env },
  });
}

interface Trickle {
  /** ms from connect until the server closed the connection. */
  readonly closedAfterMs: Promise<number>;
  /** What the server wrote before closing. */
  received(): string;
}

/** Connects, writes `head`, then one byte of `drip` every `everyMs` until the server closes. */
function trickle(
  port: number,
  head: string,
  drip: string,
  everyMs: number,
): Trickle {
  const socket = connect({ host: '127.0.0.1', port });
  sockets.push(socket);
  const started = Date.now();
  let data = '';
  let timer: NodeJS.Timeout | undefined;
  socket.setEncoding('utf8');
  socket.on('data', (chunk) => (data += chunk));
  socket.on('error', () => undefined);
  socket.once('connect', () => {
    socket.write(head);
    timer = setInterval(() => {
      if (!socket.destroyed) socket.write(drip);
    }, everyMs);
  });
  return {
    closedAfterMs: new Promise((resolve) =>
      socket.once('close', () => {
        clearInterval(timer);
        resolve(Date.now() - started);
      }),
    ),
    received: () => data,
  };
}

it('with the defaults, trickled headers are cut within 20 s and a trickled body within 30 s', async () => {
  const app = await start();
  const headers = trickle(
    app.port,
    'GET /rolldice HTTP/1.1\r\nHost: dice\r\nX-Slow: ',
    'a',
    1_000,
  );
  const body = trickle(
    app.port,
    'POST /rolldice HTTP/1.1\r\nHost: dice\r\nContent-Length: 100000\r\n\r\n',
    'x',
    1_000,
  );
  expect(await headers.closedAfterMs).toBeLessThan(20_000);
  expect(headers.received()).toMatch(/^HTTP\/1\.1 408 /);
  expect(await body.closedAfterMs).toBeLessThan(30_000);
  expect(await healthStatus(app)).toBe(200);
}, 60_000);

it('follows APP_HEADERS_TIMEOUT_MS and APP_REQUEST_TIMEOUT_MS', async () => {
  const app = await start({
    APP_HEADERS_TIMEOUT_MS: '1000',
    APP_REQUEST_TIMEOUT_MS: '2000',
  });
  const headers = trickle(
    app.port,
    'GET /rolldice HTTP/1.1\r\nHost: dice\r\nX-Slow: ',
    'a',
    200,
  );
  const body = trickle(
    app.port,
    'POST /rolldice HTTP/1.1\r\nHost: dice\r\nContent-Length: 100000\r\n\r\n',
    'x',
    200,
  );
  // the timeouts plus the once-a-second check, with room for a busy machine
  expect(await headers.closedAfterMs).toBeLessThan(5_000);
  expect(await body.closedAfterMs).toBeLessThan(6_000);
  expect(await healthStatus(app)).toBe(200);
});

it('closes connections beyond APP_MAX_CONNECTIONS at once, and serves again when they go', async () => {
  const app = await start({ APP_MAX_CONNECTIONS: '5' });
  // five idle connections take every slot (the headers timeout would free them in ~11 s)
  const idle = Array.from({ length: 5 }, () =>
    trickle(app.port, '', ' ', 60_000),
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  const extra = trickle(
    app.port,
    'GET /healthz HTTP/1.1\r\nHost: dice\r\n\r\n',
    '',
    60_000,
  );
  expect(await extra.closedAfterMs).toBeLessThan(2_000);
  expect(extra.received()).toBe('');
  for (const socket of sockets.slice(0, 5)) socket.destroy();
  await Promise.all(idle.map((t) => t.closedAfterMs));
  await waitUntil(async () => (await healthStatus(app)) === 200, {
    what: 'dice-api to serve again once the idle connections are gone',
    timeoutMs: 5_000,
  });
  expect(app.exitInfo).toBeUndefined();
});
