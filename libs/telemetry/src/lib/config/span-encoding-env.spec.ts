import { resolveOtlpSpanEncodingFromEnv } from './span-encoding-env.js';

describe('resolveOtlpSpanEncodingFromEnv', () => {
  it('leaves serialization to the upstream exporter unless told to encode spans when they end', () => {
    expect(resolveOtlpSpanEncodingFromEnv({})).toBe('upstream');
    expect(
      resolveOtlpSpanEncodingFromEnv({
        TELEMETRY_OTLP_SPAN_ENCODING: ' Upstream ',
      }),
    ).toBe('upstream');
    expect(
      resolveOtlpSpanEncodingFromEnv({
        TELEMETRY_OTLP_SPAN_ENCODING: 'on-end',
      }),
    ).toBe('on-end');
  });

  it('refuses anything else, naming the variable', () => {
    expect(() =>
      resolveOtlpSpanEncodingFromEnv({
        TELEMETRY_OTLP_SPAN_ENCODING: 'worker',
      }),
    ).toThrow(
      /TELEMETRY_OTLP_SPAN_ENCODING.*supported values are on-end, upstream/,
    );
  });
});
