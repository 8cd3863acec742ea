/**
 * The one error the configuration model throws. Its message is one line that names where the
 * unusable value came from (an environment variable, a key of the configuration file, or a code
 * option) and what would have been accepted. Values that may carry credentials (headers, URLs with
 * user info) are never echoed: callers pass an already redacted `shown` value or none.
 */
export class TelemetryConfigError extends Error {
  override readonly name = 'TelemetryConfigError';

  constructor(
    /** Where the value came from: `OTEL_TRACES_EXPORTER`, `tracer_provider.processors[0]`, … */
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * `NAME="value" is invalid: expected` — the form every invalid value takes. `shown` is the value
 * as it may be printed (callers redact secrets); `undefined` leaves the value out entirely.
 */
export function invalidValue(
  variable: string,
  shown: string | undefined,
  expected: string,
): TelemetryConfigError {
  const value = shown === undefined ? '' : `=${JSON.stringify(shown)}`;
  return new TelemetryConfigError(
    variable,
    `${variable}${value} is invalid: ${expected}`,
  );
}
