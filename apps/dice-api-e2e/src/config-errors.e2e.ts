/**
 * ISSUE 10 — loud on bad input: every unusable standard setting stops the built dice-api at
 * start-up with exit code 1 and exactly one line on stderr naming the variable and what it
 * accepts. Values that may hold credentials are not echoed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  getFreePort,
  spawnNodeProcess,
  stopAllProcesses,
  waitUntil,
} from '@otel-dice/test-support';
import { exporterWarnings } from './support/app-output.js';
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
    /names nosuchthing, which @opentelemetry\/auto-instrumentations-node does not provide/,
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

/**
 * ISSUE 20 — OTEL_CONFIG_FILE read strictly and bounded, and nothing that reaches stderr names a
 * credential. Each case: exit 1 within the deadline, exactly one line, nothing listening.
 */
describe('OTEL_CONFIG_FILE', () => {
  const TOKEN = 'tok-SECRET-123';
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dice-config-file-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const VALID = `file_format: "1.0"
tracer_provider:
  processors:
    - simple:
        exporter:
          console:
`;
  const write = (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  async function refusal(path: string): Promise<string> {
    const child = await spawnNodeProcess({
      main: DICE_API_MAIN,
      env: { OTEL_CONFIG_FILE: path, COLLECTOR_TOKEN: TOKEN },
    });
    expect(
      await withDeadline(child.exited, 15_000, 'the app to refuse the file'),
    ).toEqual({ code: 1, signal: null });
    expect(child.stderrLines).toHaveLength(1);
    expect(
      child.jsonLines().filter((line) => line['msg'] === 'listening'),
    ).toEqual([]);
    const all = child.lines.map((l) => l.text).join('\n');
    expect(all).not.toContain(TOKEN);
    const line = child.stderrLines[0];
    expect(line).toMatch(/^dice-api: cannot start telemetry: OTEL_CONFIG_FILE/);
    const prefix = `dice-api: cannot start telemetry: OTEL_CONFIG_FILE=${JSON.stringify(path)} cannot be used: `;
    return line.startsWith(prefix) ? line.slice(prefix.length) : line;
  }

  it.each([
    [
      'a duplicate key',
      `${VALID}  sampler:\n    always_off:\n  sampler:\n    always_on:\n`,
      ':9:3: YAML error: duplicate key "sampler"',
    ],
    [
      'an unterminated quote',
      `file_format: "1.0"\nresource:\n  attributes:\n    - name: service.name\n      value: "unterminated\n`,
      ':5:14: YAML error: Missing closing "quote',
    ],
    [
      'bad indentation',
      `${VALID}   sampler:\n      always_on:\n`,
      ':7:4: YAML error: All mapping items must start at the same column',
    ],
  ])(
    'with %s exits 1 naming file, line and column',
    async (_what, yaml, where) => {
      const path = write(`${_what.replace(/\W+/g, '-')}.yaml`, yaml);
      expect(await refusal(path)).toBe(`${path}${where}`);
    },
  );

  it('never prints a substituted value', async () => {
    expect(
      await refusal(write('token.yaml', 'file_format: ${COLLECTOR_TOKEN}\n')),
    ).toBe(
      'Unsupported file_format: "***". Expected "MAJOR.MINOR" version numbers.',
    );
    expect(
      await refusal(
        write(
          'endpoint.yaml',
          VALID.replace(
            'console:',
            'otlp_grpc:\n            endpoint: ${COLLECTOR_TOKEN}',
          ),
        ),
      ),
    ).toBe(
      'dice-api: cannot start telemetry: OTEL_CONFIG_FILE (tracer_provider.processors[0].simple.exporter.otlp_grpc.endpoint)="***" is invalid: expected http://host:port, https://host:port or host:port',
    );
  });

  it('refuses a FIFO at once, without waiting for a writer', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(await refusal(fifo)).toBe(
      'it is a FIFO (named pipe); only a regular file is read',
    );
  });

  it('refuses /dev/zero without reading it', async () => {
    expect(await refusal('/dev/zero')).toBe(
      'it is a character device; only a regular file is read',
    );
  });

  it('refuses a file over 1 MiB before reading it', async () => {
    const path = write('big.yaml', Buffer.alloc(2 * 1024 * 1024, 0x20));
    expect(await refusal(path)).toBe(
      `it is ${2 * 1024 * 1024} bytes; at most 1048576 bytes (1 MiB) are read`,
    );
  });
});

/**
 * ISSUE 20 — the four shapes in which URL credentials were still printed: a password with `@`
 * (the start-up line showed its tail), with `/` (echoed whole), `user:pass@host:port` without a
 * scheme (echoed whole), and `…/v1/traces?api_key=…` (printed as is).
 */
describe('URL credentials', () => {
  it.each([
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'http://user:p@ss-w0rd@127.0.0.1:PORT', 0],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'http://user:p/ss-w0rd@127.0.0.1:PORT', 1],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'user:p-ss-w0rd@127.0.0.1:PORT', 1],
    [
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
      'http://127.0.0.1:PORT/v1/traces?api_key=p-ss-w0rd',
      0,
    ],
  ])('%s=%s is printed nowhere', async (variable, value, exitCode) => {
    // a port nothing listens on: every export fails, and says so
    const port = String(await getFreePort());
    const child = await spawnNodeProcess({
      main: DICE_API_MAIN,
      env: {
        [variable]: value.replace('PORT', port),
        ...(variable.includes('TRACES')
          ? { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }
          : {}),
        OTEL_BSP_SCHEDULE_DELAY: '100',
        DICE_FAULT: 'off',
      },
    });
    if (exitCode === 0) {
      await waitUntil(
        () =>
          child.jsonLines().some((line) => line['msg'] === 'listening') ||
          undefined,
        { timeoutMs: 15_000, what: 'the app to listen' },
      );
      // a roll, so an export is attempted (nothing listens there) and its warning printed
      await fetch(`${child.baseUrl}/rolldice`);
      await waitUntil(
        () => exporterWarnings(child.lines).length > 0 || undefined,
        { timeoutMs: 15_000, what: 'the export warning' },
      );
      await child.stop('SIGTERM');
    } else {
      expect(
        await withDeadline(child.exited, 15_000, 'the app to exit'),
      ).toEqual({ code: 1, signal: null });
    }
    const all = child.lines.map((l) => l.text).join('\n');
    expect(all).toMatch(/\*\*\*/);
    expect(all).not.toMatch(/p.ss-w0rd|ss-w0rd|w0rd/);
  });
});
