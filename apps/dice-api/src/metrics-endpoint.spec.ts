/**
 * GET /metrics with the real @otel-dice/telemetry library in-process: the exposition the app
 * serves after traffic. (Traces are switched off here; the built-artifact test covers them.)
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { startTelemetry, type Telemetry } from '@otel-dice/telemetry';
import { waitUntil } from '@otel-dice/test-support';
import { createApp } from './app.js';

describe('GET /metrics (real telemetry library)', () => {
  let telemetry: Telemetry;
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    telemetry = startTelemetry({
      defaultServiceName: 'dice-api-metrics-test',
      env: { OTEL_TRACES_EXPORTER: 'none' },
    });
    // Faces 1..6 in turn, so the expected per-face counts are known.
    let draws = 0;
    const app = createApp({
      telemetry,
      diceFault: 'off',
      random: (min, max) => (max === 10_000 ? min : (draws++ % 6) + 1),
    });
    server = createServer(app);
    await new Promise<void>((resolve) =>
      server.listen(0, '127.0.0.1', resolve),
    );
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await telemetry.shutdown();
  });

  async function scrape(): Promise<{
    contentType: string | null;
    body: string;
  }> {
    const res = await fetch(`${baseUrl}/metrics`);
    expect(res.status).toBe(200);
    return {
      contentType: res.headers.get('content-type'),
      body: await res.text(),
    };
  }

  /** Value of the one sample of `name` whose labels include all of `labels`. */
  function sample(
    body: string,
    name: string,
    labels: Record<string, string> = {},
  ): number | undefined {
    const matches = body
      .split('\n')
      .filter(
        (line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `),
      )
      .filter((line) =>
        Object.entries(labels).every(([key, value]) =>
          line.includes(`${key}="${value}"`),
        ),
      );
    if (matches.length > 1)
      throw new Error(
        `${matches.length} samples of ${name} match ${JSON.stringify(labels)}`,
      );
    return matches.length === 0
      ? undefined
      : Number(matches[0].slice(matches[0].lastIndexOf(' ') + 1));
  }

  it('counts /rolldice requests, rolls by face and CPU time per cpu and state', async () => {
    for (let i = 0; i < 3; i++)
      expect((await fetch(`${baseUrl}/rolldice`)).status).toBe(200);
    expect((await fetch(`${baseUrl}/rolldice?rolls=9`)).status).toBe(200);
    expect((await fetch(`${baseUrl}/rolldice?rolls=nope`)).status).toBe(400);

    const { contentType, body } = await scrape();
    expect(contentType).toMatch(/^text\/plain/);

    // 5 requests, 12 rolls cycling 1..6 → two of each face.
    expect(sample(body, 'request_counter_total')).toBe(5);
    for (const face of ['1', '2', '3', '4', '5', '6']) {
      expect(sample(body, 'dice_rolls_total', { roll_value: face })).toBe(2);
    }
    expect(
      sample(body, 'dice_rolls_total', { roll_value: '7' }),
    ).toBeUndefined();

    for (let cpu = 0; cpu < cpus().length; cpu++) {
      for (const state of ['user', 'system']) {
        const seconds = sample(body, 'system_cpu_time_total', {
          cpu: `cpu${cpu}`,
          state,
        });
        expect({ cpu, state, seconds }).toEqual({
          cpu,
          state,
          seconds: expect.any(Number),
        });
        expect(seconds).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('keeps counting across scrapes (cumulative counters)', async () => {
    const before = sample((await scrape()).body, 'request_counter_total') ?? 0;
    await fetch(`${baseUrl}/rolldice`);
    // The library renders the page at most once a second, so the next one may still be the
    // same page for a moment.
    await waitUntil(
      async () =>
        sample((await scrape()).body, 'request_counter_total') === before + 1,
      {
        what: `request_counter_total to reach ${before + 1}`,
        timeoutMs: 5_000,
      },
    );
  });
});
