/**
 * The BUILT bundle (apps/dice-api/dist/main.js, produced by `nx build dice-api`, a dependency of
 * this test target) run as `node main.js` with no flags, exporting OTLP/gRPC to a real receiver
 * on 127.0.0.1. Proves what only the artifact can: the require hooks patch the external express
 * and node:http of the bundle, spans reach the wire with the right shape, logs carry the ids of
 * the exported spans, and SIGTERM flushes everything before exit 0.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  SpanKindNumber,
  spawnNodeProcess,
  startNodeApp,
  startOtlpReceiver,
  stopAllProcesses,
  type NodeProcess,
  type OtlpReceiver,
  type ReceivedSpan,
  type StopResult,
} from '@otel-dice/test-support';

jest.setTimeout(60_000);

const PROJECT_ROOT = join(__dirname, '..');
const MAIN = join(PROJECT_ROOT, 'dist', 'main.js');
const MANIFEST = JSON.parse(
  readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8'),
) as {
  version: string;
  dependencies: Record<string, string>;
};
const PACKAGE_VERSION = MANIFEST.version;
const STATUS_UNSET = 0;
const STATUS_ERROR = 2;

let receiver: OtlpReceiver;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
});

afterAll(async () => {
  await stopAllProcesses();
  await receiver?.stop();
});

function spansOf(serviceName: string): ReceivedSpan[] {
  return receiver.spans.filter(
    (span) => span.resource['service.name'] === serviceName,
  );
}

function traceOf(traceId: string): ReceivedSpan[] {
  return receiver.traces().get(traceId) ?? [];
}

function single<T>(items: readonly T[], what: string): T {
  if (items.length !== 1)
    throw new Error(`expected exactly one ${what}, found ${items.length}`);
  return items[0];
}

function serverSpanIn(trace: readonly ReceivedSpan[]): ReceivedSpan {
  return single(
    trace.filter((span) => span.kind === SpanKindNumber.SERVER),
    'SERVER span',
  );
}

function isExpressSpan(span: ReceivedSpan): boolean {
  return (
    span.scope.name.includes('instrumentation-express') &&
    typeof span.attributes['express.type'] === 'string'
  );
}

/** A W3C traceparent naming a fresh trace, as an upstream caller would send it. */
function newTraceparent(): {
  header: string;
  traceId: string;
  parentSpanId: string;
} {
  const traceId = randomBytes(16).toString('hex');
  const parentSpanId = randomBytes(8).toString('hex');
  return { header: `00-${traceId}-${parentSpanId}-01`, traceId, parentSpanId };
}

function isRequestLog(route: string, status: number) {
  return (line: Record<string, unknown>) =>
    line['msg'] === 'request completed' &&
    line['route'] === route &&
    line['status'] === status;
}

describe('built dice-api: happy path, then SIGTERM flushes every span', () => {
  const SERVICE = 'dice-api-artifact';
  let app: NodeProcess;
  let single1: { body: string; log: Record<string, unknown> };
  let multi: {
    traceparent: ReturnType<typeof newTraceparent>;
    body: number[];
    status: number;
  };
  let invalid: {
    traceparent: ReturnType<typeof newTraceparent>;
    status: number;
    body: unknown;
  };
  let metricsText: string;
  let spansBeforeShutdown: number;
  let stopped: StopResult;

  beforeAll(async () => {
    app = await startNodeApp({
      main: MAIN,
      env: {
        TRACE_ENDPOINT: receiver.endpoint,
        APP_SERVICE_NAME: SERVICE,
        DICE_FAULT: 'off',
        // Nothing leaves the batch processor before shutdown: whatever the receiver has after
        // exit was flushed by the SIGTERM path.
        OTEL_BSP_SCHEDULE_DELAY: '60000',
      },
    });

    const first = await fetch(`${app.baseUrl}/rolldice`);
    expect(first.status).toBe(200);
    const firstBody = await first.text();
    single1 = {
      body: firstBody,
      log: await app.waitForJsonLine(isRequestLog('/rolldice', 200)),
    };

    const traceparent = newTraceparent();
    const second = await fetch(`${app.baseUrl}/rolldice?rolls=4`, {
      headers: { traceparent: traceparent.header },
    });
    multi = {
      traceparent,
      status: second.status,
      body: (await second.json()) as number[],
    };

    const badTraceparent = newTraceparent();
    const third = await fetch(`${app.baseUrl}/rolldice?rolls=zero`, {
      headers: { traceparent: badTraceparent.header },
    });
    invalid = {
      traceparent: badTraceparent,
      status: third.status,
      body: await third.json(),
    };

    metricsText = await (await fetch(`${app.baseUrl}/metrics`)).text();
    await app.waitForJsonLine(isRequestLog('/rolldice', 400));

    spansBeforeShutdown = spansOf(SERVICE).length;
    stopped = await app.stop('SIGTERM', 15_000);
  });

  it('exits 0 on SIGTERM, on its own, well inside 10 s, and says so', () => {
    expect(stopped).toMatchObject({ code: 0, signal: null, forcedKill: false });
    expect(stopped.durationMs).toBeLessThan(10_000);
    const messages = app.jsonLines().map((line) => line['msg']);
    expect(messages).toEqual(
      expect.arrayContaining([
        'listening',
        'shutdown started',
        'shutdown complete',
      ]),
    );
  });

  it('had exported nothing before SIGTERM and everything after it', () => {
    expect(spansBeforeShutdown).toBe(0);
    // 3 requests: 3 server spans; the single roll and the 4 rolls each in one do_roll span
    // (the invalid request rolls nothing).
    expect(
      spansOf(SERVICE).filter((span) => span.name === 'do_roll'),
    ).toHaveLength(2);
    expect(
      spansOf(SERVICE).filter((span) => span.kind === SpanKindNumber.SERVER),
    ).toHaveLength(3);
  });

  it('traces GET /rolldice as one trace: server span with route and status, do_roll and do_important_job below it', () => {
    const traceId = String(single1.log['trace_id']);
    const trace = traceOf(traceId);
    const server = serverSpanIn(trace);
    expect(server.parentSpanId).toBeUndefined();
    expect(server.name).toBe('GET /rolldice');
    expect(server.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/rolldice',
      'http.response.status_code': 200,
    });
    expect(server.status.code).toBe(STATUS_UNSET);

    const roll = single(
      trace.filter((span) => span.name === 'do_roll'),
      'do_roll span',
    );
    const value = roll.attributes['roll.value'];
    expect(typeof value).toBe('number');
    expect(Number.isInteger(value)).toBe(true);
    expect(value).toBeGreaterThanOrEqual(1);
    expect(value).toBeLessThanOrEqual(7);
    expect(String(value)).toBe(single1.body);

    const job = single(
      trace.filter((span) => span.name === 'do_important_job'),
      'do_important_job span',
    );
    // Direct children: the library keeps Express layer spans off by default.
    for (const child of [roll, job]) {
      expect(child.parentSpanId).toBe(server.spanId);
      expect(child.traceId).toBe(server.traceId);
    }
  });

  it('names the server span by the Express route, so the bundle loaded a patched express', () => {
    // Only the Express instrumentation can tell the http instrumentation the matched route: an
    // unpatched (e.g. bundled) express leaves http.route unset and the span named plain `GET`.
    const trace = traceOf(String(single1.log['trace_id']));
    const server = serverSpanIn(trace);
    expect(server.attributes['http.route']).toBe('/rolldice');
    expect(server.name).toBe('GET /rolldice');
    // and no Express layer span was made: they are off by default (expressLayerSpans)
    expect(trace.filter(isExpressSpan)).toEqual([]);
  });

  it('logs the trace_id and span_id of the exported server span', () => {
    const server = serverSpanIn(traceOf(String(single1.log['trace_id'])));
    expect(single1.log).toMatchObject({
      method: 'GET',
      route: '/rolldice',
      status: 200,
      trace_id: server.traceId,
      span_id: server.spanId,
      name: SERVICE,
    });
  });

  it('continues an incoming W3C trace and puts the rolls in one do_roll span', () => {
    expect(multi.status).toBe(200);
    const trace = traceOf(multi.traceparent.traceId);
    const server = serverSpanIn(trace);
    expect(server.parentSpanId).toBe(multi.traceparent.parentSpanId);
    const rolls = trace.filter((span) => span.name === 'do_roll');
    expect(rolls.map((span) => span.attributes)).toEqual([
      { 'roll.count': 4, 'roll.values': multi.body },
    ]);
    expect(multi.body).toHaveLength(4);
  });

  it('answers 400 for a bad rolls value without marking the server span ERROR', () => {
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({
      error: 'invalid_parameter',
      parameter: 'rolls',
    });
    const trace = traceOf(invalid.traceparent.traceId);
    const server = serverSpanIn(trace);
    expect(server.attributes['http.response.status_code']).toBe(400);
    expect(server.status.code).toBe(STATUS_UNSET);
    expect(trace.filter((span) => span.name === 'do_roll')).toHaveLength(0);
  });

  it('names the service from APP_SERVICE_NAME and versions it from package.json', () => {
    const spans = spansOf(SERVICE);
    expect(spans.length).toBeGreaterThan(0);
    expect(
      spans.every(
        (span) => span.resource['service.version'] === PACKAGE_VERSION,
      ),
    ).toBe(true);
  });

  it('served Prometheus metrics on its own port, including the HTTP server duration by route', () => {
    expect(metricsText).toMatch(/^request_counter_total(\{[^}]*\})? 3$/m);
    expect(metricsText).toMatch(
      /^system_cpu_time_total\{[^}]*cpu="cpu0"[^}]*state="user"[^}]*\} \d/m,
    );
    const durationCount = metricsText
      .split('\n')
      .find(
        (line) =>
          line.startsWith('http_server_request_duration_count{') &&
          line.includes('http_route="/rolldice"') &&
          line.includes('http_response_status_code="200"'),
      );
    expect(Number(durationCount?.split(' ').at(-1))).toBe(2);
  });
});

describe('built dice-api: the fault path', () => {
  let app: NodeProcess;

  beforeAll(async () => {
    app = await startNodeApp({
      main: MAIN,
      env: {
        TRACE_ENDPOINT: receiver.endpoint,
        // OTEL_SERVICE_NAME wins over APP_SERVICE_NAME.
        OTEL_SERVICE_NAME: 'dice-api-faulty',
        APP_SERVICE_NAME: 'dice-api-not-this-one',
        DICE_FAULT: 'always',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
    });
  });

  afterAll(async () => {
    const stopped = await app?.stop('SIGTERM', 15_000);
    expect(stopped).toMatchObject({ code: 0, forcedKill: false });
  });

  it('answers 500 and exports an ERROR server span with status code 500 and the 7 in do_roll', async () => {
    const res = await fetch(`${app.baseUrl}/rolldice`);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('something went wrong!');

    const log = await app.waitForJsonLine(isRequestLog('/rolldice', 500));
    expect(log['level']).toBe(50);
    const traceId = String(log['trace_id']);
    await receiver.waitForSpans(
      (spans) =>
        spans.some(
          (s) => s.traceId === traceId && s.kind === SpanKindNumber.SERVER,
        ),
      {
        what: `the server span of trace ${traceId}`,
      },
    );
    await receiver.waitForSpans(
      (spans) =>
        spans.some((s) => s.traceId === traceId && s.name === 'do_roll'),
      {
        what: `the do_roll span of trace ${traceId}`,
      },
    );

    const trace = traceOf(traceId);
    const server = serverSpanIn(trace);
    expect(server.status.code).toBe(STATUS_ERROR);
    expect(server.attributes['http.response.status_code']).toBe(500);
    expect(server.attributes['http.route']).toBe('/rolldice');
    expect(log['span_id']).toBe(server.spanId);
    expect(
      single(
        trace.filter((span) => span.name === 'do_roll'),
        'do_roll',
      ).attributes['roll.value'],
    ).toBe(7);
    expect(
      trace.every(
        (span) => span.resource['service.name'] === 'dice-api-faulty',
      ),
    ).toBe(true);
  });
});

describe('built dice-api: bundle shape', () => {
  const bundle = readFileSync(MAIN, 'utf8');
  const required = [
    ...new Set(
      // require("x"), and require.resolve("x") for a package loaded from its own directory
      [...bundle.matchAll(/\brequire(?:\.resolve)?\("([^"]+)"\)/g)].map(
        (match) => match[1],
      ),
    ),
  ];

  /** `@scope/name/sub/path` → `@scope/name`, `name/sub` → `name`. */
  const packageOf = (specifier: string) =>
    specifier
      .split('/')
      .slice(0, specifier.startsWith('@') ? 2 : 1)
      .join('/');

  it('keeps express, pino and @opentelemetry/* external, so the require hooks can patch them', () => {
    expect(required).toEqual(
      expect.arrayContaining(['express', 'pino', '@opentelemetry/api']),
    );
    const packages = required.filter(
      (specifier) => !specifier.startsWith('node:'),
    );
    expect(
      packages
        .filter(
          (name) =>
            !(
              name === 'express' ||
              name === 'pino' ||
              name.startsWith('@opentelemetry/')
            ),
        )
        .sort(),
      // The two other packages: the Forwarded header parser of the upstream HTTP
      // instrumentation, which the library's server spans use to read headers the same way, and
      // the YAML parser of @opentelemetry/configuration, which reads OTEL_CONFIG_FILE strictly.
    ).toEqual(['forwarded-parse', 'yaml']);
  });

  it('declares exactly the packages the bundle requires, so the pruned lockfile can install them', () => {
    // The bundled library's npm dependencies become the app's: `nx prune` only installs what
    // this package.json lists.
    const packages = [
      ...new Set(
        required
          .filter((specifier) => !specifier.startsWith('node:'))
          .map(packageOf),
      ),
    ].sort();
    expect(Object.keys(MANIFEST.dependencies).sort()).toEqual(packages);
  });

  it('bundles the workspace telemetry library instead of requiring it', () => {
    expect(required.filter((name) => name.startsWith('@otel-dice/'))).toEqual(
      [],
    );
    expect(bundle).toContain('function startTelemetry(');
  });
});

describe('built dice-api: configuration errors', () => {
  it.each(['70000', 'http', ''])(
    'exits non-zero before starting anything when APP_PORT=%j',
    async (port) => {
      const app = await spawnNodeProcess({
        main: MAIN,
        env: { APP_PORT: port, TRACE_ENDPOINT: receiver.endpoint },
      });
      const exit = await app.exited;
      expect(exit).toEqual({ code: 1, signal: null });
      expect(app.stdoutLines).toEqual([]);
      expect(app.stderrLines).toEqual([
        `dice-api: invalid configuration: APP_PORT must be an integer between 1 and 65535, got ${JSON.stringify(port)}`,
      ]);
    },
  );
});
