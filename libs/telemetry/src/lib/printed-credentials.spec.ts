/**
 * Property: whatever a credential looks like, and wherever it sits in an endpoint URL (user info
 * with or without a scheme, a query value), it appears in nothing the library prints — the
 * start-up line, a configuration error, an export-outage warning quoting the endpoint in any of
 * the forms an exporter's message might, a diagnostics line — raw, percent-encoded or quoted,
 * whole or any 8 characters of it.
 *
 * Seeded, so a failure is reproducible: the message names the seed and the case; FUZZ_SEED=<n>
 * runs another sequence.
 */
import { inspect } from 'node:util';
import { ExportResultCode } from '@opentelemetry/core';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import { describeConfig } from './config/describe.js';
import {
  otlpExporters,
  settingsOf,
  type TelemetryConfig,
} from './config/model.js';
import { knownSecrets } from './config/redact.js';
import { resolveTelemetryConfig } from './config/resolve.js';
import { redactingDiagLogger } from './diagnostics.js';
import { ExportHealthSpanExporter } from './export-health.js';
import { redactingReporter } from './reporter.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 20);
const CASES = 400;

/** mulberry32: small, seeded, good enough to pick characters. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Everything a password may hold, the URL delimiters first: `@ / ? # : & = %`, quotes, a space.
const HOSTILE = '@/?#:&=%"\'` \\;,[]{}()<>|+!$*';
const PLAIN =
  'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~';

function credential(next: () => number): string {
  const length = 8 + Math.floor(next() * 17);
  let out = '';
  for (let i = 0; i < length; i++) {
    const pool = next() < 0.3 ? HOSTILE : PLAIN;
    out += pool[Math.floor(next() * pool.length)];
  }
  // A credential starts and ends with a plain character (a value is trimmed), and carries
  // enough of its own randomness not to occur in a printed line by chance.
  return `${PLAIN[Math.floor(next() * 52)]}${out}${PLAIN[Math.floor(next() * 52)]}Z9`;
}

type Shape = (secret: string) => { env: Record<string, string> };
const SHAPES: Record<string, Shape> = {
  'password in user info, grpc': (s) => ({
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://user:${s}@127.0.0.1:4317` },
  }),
  'token as user, https': (s) => ({
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: `https://${s}@127.0.0.1:4317` },
  }),
  'no scheme, grpc': (s) => ({
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: `user:${s}@127.0.0.1:4317` },
  }),
  'query value, http/protobuf per signal': (s) => ({
    env: {
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:4318/v1/traces?api_key=${s}`,
    },
  }),
  'password in user info, http/json base URL': (s) => ({
    env: {
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://user:${s}@127.0.0.1:4318`,
    },
  }),
  'the seed variable': (s) => ({
    env: { TRACE_ENDPOINT: `http://u:${s}@127.0.0.1:4317` },
  }),
  'a URL in the wrong variable': (s) => ({
    env: { OTEL_EXPORTER_OTLP_PROTOCOL: `http://u:${s}@127.0.0.1:4317` },
  }),
};

/** The forms an exporter's or the SDK's message may quote a URL in. */
function quotings(url: string): string[] {
  const forms = [
    url,
    JSON.stringify(url),
    inspect({ url }),
    `target dns:${url}`,
  ];
  try {
    forms.push(new URL(url).href);
  } catch {
    // not a WHATWG URL (no scheme): quoted as is
  }
  return forms;
}

/** Everything the library prints for one configuration. */
async function printedFor(env: Record<string, string>): Promise<string[]> {
  const printed: string[] = [];
  const sink = {
    warn: (m: string) => printed.push(m),
    info: (m: string) => printed.push(m),
  };
  let config: TelemetryConfig;
  try {
    config = resolveTelemetryConfig({ defaultServiceName: 'fuzz', env });
  } catch (error) {
    printed.push((error as Error).message);
    return printed;
  }
  const secrets = knownSecrets(config);
  const logger = redactingReporter(sink, secrets);
  logger.info(`telemetry: ${describeConfig(config)}`);
  for (const note of settingsOf(config).notes) logger.warn(note);

  const diag = redactingDiagLogger(secrets, (_level, line) =>
    printed.push(line),
  );
  for (const { settings } of otlpExporters(config)) {
    const { endpoint } = settings;
    diag.debug('exporter config', { url: endpoint });
    for (const quoted of quotings(endpoint)) {
      const failing: SpanExporter = {
        export: (_spans, done) =>
          done({
            code: ExportResultCode.FAILED,
            error: new Error(`connect ECONNREFUSED ${quoted}`),
          }),
        shutdown: async () => undefined,
      };
      const exporter = new ExportHealthSpanExporter(failing, endpoint, logger);
      await new Promise<void>((resolve) =>
        exporter.export([], () => resolve()),
      );
    }
  }
  return printed;
}

/** The secret, its encoded and quoted forms, and every 8-character piece of them. */
function forms(secret: string): string[] {
  const whole = [
    secret,
    encodeURIComponent(secret),
    JSON.stringify(secret).slice(1, -1),
  ];
  const pieces = whole.flatMap((form) =>
    Array.from({ length: form.length - 7 }, (_, i) => form.slice(i, i + 8)),
  );
  return [...whole, ...pieces];
}

describe.each(Object.entries(SHAPES))('a random credential: %s', (_, shape) => {
  it(`appears in nothing printed (${CASES} cases, seed ${SEED})`, async () => {
    const next = random(SEED);
    let printedLines = 0;
    for (let i = 0; i < CASES; i++) {
      const secret = credential(next);
      const { env } = shape(secret);
      const printed = await printedFor(env);
      printedLines += printed.length;
      for (const line of printed)
        for (const form of forms(secret))
          if (line.includes(form))
            throw new Error(
              `case ${i} (seed ${SEED}): ${JSON.stringify(secret)} printed as ${JSON.stringify(form)} in ${JSON.stringify(line)}`,
            );
    }
    // The property is about real lines: every case printed something.
    expect(printedLines).toBeGreaterThanOrEqual(CASES);
  });
});
