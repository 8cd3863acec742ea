import { gzipSync } from 'node:zlib';
import {
  decodeContentEncoding,
  decodeStatusBody,
  DEFAULT_OTLP_HTTP_PATHS,
  encodingForContentType,
  OtlpHttpError,
  signalForPath,
  statusBody,
} from './otlp-http-request.js';
import { hexIdsToBytes } from './otlp-json.js';

describe('OTLP/HTTP request steps', () => {
  it('maps content types to encodings, ignoring case and parameters', () => {
    expect(encodingForContentType('application/x-protobuf')).toBe('protobuf');
    expect(encodingForContentType('Application/JSON; charset=utf-8')).toBe(
      'json',
    );
    expect(encodingForContentType('application/protobuf')).toBeUndefined();
    expect(encodingForContentType('text/plain')).toBeUndefined();
    expect(encodingForContentType(undefined)).toBeUndefined();
  });

  it('routes the default paths, ignoring the query string, and nothing else', () => {
    expect(signalForPath('/v1/traces', DEFAULT_OTLP_HTTP_PATHS)).toBe('traces');
    expect(signalForPath('/v1/metrics?x=1', DEFAULT_OTLP_HTTP_PATHS)).toBe(
      'metrics',
    );
    expect(signalForPath('/v1/logs', DEFAULT_OTLP_HTTP_PATHS)).toBe('logs');
    expect(signalForPath('/v1/logs/', DEFAULT_OTLP_HTTP_PATHS)).toBeUndefined();
    expect(
      signalForPath('/v1/traces/v1/traces', DEFAULT_OTLP_HTTP_PATHS),
    ).toBeUndefined();
    expect(signalForPath(undefined, DEFAULT_OTLP_HTTP_PATHS)).toBeUndefined();
  });

  it('undoes gzip, passes identity through, and maps failures to 415/400/413', () => {
    const body = Buffer.from('x'.repeat(1000));
    expect(decodeContentEncoding(body, undefined, 2000)).toEqual({
      body,
      compression: 'none',
    });
    expect(decodeContentEncoding(body, 'identity', 2000).compression).toBe(
      'none',
    );
    expect(decodeContentEncoding(gzipSync(body), 'GZIP', 2000)).toEqual({
      body,
      compression: 'gzip',
    });
    const failure = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return error instanceof OtlpHttpError ? error.status : error;
      }
      return 'no error';
    };
    expect(failure(() => decodeContentEncoding(body, 'zstd', 2000))).toBe(415);
    expect(failure(() => decodeContentEncoding(body, 'gzip', 2000))).toBe(400);
    expect(
      failure(() => decodeContentEncoding(gzipSync(body), 'gzip', 999)),
    ).toBe(413);
  });

  it('encodes a google.rpc.Status in either encoding', () => {
    expect(decodeStatusBody(statusBody('protobuf', 400, 'bad'))).toEqual({
      code: 3,
      message: 'bad',
    });
    expect(JSON.parse(statusBody('json', 413, 'big').toString())).toEqual({
      code: 8,
      message: 'big',
    });
  });

  it('turns hex ids into bytes wherever they are nested, and names a malformed one by its path', () => {
    const converted = hexIdsToBytes({
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                {
                  traceId: 'AB01',
                  spanId: '',
                  body: { stringValue: 'traceId' },
                },
              ],
            },
          ],
        },
      ],
    });
    expect(converted).toEqual({
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                {
                  traceId: Buffer.from([0xab, 0x01]),
                  spanId: Buffer.alloc(0),
                  body: { stringValue: 'traceId' },
                },
              ],
            },
          ],
        },
      ],
    });
    expect(() =>
      hexIdsToBytes({
        resourceSpans: [{ scopeSpans: [{ spans: [{ spanId: 'xyz0' }] }] }],
      }),
    ).toThrow(
      '$.resourceSpans[0].scopeSpans[0].spans[0].spanId must be hex-encoded',
    );
    expect(() => hexIdsToBytes({ traceId: 'abc' })).toThrow(
      /must be hex-encoded/,
    );
  });
});
