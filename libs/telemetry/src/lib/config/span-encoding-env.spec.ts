import { resolveOtlpSpanEncodingFromEnv } from './span-encoding-env.js';

describe('resolveOtlpSpanEncodingFromEnv', () => {
  it('encodes spans when they end unless told to leave it to the upstream exporter', () => {
    expect(resolveOtlpSpanEncodingFromEnv({})).toBe('on-end');
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
