import { protocolHint } from './protocol-hint.js';

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
