/**
 * ISSUE 6 — bad input gets the documented answer and never hurts the server: invalid `rolls`
 * values get 400 with a machine-readable reason, unknown routes 404, a request head beyond Node's
 * 16 KiB limit 431 from Node itself; after every one of them /healthz still answers 200. An
 * invalid APP_PORT stops the process at start-up with exit code 1 and one line naming the variable.
 */
import { createServer, type Server } from 'node:net';
import {
  getFreePort,
  httpGet,
  spawnNodeProcess,
  startOtlpReceiver,
  stopAllProcesses,
  type NodeProcess,
  type OtlpReceiver,
} from '@otel-dice/test-support';
import { withDeadline } from './support/deadline.js';
import {
  DICE_API_MAIN,
  healthStatus,
  startDiceApi,
} from './support/dice-api.js';

/** The documented maximum of `rolls` (apps/dice-api README / validation.ts). */
const MAX_ROLLS = 100;
const ROLLS_MESSAGE = `rolls must be an integer between 1 and ${MAX_ROLLS}`;
/** Node's default --max-http-header-size: the request line counts against it. */
const NODE_MAX_HEADER_BYTES = 16 * 1024;

let receiver: OtlpReceiver | undefined;
let app: NodeProcess | undefined;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  // DICE_FAULT=off: the valid requests here must answer 200, not the seed's random 500.
  app = await startDiceApi({
    traceEndpoint: receiver.endpoint,
    env: { DICE_FAULT: 'off' },
  });
});

afterAll(async () => {
  await stopAllProcesses();
  await receiver?.stop();
});

function baseUrl(): string {
  if (!app) throw new Error('app not started');
  return app.baseUrl;
}

/** After every bad request: the same process is alive and healthy. */
async function expectStillHealthy(): Promise<void> {
  if (!app) throw new Error('app not started');
  expect(app.exitInfo).toBeUndefined();
  expect(await healthStatus(app)).toBe(200);
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return `not JSON: ${body.slice(0, 200)}`;
  }
}

describe('GET /rolldice with an invalid rolls parameter answers 400', () => {
  it.each([
    { name: 'a word', query: 'rolls=abc', reason: 'not_an_integer' },
    { name: 'zero', query: 'rolls=0', reason: 'out_of_range' },
    { name: 'a negative number', query: 'rolls=-1', reason: 'out_of_range' },
    { name: 'a fraction', query: 'rolls=1.5', reason: 'not_an_integer' },
    {
      name: 'one above the maximum',
      query: `rolls=${MAX_ROLLS + 1}`,
      reason: 'out_of_range',
    },
    { name: 'an exponent', query: 'rolls=1e2', reason: 'not_an_integer' },
    { name: 'a hex number', query: 'rolls=0x10', reason: 'not_an_integer' },
    {
      name: 'surrounding space',
      query: 'rolls=%207',
      reason: 'not_an_integer',
    },
    {
      name: 'a broken percent-escape',
      query: 'rolls=%zz',
      reason: 'not_an_integer',
    },
    { name: 'an empty value', query: 'rolls=', reason: 'empty' },
    {
      name: 'a repeated parameter',
      query: 'rolls=1&rolls=2',
      reason: 'repeated',
    },
    {
      name: '8,000 digits',
      query: `rolls=${'9'.repeat(8_000)}`,
      reason: 'out_of_range',
    },
  ])('$name ($reason)', async ({ query, reason }) => {
    const response = await httpGet(`${baseUrl()}/rolldice?${query}`, {
      timeoutMs: 10_000,
    });
    expect({ status: response.status, body: parseJson(response.body) }).toEqual(
      {
        status: 400,
        body: {
          error: 'invalid_parameter',
          parameter: 'rolls',
          reason,
          message: ROLLS_MESSAGE,
        },
      },
    );
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    await expectStillHealthy();
  });

  it('while the boundaries 1 and the maximum are accepted', async () => {
    for (const n of [1, MAX_ROLLS]) {
      const response = await httpGet(`${baseUrl()}/rolldice?rolls=${n}`, {
        timeoutMs: 10_000,
      });
      expect(response.status).toBe(200);
      const rolls = parseJson(response.body);
      expect(
        Array.isArray(rolls) &&
          rolls.length === n &&
          rolls.every((v) => Number.isInteger(v) && v >= 1 && v <= 6),
      ).toBe(true);
    }
    await expectStillHealthy();
  });
});

describe('a rolls after 1,000 other query parameters', () => {
  it('answers 400 naming the limit, instead of rolling once as if rolls were not there', async () => {
    const response = await httpGet(
      `${baseUrl()}/rolldice?${'a=1&'.repeat(1_000)}rolls=3`,
      { timeoutMs: 10_000 },
    );
    expect({ status: response.status, body: parseJson(response.body) }).toEqual(
      {
        status: 400,
        body: {
          error: 'too_many_parameters',
          limit: 1_000,
          message: 'a query may have at most 1000 parameters',
        },
      },
    );
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    await expectStillHealthy();
  });
});

describe('unknown routes answer 404', () => {
  it.each([
    '/nope',
    '/rolldice/extra',
    '/ROLLDICE/../nope',
    '/metrics/x',
    '/%E0%A4%A',
  ])('GET %s', async (path) => {
    const response = await httpGet(`${baseUrl()}${path}`, {
      timeoutMs: 10_000,
    });
    // Documented: "anything else: 404 JSON".
    expect({ status: response.status, body: parseJson(response.body) }).toEqual(
      {
        status: 404,
        body: expect.objectContaining({ error: 'not_found' }),
      },
    );
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    await expectStillHealthy();
  });
});

describe('a request head beyond 16 KiB', () => {
  it('is refused by Node with 431 before it reaches the app', async () => {
    const padding = 'x'.repeat(NODE_MAX_HEADER_BYTES);
    const response = await httpGet(
      `${baseUrl()}/rolldice?rolls=1&pad=${padding}`,
      { timeoutMs: 10_000 },
    );
    expect(response.status).toBe(431);
    await expectStillHealthy();
  });
});

describe('an invalid APP_PORT stops the process at start-up', () => {
  afterEach(() => stopAllProcesses());

  it.each([
    'abc',
    '0',
    '-1',
    '65536',
    '5000abc',
    '1e3',
    '0x1F',
    '80.0',
    ' 80',
    '',
    '   ',
  ])('APP_PORT=%j exits 1 naming the variable', async (value) => {
    const child = await spawnNodeProcess({
      main: DICE_API_MAIN,
      env: { APP_PORT: value },
    });
    const exit = await withDeadline(
      child.exited,
      15_000,
      'the app to exit on an invalid APP_PORT',
    );
    expect(exit).toEqual({ code: 1, signal: null });
    expect(child.stderrLines).toContain(
      `dice-api: invalid configuration: APP_PORT must be an integer between 1 and 65535, got ${JSON.stringify(value)}`,
    );
    // It never got as far as listening.
    expect(
      child.jsonLines().filter((line) => line['msg'] === 'listening'),
    ).toEqual([]);
  });

  it.each([
    [{ OTEL_BSP_SCHEDULE_DELAY: 'soon' }, 'OTEL_BSP_SCHEDULE_DELAY'],
    [
      { TELEMETRY_PROMETHEUS_TARGET_INFO: 'everything' },
      'TELEMETRY_PROMETHEUS_TARGET_INFO',
    ],
    [{ TELEMETRY_PROMETHEUS_CACHE_MS: '1s' }, 'TELEMETRY_PROMETHEUS_CACHE_MS'],
    [
      {
        TELEMETRY_PROMETHEUS_HEADERS_TIMEOUT_MS: '30000',
        TELEMETRY_PROMETHEUS_REQUEST_TIMEOUT_MS: '20000',
      },
      'TELEMETRY_PROMETHEUS_HEADERS_TIMEOUT_MS',
    ],
  ])(
    'an unusable telemetry value (%j) exits 1 with one line naming %s',
    async (env, variable) => {
      const child = await spawnNodeProcess({ main: DICE_API_MAIN, env });
      const exit = await withDeadline(
        child.exited,
        15_000,
        `the app to exit on an invalid ${variable}`,
      );
      expect(exit).toEqual({ code: 1, signal: null });
      expect(child.stderrLines).toEqual([
        expect.stringMatching(
          new RegExp(`^dice-api: cannot start telemetry: ${variable}=`),
        ),
      ]);
    },
  );

  it('a port already in use exits 1 with a one-line reason', async () => {
    const port = await getFreePort();
    const squatter = await listenOn(port);
    try {
      // A collector port nobody listens on: this test is about the HTTP port only.
      const traceEndpoint = `http://127.0.0.1:${await getFreePort()}`;
      const child = await spawnNodeProcess({
        main: DICE_API_MAIN,
        port,
        env: { TRACE_ENDPOINT: traceEndpoint },
      });
      const exit = await withDeadline(
        child.exited,
        15_000,
        'the app to exit on a busy APP_PORT',
      );
      expect(exit).toEqual({ code: 1, signal: null });
      expect(child.stderrLines.join('\n')).toMatch(
        /^dice-api: failed to start: .*EADDRINUSE/m,
      );
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
  });
});

function listenOn(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
