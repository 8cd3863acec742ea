import { generateKeyPairSync } from 'node:crypto';
import type { ExporterConfig, PemFileRef } from './config/model.js';
import { TelemetryConfigError } from './config/errors.js';
import { readPemFiles } from './tls.js';

const keyPem = Buffer.from(
  generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString(),
);

function exporter(
  tls: Partial<{
    ca: PemFileRef;
    clientKey: PemFileRef;
    clientCertificate: PemFileRef;
  }>,
  secure = true,
): ExporterConfig {
  return {
    kind: 'otlp',
    otlp: {
      protocol: 'grpc',
      endpoint: 'https://c:4317',
      endpointSource: 'default',
      headers: {},
      compression: 'none',
      timeoutMillis: 1000,
      tls: { secure, ...tls },
    },
  };
}

function errorOf(fn: () => unknown): TelemetryConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(TelemetryConfigError);
    return error as TelemetryConfigError;
  }
  throw new Error('expected a TelemetryConfigError');
}

describe('readPemFiles', () => {
  const files: Record<string, Buffer> = {
    '/key.pem': keyPem,
    '/garbage.pem': Buffer.from('not a pem'),
  };
  const read = (path: string) => {
    const file = files[path];
    if (!file)
      throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return file;
  };

  it('reads each file once and hands its bytes to the exporters', () => {
    const clientKey = {
      path: '/key.pem',
      source: 'OTEL_EXPORTER_OTLP_CLIENT_KEY',
    };
    const store = readPemFiles(
      [exporter({ clientKey }), exporter({ clientKey })],
      read,
    );
    expect(store.get(clientKey)).toBe(keyPem);
    expect(store.get(undefined)).toBeUndefined();
  });

  it('names the variable of an unreadable file', () => {
    const error = errorOf(() =>
      readPemFiles(
        [
          exporter({
            ca: {
              path: '/missing.pem',
              source: 'OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE',
            },
          }),
        ],
        read,
      ),
    );
    expect(error.variable).toBe('OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE');
    expect(error.message).toBe(
      'OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE="/missing.pem" cannot be used: cannot read the file (ENOENT)',
    );
  });

  it('refuses a file that is not the PEM it should be', () => {
    expect(
      errorOf(() =>
        readPemFiles(
          [
            exporter({
              ca: {
                path: '/garbage.pem',
                source: 'OTEL_EXPORTER_OTLP_CERTIFICATE',
              },
            }),
          ],
          read,
        ),
      ).message,
    ).toMatch(/cannot be used: not a PEM certificate$/);
    expect(
      errorOf(() =>
        readPemFiles(
          [
            exporter({
              clientKey: {
                path: '/garbage.pem',
                source: 'OTEL_EXPORTER_OTLP_CLIENT_KEY',
              },
            }),
          ],
          read,
        ),
      ).message,
    ).toMatch(/not a PEM private key$/);
  });

  it('does not read files for an exporter without TLS', () => {
    expect(() =>
      readPemFiles(
        [exporter({ ca: { path: '/missing.pem', source: 'X' } }, false)],
        read,
      ),
    ).not.toThrow();
  });
});
