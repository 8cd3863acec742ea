/**
 * ISSUE 13 — slow clients cannot hold the built dice-api's sockets: headers trickled a byte at a
 * time are cut within ~11 s by default, a body that never completes within ~26 s, and
 * connections beyond APP_MAX_CONNECTIONS are closed at once without hurting the server. Raw
 * sockets on 127.0.0.1, so nothing in the client helps.
 *
 * ISSUE 20 — nor can clients that send requests and never read the answers, on the app port or
 * on the Prometheus port (OTEL_EXPORTER_PROMETHEUS_PORT), which also keeps its connections to
 * itself. Each of those tests prints its numbers as a table row first (SECURITY.md); to measure
 * another build the same way:
 *
 *   DICE_API_E2E_MAIN=/path/to/other/dist/main.js npx jest -c apps/dice-api-e2e/jest.config.cts \
 *     apps/dice-api-e2e/src/slow-clients.e2e.ts -t 'ISSUE 20'
 */
import { connect, type Socket } from 'node:net';
import {
  findExecutable,
  formatMiB,
  getFreePort,
  httpGet,
  MiB,
  pipelineAndStall,
  probeHealth,
  readCpuSeconds,
  readRssBytes,
  serverConnections,
  startOtlpReceiver,
  stopAllProcesses,
  waitUntil,
  watchServer,
  type HealthReport,
  type NodeProcess,
  type OtlpReceiver,
  type ServerWatch,
} from '@otel-dice/test-support';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import {
  DICE_API_MAIN,
  healthStatus,
  METRICS_PAGE_KEPT_MS,
  startDiceApi,
} from './support/dice-api.js';

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

/**
 * Varied traffic (methods × routes × statuses) that fills the histograms, so /metrics is a page
 * of tens of KB as in production rather than the few KB of a fresh process.
 */
async function warmUp(app: NodeProcess): Promise<void> {
  const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];
  const paths = [
    '/rolldice',
    '/rolldice?rolls=5',
    '/rolldice?rolls=x',
    '/nope',
    '/healthz',
  ];
  for (const method of methods)
    for (const path of paths)
      for (let i = 0; i < 3; i += 1)
        await (await fetch(`${app.baseUrl}${path}`, { method })).arrayBuffer();
}

describe('ISSUE 20: clients that do not read their answers', () => {
  /** The bounds of the issue: the pod's memory limit is 384 Mi, idle is ~90 MiB. */
  const RSS_BOUND = 150 * MiB;
  const CLOSE_BOUND_MS = 30_000;

  function row(
    attack: string,
    idleRss: number,
    watch: ServerWatch,
    health: HealthReport,
  ): void {
    process.stdout.write(
      [
        `slow-clients (${DICE_API_MAIN}):`,
        '| attack | idle RSS | peak RSS above idle | connections held at most | all closed after | /healthz meanwhile (ok / failed, slowest) |',
        '| --- | ---: | ---: | ---: | ---: | --- |',
        `| ${attack} | ${formatMiB(idleRss)} | ${formatMiB(watch.peakRssBytes - idleRss)} | ${watch.mostHeld} | ${watch.allClosedAfterMs === undefined ? 'not closed' : `${(watch.allClosedAfterMs / 1000).toFixed(1)} s`} | ${health.answered} / ${health.failed}, ${health.slowestMs} ms |`,
        '',
      ].join('\n'),
    );
  }

  /** `sockets` connections each pipeline `count` GETs of `target` to `port` and never read. */
  async function stalledPipelines(
    app: NodeProcess,
    port: number,
    target: string,
    sockets: number,
    count: number,
  ): Promise<{ idleRss: number; watch: ServerWatch; health: HealthReport }> {
    const idleRss = readRssBytes(app.pid);
    const health = probeHealth(`${app.baseUrl}/healthz`);
    const clients = Array.from({ length: sockets }, () =>
      pipelineAndStall(port, target, count),
    );
    const ports = new Set(await Promise.all(clients.map((c) => c.localPort)));
    try {
      const watch = await watchServer(
        app.pid,
        () => serverConnections(port, ports),
        CLOSE_BOUND_MS + 10_000,
      );
      return { idleRss, watch, health: await health.stop() };
    } finally {
      for (const client of clients) client.socket.destroy();
    }
  }

  // The issue's bound is for /metrics. For /rolldice the 20 connections cost what Node spends
  // parsing what they sent (one 64 KiB read each: ~1,800 requests) whatever the app does with
  // them; its RSS is printed, not bounded here (SECURITY.md).
  it.each([
    { on: 'app', target: '/metrics', sockets: 3, rssBound: RSS_BOUND },
    { on: 'app', target: '/rolldice', sockets: 20, rssBound: Infinity },
    { on: 'Prometheus', target: '/metrics', sockets: 3, rssBound: RSS_BOUND },
  ] as const)(
    '$on port, $sockets × 1,800 pipelined GET $target never read: RSS bounded, every connection closed, /healthz answered',
    async ({ on, target, sockets, rssBound }) => {
      const metricsPort = await getFreePort();
      const app = await start(
        on === 'app'
          ? { LOG_LEVEL: 'warn' }
          : {
              LOG_LEVEL: 'warn',
              OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
              OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
            },
      );
      const port = on === 'app' ? app.port : metricsPort;
      await warmUp(app);
      const page = (
        await httpGet(`http://127.0.0.1:${port}/metrics`, { timeoutMs: 10_000 })
      ).body.length;
      const { idleRss, watch, health } = await stalledPipelines(
        app,
        port,
        target,
        sockets,
        1_800,
      );
      row(
        `${sockets} × 1,800 pipelined GET ${target} (page ${Math.round(page / 1024)} KB), never read — ${on} port`,
        idleRss,
        watch,
        health,
      );
      expect(watch.peakRssBytes - idleRss).toBeLessThan(rssBound);
      expect(watch.allClosedAfterMs).toBeLessThan(CLOSE_BOUND_MS);
      expect(health.failed).toBe(0);
      expect(app.exitInfo).toBeUndefined();
    },
    90_000,
  );

  it('closes a connection whose answers stand still for APP_SEND_TIMEOUT_MS', async () => {
    const app = await start({
      LOG_LEVEL: 'warn',
      APP_SEND_TIMEOUT_MS: '2000',
      // every request may wait its turn: only the send timeout can end this connection
      APP_MAX_PIPELINED_REQUESTS: '5000',
    });
    await warmUp(app);
    const client = pipelineAndStall(app.port, '/metrics', 1_000);
    const ports = new Set([await client.localPort]);
    try {
      const watch = await watchServer(
        app.pid,
        () => serverConnections(app.port, ports),
        20_000,
      );
      process.stdout.write(
        `send timeout 2 s (${DICE_API_MAIN}): closed after ${watch.allClosedAfterMs === undefined ? 'never' : `${(watch.allClosedAfterMs / 1000).toFixed(1)} s`}\n`,
      );
      // the kernel's buffers fill within moments; then 2 s without progress, checked twice a second
      expect(watch.mostHeld).toBe(1);
      expect(watch.allClosedAfterMs).toBeGreaterThan(1_500);
      expect(watch.allClosedAfterMs).toBeLessThan(8_000);
    } finally {
      client.socket.destroy();
    }
  });

  const prlimit = findExecutable('prlimit');
  const withPrlimit =
    prlimit === undefined && process.env['CI'] !== 'true' ? it.skip : it;
  if (prlimit === undefined)
    process.stdout.write(
      'slow-clients.e2e: skipped the file-limit test: no prlimit (util-linux) on PATH\n',
    );

  withPrlimit(
    'Prometheus port under a 1,024 file limit, 1,100 trickling connections: capped, cut, and the app port keeps answering',
    async () => {
      const metricsPort = await getFreePort();
      const app = await start({
        LOG_LEVEL: 'warn',
        OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
        OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
      });
      // the limit of a default container, set on the running app; more connections than that
      // (this test process may need a higher soft limit of its own for them)
      execFileSync(prlimit ?? 'prlimit', [
        `--pid=${app.pid}`,
        '--nofile=1024:1024',
      ]);
      const idleRss = readRssBytes(app.pid);
      const health = probeHealth(`${app.baseUrl}/healthz`);
      raiseOwnFileLimit(prlimit ?? 'prlimit', 4_096);
      const trickles = Array.from({ length: 1_100 }, () =>
        trickle(
          metricsPort,
          'GET /metrics HTTP/1.1\r\nHost: dice\r\nX-Slow: ',
          'a',
          1_000,
        ),
      );
      try {
        const watch = await watchServer(
          app.pid,
          () => serverConnections(metricsPort),
          CLOSE_BOUND_MS + 10_000,
          5_000, // while 1,100 clients connect
        );
        const report = await health.stop();
        row(
          '1,100 connections trickling headers into the Prometheus port, 1,024 file limit',
          idleRss,
          watch,
          report,
        );
        // The cap of 32, plus those accepted at that moment only to be closed at once: how many
        // of those one 50 ms sample catches depends on how busy the machine is (up to 12 seen
        // with nx running other suites beside this one). Without the cap ~1,000 are held.
        expect(watch.mostHeld).toBeLessThanOrEqual(2 * 32);
        expect(watch.allClosedAfterMs).toBeLessThan(CLOSE_BOUND_MS);
        expect(report.failed).toBe(0);
        expect(app.exitInfo).toBeUndefined();
      } finally {
        await health.stop();
        for (const socket of sockets.splice(0)) socket.destroy();
        await Promise.all(trickles.map((t) => t.closedAfterMs));
      }
    },
    90_000,
  );
});

describe('ISSUE 20: a flood of scrapes', () => {
  it('renders the page at most about once a second, and counts every scrape', async () => {
    const app = await start({ LOG_LEVEL: 'warn' });
    await warmUp(app);
    const pages = new Set<string>();
    let scrapes = 0;
    const cpuBefore = readCpuSeconds(app.pid);
    const started = performance.now();
    // 10 s of scrapes, four at a time
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (performance.now() - started < 10_000) {
          const { status, body } = await httpGet(`${app.baseUrl}/metrics`, {
            timeoutMs: 10_000,
          });
          expect(status).toBe(200);
          pages.add(body);
          scrapes += 1;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const cpu = readCpuSeconds(app.pid) - cpuBefore;
    const size = Math.max(...[...pages].map((p) => p.length));
    process.stdout.write(
      [
        `scrape flood (${DICE_API_MAIN}):`,
        '| scrapes | per second | page | distinct pages | app CPU per 10 s | app CPU per scrape |',
        '| ---: | ---: | ---: | ---: | ---: | ---: |',
        `| ${scrapes} | ${Math.round(scrapes / seconds)} | ${Math.round(size / 1024)} KB | ${pages.size} | ${((cpu / seconds) * 10).toFixed(1)} s | ${((cpu / scrapes) * 1000).toFixed(2)} ms |`,
        '',
      ].join('\n'),
    );
    expect(pages.size).toBeLessThanOrEqual(Math.ceil(seconds) + 2);
    // the next page shows every scrape answered so far
    await new Promise((resolve) =>
      setTimeout(resolve, METRICS_PAGE_KEPT_MS + 100),
    );
    const { body } = await httpGet(`${app.baseUrl}/metrics`, {
      timeoutMs: 10_000,
    });
    expect(body).toMatch(
      new RegExp(
        `^promhttp_metric_handler_requests_total\\{code="200"[^}]*\\} ${scrapes}$`,
        'm',
      ),
    );
  }, 60_000);
});

/** Raises this process's soft open-file limit to `soft` if it is lower and the hard limit allows. */
function raiseOwnFileLimit(prlimit: string, soft: number): void {
  const limits = readFileSync('/proc/self/limits', 'utf8');
  const current = Number(
    /^Max open files\s+(\d+)/m.exec(limits)?.[1] ?? Infinity,
  );
  if (current >= soft) return;
  try {
    execFileSync(prlimit, [`--pid=${process.pid}`, `--nofile=${soft}:`], {
      stdio: 'ignore',
    });
  } catch {
    // a lower hard limit: fewer connections get through, which only weakens the attack
  }
}
