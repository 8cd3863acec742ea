/**
 * ISSUE 15 — ES module apps. The dice service as an ES module with static imports
 * (fixtures/esm-dice), started the one supported way — `node --import ./telemetry.mjs
 * server.mjs` — sends the same traces as the CommonJS dice-api of traces.e2e.ts, checked by the
 * same `singleRollTraceProblems`: a `GET /rolldice` server span with `http.route`, `do_roll` and
 * `do_important_job` as its children, one trace id. Both loader hook mechanisms are proven (the
 * in-thread one the library picks on this Node, and `module.register()`), and the same service as
 * CommonJS (fixtures/cjs-dice) next to them.
 *
 * Started too late — the start module as the first static import, or express required before
 * startTelemetry() — the app still serves, its server spans really do lack the route, and the
 * library says so exactly once.
 */
import { resolve } from 'node:path';
import {
  startNodeApp,
  startOtlpReceiver,
  stopAllProcesses,
  type NodeProcess,
  type OtlpReceiver,
  type ReceivedSpan,
} from '@otel-dice/test-support';
import {
  completeRollTraces,
  serverSpans,
  singleRollTraceProblems,
} from './support/traces.js';

const FIXTURES = resolve(__dirname, '../fixtures');
const ESM = resolve(FIXTURES, 'esm-dice');
const CJS = resolve(FIXTURES, 'cjs-dice');
const ROLLS = 5;
const DEADLINE_MS = 30_000;
const LATE_START = /loaded before telemetry started/;

let receiver: OtlpReceiver;

beforeEach(async () => {
  receiver = await startOtlpReceiver();
});

afterEach(async () => {
  await stopAllProcesses();
  await receiver.stop();
});

function start(
  cwd: string,
  main: string,
  options: { nodeArgs?: string[]; env?: Record<string, string> } = {},
): Promise<NodeProcess> {
  return startNodeApp({
    cwd,
    main,
    nodeArgs: options.nodeArgs,
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      ...options.env,
    },
  });
}

async function roll(app: NodeProcess, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    const response = await fetch(`${app.baseUrl}/rolldice`);
    expect(response.status).toBe(200);
    await response.text();
  }
}

/** The complete /rolldice traces of `service`, once `count` of them arrived. */
async function rollTraces(
  service: string,
  count: number,
): Promise<ReceivedSpan[][]> {
  const ofService = (spans: readonly ReceivedSpan[]) =>
    spans.filter((s) => s.resource['service.name'] === service);
  await receiver.waitForSpans(
    (spans) => completeRollTraces(ofService(spans)).size >= count,
    { timeoutMs: DEADLINE_MS, what: `${count} /rolldice traces of ${service}` },
  );
  return [...completeRollTraces(ofService(receiver.spans)).values()];
}

function lateStartLines(app: NodeProcess): string[] {
  return app.stderrLines.filter((line) => LATE_START.test(line));
}

describe('an ES module Express app with static imports', () => {
  it.each([
    ['auto: in-thread module.registerHooks on this Node', undefined, 'sync'],
    ['async: module.register', 'async', 'async'],
  ])(
    'started with node --import of its start module (%s): its server spans carry http.route, app spans hang under them',
    async (_mode, hookMode, expectedMode) => {
      const app = await start(ESM, 'server.mjs', {
        nodeArgs: ['--import', './telemetry.mjs'],
        env: hookMode ? { ESM_LOADER_HOOK: hookMode } : {},
      });
      expect(app.stderrLines).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^esm-dice: loader hook \\{"status":"registered","mode":"${expectedMode}","modules":\\[.*"express"`,
          ),
        ),
      );
      await roll(app, ROLLS);
      const traces = await rollTraces('esm-dice', ROLLS);
      expect(traces).toHaveLength(ROLLS);
      for (const trace of traces)
        expect(singleRollTraceProblems(trace)).toEqual([]);
      expect(lateStartLines(app)).toEqual([]);
      // The app's own SIGTERM handler closes the server; flushOnExit flushed before that.
      expect(await app.stop('SIGTERM')).toMatchObject({
        code: 0,
        forcedKill: false,
      });
    },
  );

  it('the same service as CommonJS, telemetry started before require(): the same traces', async () => {
    const app = await start(CJS, 'main.cjs');
    await roll(app, ROLLS);
    const traces = await rollTraces('cjs-dice', ROLLS);
    for (const trace of traces)
      expect(singleRollTraceProblems(trace)).toEqual([]);
    expect(lateStartLines(app)).toEqual([]);
  });

  it('started from its first static import instead: serves, loses the route, and says so once', async () => {
    const app = await start(ESM, 'first-import.mjs');
    await roll(app, ROLLS);
    // The trace still arrives (http is patched) but without the Express instrumentation.
    await receiver.waitForSpans(
      (spans) =>
        serverSpans(spans).length >= ROLLS &&
        spans.filter((s) => s.name === 'do_important_job').length >= ROLLS,
      { timeoutMs: DEADLINE_MS, what: `${ROLLS} server spans of esm-dice` },
    );
    for (const server of serverSpans(receiver.spans)) {
      expect(server.name).toBe('GET');
      expect(server.attributes['http.route']).toBeUndefined();
    }
    const warnings = lateStartLines(app);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      'express was loaded before telemetry started',
    );
    expect(warnings[0]).toContain('node --import');
  });

  it('CommonJS with express required before startTelemetry(): says so once, at start', async () => {
    const app = await start(CJS, 'late.cjs');
    const warnings = lateStartLines(app);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^\[otel\] warning: express was loaded/);
    // By the check at start: the line right after the start-up line, before the app listened.
    const startLine = app.stderrLines.findIndex((l) =>
      l.startsWith('[otel] telemetry: service cjs-dice-late;'),
    );
    expect(app.stderrLines[startLine + 1]).toBe(warnings[0]);
    await roll(app, 2);
    expect(lateStartLines(app)).toHaveLength(1);
  });
});
