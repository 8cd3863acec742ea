import { generateKeyPairSync } from 'node:crypto';
import { TelemetryConfigError } from './config/errors.js';
import { resolveTelemetryConfig } from './config/resolve.js';
import { readPemFiles } from './tls.js';

const keyPem = Buffer.from(
  generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString(),
);

/** A self-signed test certificate (CN=otel-dice-test), not a secret of anything. */
const certPem = Buffer.from(`-----BEGIN CERTIFICATE-----
MIIBhjCCAS2gAwIBAgIUE+fC4eLABfwM088NRuiFlwb3N1wwCgYIKoZIzj0EAwIw
GTEXMBUGA1UEAwwOb3RlbC1kaWNlLXRlc3QwHhcNMjYxMjA3MTU1OTQ5WhcNMzYx
MjA0MTU1OTQ5WjAZMRcwFQYDVQQDDA5vdGVsLWRpY2UtdGVzdDBZMBMGByqGSM49
AgEGCCqGSM49AwEHA0IABLOEs8WzkSvFeMJxWJERydVb7sDyt1G3AMdWDgZigNY/
Mv2Vzei73fPUlE7gErSmSLRsW34YzfYHXAzLcxguJE+jUzBRMB0GA1UdDgQWBBSa
DWfBCITZnBrSdKcr5ma9DdSZpjAfBgNVHSMEGDAWgBSaDWfBCITZnBrSdKcr5ma9
DdSZpjAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0cAMEQCIBxX2g6HjXFm
+gmyXF2eQbeTI1yo+pXm8Lm0qqqKzFbsAiBALM826F2pdriPLNpPdRpBg+Iivowt
nGrta4ZDBhKeLQ==
-----END CERTIFICATE-----
`);

/** The configuration these variables resolve to (https endpoints unless told otherwise). */
function config(env: Record<string, string>) {
  return resolveTelemetryConfig({
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c:4317', ...env },
    defaultServiceName: 'x',
  });
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
    '/cert.pem': certPem,
    '/garbage.pem': Buffer.from('not a pem'),
  };
  const read = (path: string) => {
    const file = files[path];
    if (!file)
      throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return file;
  };

  it('reads each file once and hands its bytes to the exporters', () => {
    const reads: string[] = [];
    const store = readPemFiles(
      config({
        OTEL_METRICS_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_CLIENT_KEY: '/key.pem',
        OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: '/cert.pem',
      }),
      (path) => {
        reads.push(path);
        return read(path);
      },
    );
    expect(reads.sort()).toEqual(['/cert.pem', '/key.pem']);
    expect(store.get('/key.pem')).toBe(keyPem);
    expect(store.get(undefined)).toBeUndefined();
  });

  it('names the variable of an unreadable file', () => {
    const error = errorOf(() =>
      readPemFiles(
        config({ OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: '/missing.pem' }),
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
          config({ OTEL_EXPORTER_OTLP_CERTIFICATE: '/garbage.pem' }),
          read,
        ),
      ).message,
    ).toMatch(/cannot be used: not a PEM certificate$/);
    expect(
      errorOf(() =>
        readPemFiles(
          config({
            OTEL_EXPORTER_OTLP_CLIENT_KEY: '/garbage.pem',
            OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: '/cert.pem',
          }),
          read,
        ),
      ).message,
    ).toMatch(/not a PEM private key$/);
  });

  it('does not read files for an exporter without TLS', () => {
    expect(() =>
      readPemFiles(
        config({
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317',
          OTEL_EXPORTER_OTLP_CERTIFICATE: '/missing.pem',
        }),
        read,
      ),
    ).not.toThrow();
  });
});
