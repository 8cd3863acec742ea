/**
 * The routes over real HTTP on 127.0.0.1, in-process, with real SDK tracer/meter kept in memory.
 * The request listener is wrapped the way server.ts wraps it (access log inside the server span).
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind, type Tracer } from '@opentelemetry/api';
import {
  startTestTelemetry,
  type TestTelemetry,
} from '@otel-dice/telemetry/testing';
import { waitUntil } from '@otel-dice/test-support';
import { createApp, ROLL_FAILURE_MESSAGE } from './app.js';
import type { DiceFault, RandomInt } from './dice.js';
import { createLogger, withRequestLogging } from './logging.js';

/**
 * Wraps a request listener in a SERVER span made active for the request, as the HTTP
 * instrumentation does in the real process (the test telemetry patches nothing).
 */
function inServerSpan(
  tracer: Tracer,
  listener: RequestListener,
): RequestListener {
  return (req, res) => {
    tracer.startActiveSpan(
      `${req.method} (test server span)`,
      { kind: SpanKind.SERVER },
      (span) => {
        res.once('close', () => span.end());
        listener(req, res);
      },
    );
  };
}

/** Answers every draw with the next scripted face (the important job's draw included). */
function faces(...script: number[]): RandomInt {
  let next = 0;
  return (min, max) => {
    // The important job draws from 1..10000; give it anything and keep the script for rolls.
    if (max === 10_000) return min;
    if (next >= script.length) throw new Error('scripted faces exhausted');
    return script[next++];
  };
}

function single<T>(items: readonly T[]): T {
  if (items.length !== 1)
    throw new Error(`expected exactly one item, found ${items.length}`);
  return items[0];
}

interface Harness {
  readonly url: string;
  readonly telemetry: TestTelemetry;
  /** Parsed access-log lines written so far. */
  readonly logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

async function startApp(
  options: {
    random?: RandomInt;
    diceFault?: DiceFault;
    logLevel?: string;
  } = {},
): Promise<Harness> {
  const telemetry = startTestTelemetry();
  const logs: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    serviceName: 'dice-api-test',
    level: options.logLevel ?? 'info',
    destination: {
      write: (line: string) =>
        void logs.push(JSON.parse(line) as Record<string, unknown>),
    },
  });
  const app = createApp({
    telemetry,
    diceFault: options.diceFault ?? 'random',
    random: options.random,
  });
  const server: Server = createServer(
    inServerSpan(telemetry.tracer, withRequestLogging(app, logger)),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    telemetry,
    logs,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await telemetry.shutdown();
    },
  };
}

describe('dice-api routes', () => {
  let harness: Harness | undefined;

  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  async function get(path: string, options?: Parameters<typeof startApp>[0]) {
    harness ??= await startApp(options);
    return fetch(`${harness.url}${path}`);
  }

  /** The harness the current test started (via get() or startApp()). */
  function current(): Harness {
    if (harness === undefined) throw new Error('no app started in this test');
    return harness;
  }

  function spansNamed(name: string) {
    return (
      harness?.telemetry.finishedSpans().filter((span) => span.name === name) ??
      []
    );
  }

  describe('GET /rolldice (single roll, the seed contract)', () => {
    it('answers 200 with the face as plain text', async () => {
      const res = await get('/rolldice', { random: faces(4) });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('etag')).toBeNull();
      expect(await res.text()).toBe('4');
    });

    it('answers 500 "something went wrong!" as plain text when the die shows 7', async () => {
      const res = await get('/rolldice', { random: faces(7) });
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(await res.text()).toBe(ROLL_FAILURE_MESSAGE);
    });

    it('fails every request with DICE_FAULT=always and none with off (real random source)', async () => {
      harness = await startApp({ diceFault: 'always' });
      for (let i = 0; i < 5; i++)
        expect((await fetch(`${harness.url}/rolldice`)).status).toBe(500);
      await harness.close();

      harness = await startApp({ diceFault: 'off' });
      for (let i = 0; i < 30; i++) {
        const res = await fetch(`${harness.url}/rolldice`);
        expect(res.status).toBe(200);
        expect(['1', '2', '3', '4', '5', '6']).toContain(await res.text());
      }
    });

    it('creates one do_roll (with roll.value) and one do_important_job span inside the server span', async () => {
      await get('/rolldice', { random: faces(5) });
      const telemetry = current().telemetry;
      const server = await waitUntil(
        () =>
          telemetry
            .finishedSpans()
            .find((span) => span.kind === SpanKind.SERVER),
        { what: 'the server span to end' },
      );
      const [roll] = spansNamed('do_roll');
      const [job] = spansNamed('do_important_job');
      expect(spansNamed('do_roll')).toHaveLength(1);
      expect(roll.attributes['roll.value']).toBe(5);
      for (const child of [roll, job]) {
        expect(child.spanContext().traceId).toBe(server.spanContext().traceId);
        expect(child.parentSpanContext?.spanId).toBe(
          server.spanContext().spanId,
        );
      }
    });

    it('counts the request in request_counter and the roll in dice.rolls', async () => {
      await get('/rolldice', { random: faces(2) });
      await fetch(`${current().url}/rolldice`).catch(() => undefined); // second request, script exhausted → 500
      const telemetry = current().telemetry;
      expect(await telemetry.counterPoints('request_counter')).toEqual([
        { attributes: {}, value: 2 },
      ]);
      expect(await telemetry.counterPoints('dice.rolls')).toEqual([
        { attributes: { 'roll.value': 2 }, value: 1 },
      ]);
    });
  });

  describe('GET /rolldice?rolls=N', () => {
    it('answers a JSON array; one do_roll span carries every roll', async () => {
      const res = await get('/rolldice?rolls=3', { random: faces(1, 6, 3) });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(
        'application/json; charset=utf-8',
      );
      expect(await res.json()).toEqual([1, 6, 3]);
      expect(spansNamed('do_roll').map((span) => span.attributes)).toEqual([
        { 'roll.count': 3, 'roll.values': [1, 6, 3] },
      ]);
      expect(spansNamed('do_important_job')).toHaveLength(1);
      expect(
        await current().telemetry.counterPoints('request_counter'),
      ).toEqual([{ attributes: {}, value: 1 }]);
    });

    it('answers 500 JSON when any roll shows 7, without partial results', async () => {
      const res = await get('/rolldice?rolls=3', { random: faces(2, 7, 4) });
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({
        error: 'roll_out_of_range',
        message: ROLL_FAILURE_MESSAGE,
      });
      expect(spansNamed('do_roll')).toHaveLength(1);
    });

    it.each([
      ['rolls=abc', 'not_an_integer'],
      ['rolls=2.5', 'not_an_integer'],
      ['rolls=0', 'out_of_range'],
      ['rolls=-1', 'out_of_range'],
      ['rolls=101', 'out_of_range'],
      ['rolls=', 'empty'],
      ['rolls=1&rolls=2', 'repeated'],
    ])(
      'answers 400 JSON for %s (%s), rolls nothing, still counts the request',
      async (query, reason) => {
        const res = await get(`/rolldice?${query}`, { random: faces() });
        expect(res.status).toBe(400);
        expect(res.headers.get('content-type')).toBe(
          'application/json; charset=utf-8',
        );
        expect(await res.json()).toEqual({
          error: 'invalid_parameter',
          parameter: 'rolls',
          reason,
          message: 'rolls must be an integer between 1 and 100',
        });
        expect(spansNamed('do_roll')).toHaveLength(0);
        expect(
          await current().telemetry.counterPoints('request_counter'),
        ).toEqual([{ attributes: {}, value: 1 }]);
      },
    );

    it('answers 400 JSON for a rolls after 1,000 other parameters, which the query parser would drop', async () => {
      const res = await get(`/rolldice?${'a=1&'.repeat(1_000)}rolls=3`, {
        random: faces(),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        error: 'too_many_parameters',
        limit: 1_000,
        message: 'a query may have at most 1000 parameters',
      });
      expect(spansNamed('do_roll')).toHaveLength(0);
    });

    it('ignores bracket syntax, which the simple query parser treats as another key', async () => {
      const res = await get('/rolldice?rolls[x]=5', { random: faces(3) });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('3');
    });
  });

  describe('other routes', () => {
    it('GET /healthz answers 200 JSON', async () => {
      const res = await get('/healthz');
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok' });
    });

    it('GET /metrics serves the telemetry metrics handler (Prometheus text)', async () => {
      await get('/rolldice', { random: faces(6) });
      const res = await fetch(`${current().url}/metrics`);
      expect(res.status).toBe(200);
      const body = await res.text();
      expect(body).toMatch(/^request_counter_total(\{[^}]*\})? 1$/m);
      expect(body).toMatch(/^dice_rolls_total\{roll_value="6"[^}]*\} 1$/m);
    });

    it.each([
      ['GET', '/nope'],
      ['GET', '/rolldice/extra'],
      ['POST', '/rolldice'],
      ['DELETE', '/healthz'],
    ])('%s %s answers 404 JSON', async (method, path) => {
      harness = await startApp();
      const res = await fetch(`${harness.url}${path}`, { method });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({
        error: 'not_found',
        message: 'no such route',
      });
    });

    it('never sends x-powered-by', async () => {
      for (const path of [
        '/rolldice',
        '/healthz',
        '/nope',
        '/rolldice?rolls=x',
      ]) {
        const res = await get(path, { diceFault: 'off' });
        expect(res.headers.get('x-powered-by')).toBeNull();
      }
    });
  });

  describe('unexpected errors', () => {
    const exploding: RandomInt = () => {
      throw new Error('entropy pool exploded at /secret/path.ts:42');
    };

    it('answer 500 JSON without message or stack trace', async () => {
      const res = await get('/rolldice', { random: exploding });
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toBe(
        'application/json; charset=utf-8',
      );
      const text = await res.text();
      expect(JSON.parse(text)).toEqual({
        error: 'internal_error',
        message: 'internal server error',
      });
      expect(text).not.toMatch(/entropy|secret|\bat\b|\.ts/);
    });

    it('put the error with its stack on the request log line instead', async () => {
      await get('/rolldice?rolls=2', { random: exploding });
      const line = await waitUntil(
        () =>
          current().logs.find((entry) => entry['msg'] === 'request completed'),
        {
          what: 'the access log line',
        },
      );
      expect(line['status']).toBe(500);
      expect(line['level']).toBe(50);
      const err = line['err'] as Record<string, unknown>;
      expect(err['message']).toBe(
        'entropy pool exploded at /secret/path.ts:42',
      );
      expect(String(err['stack'])).toContain('dice.');
      expect(current().logs).toHaveLength(1);
    });
  });

  describe('access log', () => {
    async function onlyLogLine(
      path: string,
      options?: Parameters<typeof startApp>[0],
    ) {
      await (await get(path, options)).text();
      return waitUntil(
        () => {
          const lines = current().logs;
          return lines.length === 1 ? lines[0] : undefined;
        },
        { what: `exactly one log line for ${path}`, timeoutMs: 5_000 },
      );
    }

    it('writes one JSON line per request with route, status, duration and the server span ids', async () => {
      const line = await onlyLogLine('/rolldice?rolls=2', {
        random: faces(3, 3),
      });
      const server = single(
        current()
          .telemetry.finishedSpans()
          .filter((span) => span.kind === SpanKind.SERVER),
      );
      expect(Object.keys(line).sort()).toEqual(
        [
          'duration_ms',
          'hostname',
          'level',
          'method',
          'msg',
          'name',
          'pid',
          'route',
          'span_id',
          'status',
          'time',
          'trace_id',
        ].sort(),
      );
      expect(line).toMatchObject({
        level: 30,
        msg: 'request completed',
        name: 'dice-api-test',
        method: 'GET',
        route: '/rolldice',
        status: 200,
        trace_id: server.spanContext().traceId,
        span_id: server.spanContext().spanId,
      });
      expect(line['duration_ms']).toEqual(expect.any(Number));
      expect(line['duration_ms'] as number).toBeGreaterThan(0);
      expect(new Date(String(line['time'])).toISOString()).toBe(line['time']);
    });

    it('logs route null for unmatched requests (the raw path never becomes a field)', async () => {
      const line = await onlyLogLine('/no/such/thing?token=abc');
      expect(line).toMatchObject({ route: null, status: 404, method: 'GET' });
      expect(JSON.stringify(line)).not.toContain('/no/such/thing');
    });

    it('logs 5xx at error level', async () => {
      const line = await onlyLogLine('/rolldice', { random: faces(7) });
      expect(line).toMatchObject({
        level: 50,
        status: 500,
        route: '/rolldice',
      });
    });

    it('keeps probe routes out of the info log but writes them at debug', async () => {
      harness = await startApp();
      await (await fetch(`${harness.url}/healthz`)).text();
      await (await fetch(`${harness.url}/metrics`)).text();
      await (await fetch(`${harness.url}/nope`)).text();
      await waitUntil(() => current().logs.length === 1, {
        what: 'the /nope log line',
      });
      expect(harness.logs.map((entry) => entry['status'])).toEqual([404]);
      await harness.close();

      harness = await startApp({ logLevel: 'debug' });
      await (await fetch(`${harness.url}/healthz`)).text();
      const line = await waitUntil(() => current().logs[0], {
        what: 'the /healthz debug line',
      });
      expect(line).toMatchObject({ level: 20, route: '/healthz', status: 200 });
    });

    it('writes null ids when the request is not traced', async () => {
      const logs: Array<Record<string, unknown>> = [];
      const logger = createLogger({
        serviceName: 'untraced',
        destination: {
          write: (line: string) =>
            void logs.push(JSON.parse(line) as Record<string, unknown>),
        },
      });
      const telemetry = startTestTelemetry();
      const server = createServer(
        withRequestLogging(createApp({ telemetry, diceFault: 'off' }), logger),
      );
      await new Promise<void>((resolve) =>
        server.listen(0, '127.0.0.1', resolve),
      );
      try {
        const { port } = server.address() as AddressInfo;
        await (await fetch(`http://127.0.0.1:${port}/rolldice`)).text();
        const line = await waitUntil(() => logs[0], {
          what: 'the access log line',
        });
        expect(line).toMatchObject({
          trace_id: null,
          span_id: null,
          status: 200,
        });
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
        await telemetry.shutdown();
      }
    });
  });
});
