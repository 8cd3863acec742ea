/**
 * ISSUE 10 — export security on the wire, for every protocol: TLS against a CA made in the test,
 * the auth header arriving (and never printed), the wrong CA failing with one warning line and no
 * crash, mTLS refused without the client certificate and accepted with it (per-signal variables).
 */
import {
  createTestPki,
  startOtlpHttpReceiver,
  startOtlpReceiver,
  stopAllProcesses,
  waitUntil,
  type NodeProcess,
  type OtlpReceiver,
  type ReceiverTlsOptions,
  type TestPki,
  type TestPkiFiles,
} from '@otel-dice/test-support';
import { createServer, type Server, type Socket } from 'node:net';
import { crashSigns, exporterWarnings } from './support/app-output.js';
import { healthStatus, startConfiguredDiceApi } from './support/dice-api.js';
import { serverSpans } from './support/traces.js';

const PROTOCOLS = ['grpc', 'http/protobuf', 'http/json'] as const;
type Protocol = (typeof PROTOCOLS)[number];

const SECRET = 's3cr3t-t0ken';
const PASSWORD = 'pa55word';

let pki: TestPki;
let files: TestPkiFiles;
let receiver: OtlpReceiver | undefined;

beforeAll(async () => {
  pki = await createTestPki();
  files = await pki.writeFiles();
});
afterAll(() => files.remove());
afterEach(async () => {
  await stopAllProcesses();
  await receiver?.stop();
  receiver = undefined;
});

function startTlsReceiver(
  protocol: Protocol,
  requireClientCert = false,
): Promise<OtlpReceiver> {
  const tls: ReceiverTlsOptions = {
    key: pki.server.key,
    cert: pki.server.cert,
    ca: pki.ca.cert,
    requireClientCert,
  };
  return protocol === 'grpc'
    ? startOtlpReceiver({ tls })
    : startOtlpHttpReceiver({ tls });
}

/**
 * `https://localhost:PORT`: the server certificate names localhost (and 127.0.0.1); gRPC over TLS
 * to an IP address makes Node print a one-time deprecation line that would blur the
 * one-warning-line check. The receiver itself listens on 127.0.0.1 only.
 */
function httpsEndpoint(r: OtlpReceiver, userInfo = ''): string {
  return `https://${userInfo}localhost:${r.port}`;
}

function env(
  protocol: Protocol,
  endpoint: string,
  extra: Record<string, string> = {},
) {
  return {
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_BSP_SCHEDULE_DELAY: '100',
    DICE_FAULT: 'off',
    ...extra,
  };
}

function allOutput(app: NodeProcess): string {
  return app.lines.map((line) => line.text).join('\n');
}

async function roll(app: NodeProcess): Promise<void> {
  const response = await fetch(`${app.baseUrl}/rolldice`);
  expect(response.status).toBe(200);
}

/** Export fails: exactly one warning line, the app keeps serving, nothing crashed. */
async function expectOneWarningAndService(app: NodeProcess): Promise<string> {
  const [warning] = await waitUntil(
    () => {
      const warnings = exporterWarnings(app.lines);
      return warnings.length > 0 ? warnings : undefined;
    },
    { timeoutMs: 20_000, what: 'the export warning' },
  );
  for (let i = 0; i < 3; i++) await roll(app);
  await new Promise((resolve) => setTimeout(resolve, 1500)); // more failed batches, no more lines
  expect(exporterWarnings(app.lines)).toEqual([warning]);
  expect(await healthStatus(app)).toBe(200);
  expect(crashSigns(app.lines)).toEqual([]);
  expect(app.exitInfo).toBeUndefined();
  return warning;
}

describe.each(PROTOCOLS)('%s', (protocol) => {
  it('TLS with the configured CA: spans arrive, with the auth header and gzip, and the secret is printed nowhere', async () => {
    receiver = await startTlsReceiver(protocol);
    const app = await startConfiguredDiceApi(
      env(protocol, httpsEndpoint(receiver), {
        OTEL_EXPORTER_OTLP_CERTIFICATE: files.caCert,
        OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${SECRET},x-tenant=dice`,
        OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
        OTEL_EXPORTER_OTLP_TIMEOUT: '5000',
      }),
    );
    await roll(app);
    const spans = await receiver.waitForSpans(
      (s) => serverSpans(s).length > 0,
      {
        what: 'the server span over TLS',
      },
    );
    expect(receiver.exports[0]).toMatchObject({
      signal: 'traces',
      protocol,
      secure: true,
      compression: 'gzip',
    });
    expect(receiver.exports[0].headers['authorization']).toBe(
      `Bearer ${SECRET}`,
    );
    expect(receiver.exports[0].headers['x-tenant']).toBe('dice');
    expect(allOutput(app)).toContain('headers authorization=***,x-tenant=***');
    expect(allOutput(app)).not.toContain(SECRET);
    expect(
      JSON.stringify(spans, (_key, v: unknown) =>
        typeof v === 'bigint' ? String(v) : v,
      ),
    ).not.toContain(SECRET);
  });

  it('the wrong CA fails with one warning line, no credentials in it, and no crash', async () => {
    receiver = await startTlsReceiver(protocol);
    const app = await startConfiguredDiceApi(
      env(protocol, httpsEndpoint(receiver, `user:${PASSWORD}@`), {
        OTEL_EXPORTER_OTLP_CERTIFICATE: files.otherCaCert,
        OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${SECRET}`,
      }),
    );
    await roll(app);
    const warning = await expectOneWarningAndService(app);
    expect(warning).toMatch(
      /trace export to https:\/\/\*\*\*@localhost:\d+.* is failing/,
    );
    expect(receiver.spans).toEqual([]);
    expect(allOutput(app)).not.toContain(PASSWORD);
    expect(allOutput(app)).not.toContain(SECRET);
  });

  it('mTLS: refused without a client certificate', async () => {
    receiver = await startTlsReceiver(protocol, true);
    const app = await startConfiguredDiceApi(
      env(protocol, httpsEndpoint(receiver), {
        OTEL_EXPORTER_OTLP_CERTIFICATE: files.caCert,
      }),
    );
    await roll(app);
    await expectOneWarningAndService(app);
    expect(receiver.spans).toEqual([]);
  });

  it('mTLS: accepted with the client key and certificate given per signal', async () => {
    receiver = await startTlsReceiver(protocol, true);
    const app = await startConfiguredDiceApi(
      env(protocol, httpsEndpoint(receiver), {
        OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: files.caCert,
        OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY: files.clientKey,
        OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE: files.clientCert,
      }),
    );
    await roll(app);
    await receiver.waitForSpans((s) => serverSpans(s).length > 0, {
      what: 'the server span over mTLS',
    });
    expect(receiver.exports[0].secure).toBe(true);
    expect(receiver.exports[0].clientCertificateSubject).toEqual(
      expect.any(String),
    );
    expect(exporterWarnings(app.lines)).toEqual([]);
  });
});

describe.each(PROTOCOLS)(
  '%s: a timeout bounds an export to a collector that never answers',
  (protocol) => {
    let hung: Server | undefined;
    const sockets = new Set<Socket>();
    afterEach(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) =>
        hung ? hung.close(resolve) : resolve(undefined),
      );
      hung = undefined;
    });

    it('OTEL_EXPORTER_OTLP_TRACES_TIMEOUT=1000: the export fails after about a second, not the default ten', async () => {
      // Accepts connections and reads them, never answers: a hung collector.
      hung = createServer((socket) => {
        sockets.add(socket);
        socket.on('error', () => undefined);
        socket.resume();
      });
      const port = await new Promise<number>((resolve) =>
        hung?.listen(0, '127.0.0.1', () =>
          resolve((hung?.address() as { port: number }).port),
        ),
      );
      const app = await startConfiguredDiceApi(
        env(protocol, `http://127.0.0.1:${port}`, {
          OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '1000',
        }),
      );
      await roll(app);
      const started = Date.now();
      // The default timeout (10 s) would not fail the export within this wait.
      const [warning] = await waitUntil(
        () => {
          const warnings = exporterWarnings(app.lines);
          return warnings.length > 0 ? warnings : undefined;
        },
        { timeoutMs: 7_000, what: 'the export to time out' },
      );
      expect(warning).toMatch(
        /trace export to http:\/\/127\.0\.0\.1:\d+.* is failing/,
      );
      expect(Date.now() - started).toBeLessThan(7_000);
      expect(await healthStatus(app)).toBe(200);
    });
  },
);
