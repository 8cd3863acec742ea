/**
 * dice-player against the real thing: the BUILT dice-api and the BUILT dice-player run as child
 * processes and export to a real OTLP/gRPC receiver. Proves that one round is one trace across
 * both services (player span -> HTTP client span -> dice-api server span, linked by W3C
 * traceparent), that a 500 is ERROR on both sides, that /metrics counts outcomes, and that a stop
 * (signal or duration) flushes every span.
 *
 * Run with `npx nx e2e dice-player` (builds dice-api and dice-player first).
 */
import { connect } from 'node:net';
import { resolve } from 'node:path';
import {
  getFreePort,
  httpGet,
  MiB,
  pipelineAndStall,
  probeHealth,
  readRssBytes,
  serverConnections,
  spawnNodeProcess,
  startNodeApp,
  startOtlpHttpReceiver,
  startOtlpReceiver,
  stopAllProcesses,
  waitUntil,
  type NodeProcess,
  type OtlpReceiver,
  type ReceivedSpan,
  watchServer,
} from '@otel-dice/test-support';
import { byLabel, parseSamples } from './prometheus-text';

const WORKSPACE = resolve(__dirname, '../../..');
const DICE_API_MAIN = resolve(WORKSPACE, 'apps/dice-api/dist/main.js');
const PLAYER_MAIN = resolve(WORKSPACE, 'apps/dice-player/dist/main.js');
/** Short batch delay so spans arrive while the test waits; the flush tests use a long one. */
const FAST_EXPORT = '100';
/** So long that only the shutdown flush can deliver the spans. */
const NO_TIMED_EXPORT = '600000';
const DEADLINE_MS = 30_000;

const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;
const STATUS_ERROR = 2;

let receiver: OtlpReceiver;

beforeEach(async () => {
  receiver = await startOtlpReceiver();
});

afterEach(async () => {
  await stopAllProcesses();
  await receiver.stop();
});

function startDiceApi(diceFault: 'off' | 'always'): Promise<NodeProcess> {
  return startNodeApp({
    main: DICE_API_MAIN,
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: FAST_EXPORT,
      DICE_FAULT: diceFault,
    },
  });
}

async function startPlayer(
  target: string,
  env: Record<string, string> = {},
): Promise<NodeProcess> {
  const port = await getFreePort();
  return startNodeApp({
    main: PLAYER_MAIN,
    port,
    env: {
      // test-support sets APP_* for the app under test; the player reads PLAYER_* only.
      APP_HOST_NAME: undefined,
      APP_PORT: undefined,
      PLAYER_HOST: '127.0.0.1',
      PLAYER_PORT: String(port),
      PLAYER_TARGET_URL: target,
      PLAYER_RATE: '20',
      PLAYER_LOG_LEVEL: 'debug',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: FAST_EXPORT,
      ...env,
    },
  });
}

const service = (span: ReceivedSpan) => span.resource['service.name'];
const statusCode = (span: ReceivedSpan) =>
  span.attributes['http.response.status_code'] ??
  span.attributes['http.status_code'];

interface RoundTrace {
  readonly round: ReceivedSpan;
  readonly client: ReceivedSpan;
  readonly server: ReceivedSpan;
  readonly spans: readonly ReceivedSpan[];
}

/**
 * The first trace holding a player round, exactly one player client span and exactly one dice-api
 * server span, whatever their links: the test then asserts the links itself.
 */
function firstRoundTrace(
  spans: readonly ReceivedSpan[],
): RoundTrace | undefined {
  for (const round of spans) {
    if (service(round) !== 'dice-player' || round.name !== 'play_round')
      continue;
    const trace = spans.filter((s) => s.traceId === round.traceId);
    const clients = trace.filter(
      (s) => service(s) === 'dice-player' && s.kind === SPAN_KIND_CLIENT,
    );
    const servers = trace.filter(
      (s) => service(s) === 'dice-api' && s.kind === SPAN_KIND_SERVER,
    );
    if (clients.length === 1 && servers.length === 1) {
      return { round, client: clients[0], server: servers[0], spans: trace };
    }
  }
  return undefined;
}

async function waitForRoundTrace(): Promise<RoundTrace> {
  await receiver.waitForSpans((spans) => firstRoundTrace(spans) !== undefined, {
    timeoutMs: DEADLINE_MS,
    what: 'a trace with a dice-player play_round, its HTTP client span and a dice-api server span',
  });
  const trace = firstRoundTrace(receiver.spans);
  if (!trace) throw new Error('trace vanished');
  return trace;
}

/** Outcomes of the rounds the player has logged so far (PLAYER_LOG_LEVEL=debug logs every round). */
function loggedOutcomes(player: NodeProcess): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of player.jsonLines()) {
    const outcome =
      line['msg'] === 'round played'
        ? String(line['face'])
        : String(line['msg']).startsWith('round failed')
          ? 'error'
          : undefined;
    if (outcome) counts[outcome] = (counts[outcome] ?? 0) + 1;
  }
  return counts;
}

function loggedRoundTraceIds(player: NodeProcess): string[] {
  return player
    .jsonLines()
    .filter(
      (line) =>
        typeof line['round'] === 'number' &&
        typeof line['trace_id'] === 'string',
    )
    .map((line) => String(line['trace_id']));
}

/**
 * Scrapes the player's /metrics between two readings of its round log. A round is counted and
 * logged in the same tick, so for every outcome: logged before <= counted <= logged after.
 */
async function expectMetricsToCountOutcomes(
  player: NodeProcess,
): Promise<Record<string, number>> {
  const before = loggedOutcomes(player);
  const scrape = await httpGet(`${player.baseUrl}/metrics`);
  const after = loggedOutcomes(player);
  expect(scrape.status).toBe(200);
  const rolls = byLabel(parseSamples(scrape.body), 'rolls_total', 'outcome');
  for (const outcome of ['1', '2', '3', '4', '5', '6', 'error']) {
    expect(rolls[outcome] ?? 0).toBeGreaterThanOrEqual(before[outcome] ?? 0);
    expect(rolls[outcome] ?? 0).toBeLessThanOrEqual(after[outcome] ?? 0);
  }
  expect(Object.keys(rolls).every((o) => /^[1-6]$|^error$/.test(o))).toBe(true);
  return rolls;
}

async function waitForRounds(
  player: NodeProcess,
  count: number,
): Promise<void> {
  await waitUntil(() => loggedRoundTraceIds(player).length >= count, {
    timeoutMs: DEADLINE_MS,
    what: `${count} rounds logged by dice-player`,
  });
}

describe('dice-player -> dice-api', () => {
  it('makes each round one trace: play_round -> HTTP client span -> dice-api server span', async () => {
    const api = await startDiceApi('off');
    await startPlayer(api.baseUrl);

    const { round, client, server, spans } = await waitForRoundTrace();

    expect(round.parentSpanId).toBeUndefined(); // the round starts the trace
    expect(client.traceId).toBe(round.traceId);
    expect(client.parentSpanId).toBe(round.spanId);
    expect(
      client.attributes['http.request.method'] ??
        client.attributes['http.method'],
    ).toBe('GET');
    // The W3C traceparent crossed the wire: dice-api's server span is the child of the client span.
    expect(server.traceId).toBe(round.traceId);
    expect(server.parentSpanId).toBe(client.spanId);
    expect(statusCode(client)).toBe(200);
    expect(statusCode(server)).toBe(200);
    expect([round.status.code, client.status.code, server.status.code]).toEqual(
      [0, 0, 0],
    );

    // The face the player scored is the one dice-api rolled in this very trace.
    const [doRoll] = spans.filter((s) => s.name === 'do_roll');
    expect(doRoll).toBeDefined();
    expect(doRoll.attributes['roll.value']).toBe(
      round.attributes['roll.value'],
    );
    expect(round.attributes['player.round']).toEqual(expect.any(Number));
  });

  it('marks a round ERROR on both sides when dice-api answers 500', async () => {
    const api = await startDiceApi('always');
    await startPlayer(api.baseUrl);

    const { round, client, server } = await waitForRoundTrace();

    expect(server.parentSpanId).toBe(client.spanId);
    expect(statusCode(server)).toBe(500);
    expect(statusCode(client)).toBe(500);
    expect(server.status.code).toBe(STATUS_ERROR);
    expect(client.status.code).toBe(STATUS_ERROR);
    expect(round.status).toEqual({
      code: STATUS_ERROR,
      message: 'dice-api answered HTTP 500: "something went wrong!"',
    });
    expect(round.attributes['error.type']).toBe('500');
  });

  it('counts faces in rolls_total{outcome} on its own /metrics', async () => {
    const api = await startDiceApi('off');
    const player = await startPlayer(api.baseUrl);
    await waitForRounds(player, 10);

    const rolls = await expectMetricsToCountOutcomes(player);
    expect(rolls['error'] ?? 0).toBe(0);
    expect(
      Object.values(rolls).reduce((a, b) => a + b, 0),
    ).toBeGreaterThanOrEqual(10);
  });

  it('counts failures in rolls_total{outcome="error"} and errors_total{reason}', async () => {
    const api = await startDiceApi('always');
    const player = await startPlayer(api.baseUrl);
    await waitForRounds(player, 5);

    const rolls = await expectMetricsToCountOutcomes(player);
    expect(rolls['error']).toBeGreaterThanOrEqual(5);
    expect(Object.keys(rolls)).toEqual(['error']);
    const errors = byLabel(
      parseSamples((await httpGet(`${player.baseUrl}/metrics`)).body),
      'errors_total',
      'reason',
    );
    // Between the two scrapes more rounds may have failed, never fewer.
    expect(Object.keys(errors)).toEqual(['http_status']);
    expect(errors['http_status']).toBeGreaterThanOrEqual(rolls['error']);
  });

  it('counts a dice-api that is not there as network errors, and keeps playing', async () => {
    const closedPort = await getFreePort();
    const player = await startPlayer(`http://127.0.0.1:${closedPort}`);
    await waitForRounds(player, 3);
    const errors = byLabel(
      parseSamples((await httpGet(`${player.baseUrl}/metrics`)).body),
      'errors_total',
      'reason',
    );
    expect(Object.keys(errors)).toEqual(['network']);
    expect(player.exitInfo).toBeUndefined();
  });
});

describe('stopping', () => {
  it('on SIGTERM finishes the round in flight, flushes every span and exits 0', async () => {
    const api = await startDiceApi('off');
    const player = await startPlayer(api.baseUrl, {
      OTEL_BSP_SCHEDULE_DELAY: NO_TIMED_EXPORT,
    });
    await waitForRounds(player, 5);

    const stopped = await player.stop('SIGTERM');

    expect(stopped).toMatchObject({ code: 0, forcedKill: false });
    const final = player
      .jsonLines()
      .find((line) => line['msg'] === 'final score');
    expect(final).toMatchObject({
      stopped_by: 'signal',
      rounds: loggedRoundTraceIds(player).length,
    });
    // Only the shutdown flush could have exported them: every logged round's span is there.
    const exported = new Set(
      receiver.spans
        .filter((s) => s.name === 'play_round')
        .map((s) => s.traceId),
    );
    expect(
      loggedRoundTraceIds(player).filter((id) => !exported.has(id)),
    ).toEqual([]);
  });

  it('after PLAYER_DURATION_S exits 0 by itself, flushed', async () => {
    const api = await startDiceApi('off');
    const player = await startPlayer(api.baseUrl, {
      PLAYER_DURATION_S: '1',
      OTEL_BSP_SCHEDULE_DELAY: NO_TIMED_EXPORT,
    });

    const exit = await waitUntil(() => player.exitInfo, {
      timeoutMs: DEADLINE_MS,
      what: 'dice-player to exit by itself after PLAYER_DURATION_S=1',
    });

    expect(exit).toEqual({ code: 0, signal: null });
    expect(
      player.jsonLines().find((line) => line['msg'] === 'final score'),
    ).toMatchObject({ stopped_by: 'duration' });
    const rounds = loggedRoundTraceIds(player);
    // ~20 at 20/s on a quiet machine; under load a round can take longer to start. Any round
    // proves the point: every round played is exported by the flush at the end.
    expect(rounds.length).toBeGreaterThanOrEqual(1);
    const exported = new Set(
      receiver.spans
        .filter((s) => s.name === 'play_round')
        .map((s) => s.traceId),
    );
    expect(rounds.filter((id) => !exported.has(id))).toEqual([]);
  });
});

describe('the same configuration model as dice-api', () => {
  it('exports all three signals over OTLP/HTTP and carries one B3 trace across both services', async () => {
    const http = await startOtlpHttpReceiver();
    try {
      const common = {
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_ENDPOINT: http.endpoint,
        OTEL_PROPAGATORS: 'b3multi',
        OTEL_LOGS_EXPORTER: 'otlp',
        OTEL_METRICS_EXPORTER: 'prometheus,otlp',
        OTEL_METRIC_EXPORT_INTERVAL: '500',
        OTEL_BSP_SCHEDULE_DELAY: FAST_EXPORT,
        OTEL_BLRP_SCHEDULE_DELAY: FAST_EXPORT,
      };
      const api = await startNodeApp({
        main: DICE_API_MAIN,
        env: { ...common, DICE_FAULT: 'off' },
      });
      await startPlayer(api.baseUrl, common);

      const service = (s: ReceivedSpan) => s.resource['service.name'];
      const spans = await http.waitForSpans(
        (all) =>
          all.some(
            (server) =>
              server.kind === SPAN_KIND_SERVER &&
              service(server) === 'dice-api' &&
              all.some(
                (client) =>
                  client.kind === SPAN_KIND_CLIENT &&
                  service(client) === 'dice-player' &&
                  client.spanId === server.parentSpanId,
              ),
          ),
        {
          timeoutMs: DEADLINE_MS,
          what: 'a player round continued by dice-api over B3',
        },
      );
      expect(spans.length).toBeGreaterThan(0);
      await http.waitForLogs(
        (logs) =>
          logs.some((l) => l.resource['service.name'] === 'dice-player'),
        { timeoutMs: DEADLINE_MS, what: "dice-player's log records" },
      );
      await http.waitForMetrics(
        (metrics) =>
          metrics.some((m) => m.resource['service.name'] === 'dice-player'),
        { timeoutMs: DEADLINE_MS, what: "dice-player's pushed metrics" },
      );
      expect(new Set(http.exports.map((e) => e.protocol))).toEqual(
        new Set(['http/protobuf']),
      );
      expect(receiver.exports).toEqual([]);
    } finally {
      await http.stop();
    }
  });
});

describe('credentials in PLAYER_TARGET_URL', () => {
  it('are printed nowhere and reach no span', async () => {
    const api = await startDiceApi('off');
    const target = new URL(api.baseUrl);
    target.username = 'player';
    target.password = 'pa55word';
    const player = await startPlayer(target.href);
    const spans = await receiver.waitForSpans(
      (s) => s.some((span) => span.kind === SPAN_KIND_CLIENT),
      { timeoutMs: DEADLINE_MS, what: 'a round' },
    );
    const playing = player
      .jsonLines()
      .find((line) => line['msg'] === 'playing');
    expect(playing?.['target']).toBe(
      `http://***@127.0.0.1:${api.port}/rolldice`,
    );
    const output = player.lines.map((line) => line.text).join('\n');
    expect(output).not.toContain('pa55word');
    expect(
      JSON.stringify(spans, (_key, v: unknown) =>
        typeof v === 'bigint' ? String(v) : v,
      ),
    ).not.toContain('pa55word');
  });
});

describe('slow clients', () => {
  it('cuts a status-server connection whose headers never complete (PLAYER_HEADERS_TIMEOUT_MS)', async () => {
    const player = await startPlayer('http://127.0.0.1:9', {
      PLAYER_HEADERS_TIMEOUT_MS: '1000',
      PLAYER_REQUEST_TIMEOUT_MS: '2000',
    });
    const socket = connect({ host: '127.0.0.1', port: player.port });
    socket.on('error', () => undefined);
    const started = Date.now();
    let received = '';
    socket.on('data', (chunk) => (received += String(chunk)));
    socket.once('connect', () =>
      socket.write('GET /healthz HTTP/1.1\r\nX-Slow: '),
    );
    const closedAfterMs = await new Promise<number>((done) =>
      socket.once('close', () => done(Date.now() - started)),
    );
    // the timeout plus the once-a-second check, with room for a busy machine
    expect(closedAfterMs).toBeLessThan(5_000);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(
      (await httpGet(`http://127.0.0.1:${player.port}/healthz`)).status,
    ).toBe(200);
  });

  it('closes status-server connections that pipeline 1,800 scrapes and never read, and keeps answering (ISSUE 20)', async () => {
    const player = await startPlayer('http://127.0.0.1:9');
    const idleRss = readRssBytes(player.pid);
    const health = probeHealth(`http://127.0.0.1:${player.port}/healthz`);
    const clients = Array.from({ length: 3 }, () =>
      pipelineAndStall(player.port, '/metrics', 1_800),
    );
    try {
      const ports = new Set(await Promise.all(clients.map((c) => c.localPort)));
      const watch = await watchServer(
        player.pid,
        () => serverConnections(player.port, ports),
        40_000,
      );
      const report = await health.stop();
      expect(watch.allClosedAfterMs).toBeLessThan(30_000);
      expect(watch.peakRssBytes - idleRss).toBeLessThan(150 * MiB);
      expect(report.failed).toBe(0);
      expect(player.exitInfo).toBeUndefined();
    } finally {
      await health.stop();
      for (const client of clients) client.socket.destroy();
    }
  }, 60_000);
});

describe('bad configuration', () => {
  it('exits 1 with one line per bad PLAYER_* variable', async () => {
    const player = await spawnNodeProcess({
      main: PLAYER_MAIN,
      env: { PLAYER_RATE: 'fast', PLAYER_PORT: '0' },
    });
    expect(await player.exited).toEqual({ code: 1, signal: null });
    expect(player.stderrLines).toEqual([
      'dice-player: invalid configuration: PLAYER_RATE must be a number of rounds per second greater than 0 and at most 1000, got "fast"',
      'dice-player: invalid configuration: PLAYER_PORT must be an integer between 1 and 65535, got "0"',
    ]);
  });

  it('exits 1 naming an unusable OTEL_* variable', async () => {
    const player = await spawnNodeProcess({
      main: PLAYER_MAIN,
      env: { OTEL_TRACES_SAMPLER: 'sometimes' },
    });
    expect(await player.exited).toEqual({ code: 1, signal: null });
    expect(player.stderrLines.join('\n')).toMatch(
      /^dice-player: cannot start telemetry: .*OTEL_TRACES_SAMPLER/,
    );
  });
});
