import { join } from 'node:path';
import type { ExporterModel } from './config/model.js';
import { resolveTelemetryConfig } from './config/resolve.js';
import { protocolHint, protocolOptions } from './protocol-hint.js';

describe('protocolHint', () => {
  it('gRPC against an HTTP/1.1 port: use http/protobuf', () => {
    const error = Object.assign(
      new Error(
        '14 UNAVAILABLE: No connection established. Last error: Protocol error (…)',
      ),
      { code: 14 },
    );
    expect(protocolHint('grpc', error)).toBe(
      'the endpoint answers HTTP/1.1, not gRPC: if it is an OTLP/HTTP endpoint (port 4318 by convention), set OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf',
    );
  });

  it('HTTP against a gRPC port: use grpc', () => {
    const error = Object.assign(
      new Error('Parse Error: Expected HTTP/, RTSP/ or ICE/'),
      {
        code: 'HPE_INVALID_CONSTANT',
      },
    );
    expect(protocolHint('http/protobuf', error)).toMatch(
      /set OTEL_EXPORTER_OTLP_PROTOCOL=grpc$/,
    );
    expect(protocolHint('http/json', error)).toMatch(
      /set OTEL_EXPORTER_OTLP_PROTOCOL=grpc$/,
    );
  });

  it('415: the other HTTP encoding', () => {
    const error = Object.assign(new Error('Unsupported Media Type'), {
      code: 415,
    });
    expect(protocolHint('http/json', error)).toBe(
      'the endpoint does not accept JSON: set OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf',
    );
    expect(protocolHint('http/protobuf', error)).toBe(
      'the endpoint does not accept protobuf: set OTEL_EXPORTER_OTLP_PROTOCOL=http/json',
    );
  });

  it('404 from an OTLP path: grpc, or the path', () => {
    const error = Object.assign(new Error('Not Found'), { code: 404 });
    expect(protocolHint('http/protobuf', error)).toMatch(
      /^nothing answers OTLP at that path: if the endpoint is an OTLP\/gRPC port .*set OTEL_EXPORTER_OTLP_PROTOCOL=grpc; otherwise check the path/,
    );
  });

  it('with the configuration from a file, names the exporter kind there, not the variable', () => {
    const grpcError = Object.assign(
      new Error('14 UNAVAILABLE: Protocol error'),
      {
        code: 14,
      },
    );
    expect(protocolHint('grpc', grpcError, true)).toBe(
      'the endpoint answers HTTP/1.1, not gRPC: if it is an OTLP/HTTP endpoint (port 4318 by convention), make this exporter `otlp_http` with `encoding: protobuf` in OTEL_CONFIG_FILE',
    );
    const unsupported = Object.assign(new Error('Unsupported Media Type'), {
      code: 415,
    });
    expect(protocolHint('http/protobuf', unsupported, true)).toBe(
      'the endpoint does not accept protobuf: make this exporter `otlp_http` with `encoding: json` in OTEL_CONFIG_FILE',
    );
    const notFound = Object.assign(new Error('Not Found'), { code: 404 });
    const hint = protocolHint('http/protobuf', notFound, true) ?? '';
    expect(hint).toContain(
      'make this exporter `otlp_grpc` in OTEL_CONFIG_FILE',
    );
    expect(hint).toContain("a file's endpoint is used as given");
    expect(hint).not.toContain('OTEL_EXPORTER_OTLP_');
  });

  it('knows from the resolved configuration where the protocol was chosen', () => {
    const fromEnv = resolveTelemetryConfig({
      defaultServiceName: 'x',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317' },
    });
    const fromFile = resolveTelemetryConfig({
      defaultServiceName: 'x',
      env: {
        OTEL_CONFIG_FILE: join(
          __dirname,
          'config',
          'fixtures',
          'stable-parts.yaml',
        ),
      },
    });
    const exporter = {
      otlp_grpc: { endpoint: 'http://127.0.0.1:4317' },
    } as ExporterModel;
    expect(protocolOptions(exporter, fromEnv)).toEqual({
      protocol: 'grpc',
      protocolInFile: false,
    });
    expect(protocolOptions(exporter, fromFile)).toEqual({
      protocol: 'grpc',
      protocolInFile: true,
    });
  });

  it('says nothing for failures that are not about the protocol', () => {
    const refused = Object.assign(
      new Error('14 UNAVAILABLE: connect ECONNREFUSED'),
      { code: 14 },
    );
    expect(protocolHint('grpc', refused)).toBeUndefined();
    expect(
      protocolHint(
        'http/protobuf',
        Object.assign(new Error('x'), { code: 503 }),
      ),
    ).toBeUndefined();
    expect(
      protocolHint('grpc', Object.assign(new Error('x'), { code: 415 })),
    ).toBeUndefined();
    expect(protocolHint(undefined, refused)).toBeUndefined();
    expect(protocolHint('grpc', undefined)).toBeUndefined();
  });
});
