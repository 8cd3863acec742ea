import { redactText, redactValue } from './redact.js';

/**
 * The one error the configuration model throws. Its message is one line that names where the
 * unusable value came from (an environment variable, a key of the configuration file, or a code
 * option) and what would have been accepted. Values that may carry credentials (headers, URLs with
 * user info) are never echoed: callers pass an already redacted `shown` value or none, and the
 * message as a whole goes through redactText as well, so a URL that reaches it some other way
 * (a value in the wrong variable, a message quoted from elsewhere) is masked too.
 */
export class TelemetryConfigError extends Error {
  override readonly name = 'TelemetryConfigError';

  constructor(
    /** Where the value came from: `OTEL_TRACES_EXPORTER`, `tracer_provider.processors[0]`, … */
    readonly variable: string,
    message: string,
  ) {
    super(redactText(message));
  }
}

/**
 * `NAME="value" is invalid: expected` — the form every invalid value takes. `shown` is the value
 * as it may be printed (callers redact secrets; a URL-shaped value is redacted here again, whole,
 * whatever variable it was set in); `undefined` leaves the value out entirely.
 */
export function invalidValue(
  variable: string,
  shown: string | undefined,
  expected: string,
): TelemetryConfigError {
  const value =
    shown === undefined ? '' : `=${JSON.stringify(redactValue(shown))}`;
  return new TelemetryConfigError(
    variable,
    `${variable}${value} is invalid: ${expected}`,
  );
}
