/**
 * ISSUE 15 — the zero-code entry. fixtures/plain-express is an Express app with no telemetry
 * code; `node --import @otel-dice/telemetry/register` (ES module and CommonJS) or `--require`
 * (CommonJS) gives it, from OTEL_* variables alone:
 * - server spans named after the route, with `http.route` and the configured service name;
 * - with OTEL_METRICS_EXPORTER=prometheus, Prometheus metrics on a port of their own (nobody mounts
 *   a handler in the app; by default metrics go over OTLP where traces go, see shop-e2e);
 * - a flush on SIGTERM: with a 60 s batch delay nothing is exported while it runs (checked), yet
 *   every span arrives once it is stopped, and the process then ends by the signal as it would
 *   have without telemetry.
 * An unusable value stops the process before the app runs, with one line naming the variable.
 */
import { resolve } from 'node:path';
import {
  getFreePort,
  httpGet,
  spawnNodeProcess,
  startNodeApp,
  startOtlpReceiver,
  stopAllProcesses,
  type OtlpReceiver,
} from '@otel-dice/test-support';
import { serverSpans } from './support/traces.js';

const APP_DIR = resolve(__dirname, '../fixtures/plain-express');
const REQUESTS = 5;

let receiver: OtlpReceiver;

beforeEach(async () => {
  receiver = await startOtlpReceiver();
});

afterEach(async () => {
  await stopAllProcesses();
  await receiver.stop();
});

describe('--import @otel-dice/telemetry/register on an app with no telemetry code', () => {
  it.each([
    ['an ES module app', 'server.mjs', '--import'],
    ['a CommonJS app', 'server.cjs', '--import'],
    ['a CommonJS app', 'server.cjs', '--require'],
  ])(
    '%s (%s, %s): route-named server spans, metrics on their own port, flushed on SIGTERM',
    async (_kind, main, flag) => {
      const service = `plain-${main.replace('.', '-')}`;
      const metricsPort = await getFreePort();
      const app = await startNodeApp({
        cwd: APP_DIR,
        main,
        nodeArgs: [flag, '@otel-dice/telemetry/register'],
        env: {
          OTEL_SERVICE_NAME: service,
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
          // Only the shutdown flush can deliver within this test.
          OTEL_BSP_SCHEDULE_DELAY: '60000',
          // The register entry's default is OTLP for metrics and logs too: Prometheus is asked for.
          OTEL_METRICS_EXPORTER: 'prometheus',
          OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
          OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
        },
      });
      expect(app.stderrLines[0]).toMatch(
        new RegExp(
          `^\\[otel\\] telemetry: service ${service}; .*metrics prometheus on 127\\.0\\.0\\.1:${metricsPort}`,
        ),
      );
      for (let i = 0; i < REQUESTS; i++) {
        const response = await httpGet(`${app.baseUrl}/dice/6`);
        expect(response.status).toBe(200);
      }
      const metrics = await httpGet(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(metrics.status).toBe(200);
      expect(metrics.body).toMatch(
        new RegExp(
          `^http_server_request_duration_count\\{[^}]*http_route="/dice/:sides"[^}]*\\} ${REQUESTS}$`,
          'm',
        ),
      );
      expect(receiver.spans).toEqual([]);

      const stopped = await app.stop('SIGTERM');
      expect(stopped).toMatchObject({
        code: null,
        signal: 'SIGTERM',
        forcedKill: false,
      });
      const servers = serverSpans(receiver.spans);
      expect(servers).toHaveLength(REQUESTS);
      for (const span of servers) {
        expect(span.name).toBe('GET /dice/:sides');
        expect(span.attributes['http.route']).toBe('/dice/:sides');
        expect(span.resource['service.name']).toBe(service);
      }
      expect(app.stderrLines.filter((l) => l.includes('warning'))).toEqual([]);
    },
  );

  it('stops before the app runs, with one line naming the variable, on an unusable value', async () => {
    const app = await spawnNodeProcess({
      cwd: APP_DIR,
      main: 'server.mjs',
      nodeArgs: ['--import', '@otel-dice/telemetry/register'],
      env: { OTEL_TRACES_EXPORTER: 'zipkin2' },
    });
    expect(await app.exited).toEqual({ code: 1, signal: null });
    expect(app.stdoutLines).toEqual([]);
    expect(app.stderrLines).toEqual([
      expect.stringMatching(
        /^\[otel\] cannot start telemetry: OTEL_TRACES_EXPORTER="zipkin2" is invalid: /,
      ),
    ]);
  });
});
