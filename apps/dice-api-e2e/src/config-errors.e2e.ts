/**
 * ISSUE 10 — loud on bad input: every unusable standard setting stops the built dice-api at
 * start-up with exit code 1 and exactly one line on stderr naming the variable and what it
 * accepts. Values that may hold credentials are not echoed.
 */
import { spawnNodeProcess, stopAllProcesses } from '@otel-dice/test-support';
import { withDeadline } from './support/deadline.js';
import { DICE_API_MAIN } from './support/dice-api.js';

afterEach(() => stopAllProcesses());

const SECRET = 's3cr3t-t0ken';

it.each([
  [
    'OTEL_EXPORTER_OTLP_PROTOCOL',
    'carrier-pigeon',
    /OTEL_EXPORTER_OTLP_PROTOCOL="carrier-pigeon" is invalid: supported values are grpc, http\/protobuf, http\/json$/,
  ],
  [
    'OTEL_EXPORTER_OTLP_LOGS_PROTOCOL',
    'smoke-signals',
    /supported values are grpc, http\/protobuf, http\/json$/,
  ],
  [
    'OTEL_METRICS_EXPORTER',
    'fax',
    /OTEL_METRICS_EXPORTER="fax" is invalid: supported values are prometheus, otlp, console, none$/,
  ],
  [
    'OTEL_TRACES_EXPORTER',
    'zipkin',
    /supported values are otlp, console, none$/,
  ],
  ['OTEL_LOGS_EXPORTER', 'syslog', /supported values are otlp, console, none$/],
  [
    'OTEL_PROPAGATORS',
    'xray',
    /supported values are tracecontext, baggage, b3, b3multi, jaeger, none$/,
  ],
  [
    'OTEL_TRACES_SAMPLER',
    'sometimes',
    /supported values are always_on, always_off/,
  ],
  [
    'OTEL_EXPORTER_OTLP_HEADERS',
    `authorization=Bearer ${SECRET},${SECRET}`,
    /OTEL_EXPORTER_OTLP_HEADERS is invalid: entry 2 of 2 is not key=value/,
  ],
  [
    'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    'collector:4318/v1/traces',
    /expected http:\/\/host:port, https:\/\/host:port or host:port$/,
  ],
  [
    'OTEL_METRIC_EXPORT_INTERVAL',
    'often',
    /OTEL_METRIC_EXPORT_INTERVAL="often" is invalid: must be an integer ≥ 1$/,
  ],
  ['OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', 'short', /must be an integer ≥ 0$/],
  ['OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT', '1.5', /must be an integer ≥ 0$/],
  ['OTEL_BSP_SCHEDULE_DELAY', 'soon', /must be an integer ≥ 1$/],
  [
    'OTEL_EXPORTER_OTLP_COMPRESSION',
    'brotli',
    /supported values are gzip, none$/,
  ],
  ['OTEL_EXPORTER_OTLP_INSECURE', 'yes', /supported values are true, false$/],
  ['OTEL_RESOURCE_ATTRIBUTES', 'team', /entry 1 \("team"\) is not key=value$/],
  [
    'OTEL_NODE_RESOURCE_DETECTORS',
    'gcp',
    /supported values are env, host, os, process, container, service, serviceinstance, all, none$/,
  ],
  [
    'OTEL_NODE_ENABLED_INSTRUMENTATIONS',
    'http,nosuchthing',
    /OTEL_NODE_ENABLED_INSTRUMENTATIONS="http,nosuchthing" is invalid: "nosuchthing" is not an instrumentation; valid names: amqplib, /,
  ],
  [
    'OTEL_CONFIG_FILE',
    '/nonexistent/otel.yaml',
    /OTEL_CONFIG_FILE="\/nonexistent\/otel\.yaml" cannot be used: ENOENT/,
  ],
])(
  '%s=%j exits 1 with one line naming it',
  async (variable, value, accepted) => {
    const child = await spawnNodeProcess({
      main: DICE_API_MAIN,
      env: { [variable]: value },
    });
    expect(
      await withDeadline(
        child.exited,
        15_000,
        'the app to exit on a bad setting',
      ),
    ).toEqual({ code: 1, signal: null });
    expect(child.stderrLines).toEqual([
      expect.stringMatching(
        new RegExp(`^dice-api: cannot start telemetry: ${variable}`),
      ),
    ]);
    expect(child.stderrLines[0]).toMatch(accepted);
    expect(child.stderrLines[0]).not.toContain(SECRET);
    expect(
      child.jsonLines().filter((line) => line['msg'] === 'listening'),
    ).toEqual([]);
  },
);

it('an unreadable certificate file exits 1 naming the variable', async () => {
  const child = await spawnNodeProcess({
    main: DICE_API_MAIN,
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://localhost:4317',
      OTEL_EXPORTER_OTLP_CERTIFICATE: '/nonexistent/ca.pem',
    },
  });
  expect(
    await withDeadline(
      child.exited,
      15_000,
      'the app to exit on a bad setting',
    ),
  ).toEqual({ code: 1, signal: null });
  expect(child.stderrLines).toEqual([
    'dice-api: cannot start telemetry: OTEL_EXPORTER_OTLP_CERTIFICATE="/nonexistent/ca.pem" cannot be used: cannot read the file (ENOENT)',
  ]);
});
