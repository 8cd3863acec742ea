/**
 * What one round came to, decided from dice-api's answer. Pure.
 *
 * dice-api's single roll (GET /rolldice) answers 200 with the face as plain text, or 500 with
 * "something went wrong!" when the die shows its impossible seventh face.
 */
import { redactText } from '@otel-dice/telemetry/redact';

export const FACES = [1, 2, 3, 4, 5, 6] as const;
export type Face = (typeof FACES)[number];

/** Why a round failed; the `reason` label of errors_total. */
export const ERROR_REASONS = [
  'http_status',
  'invalid_body',
  'network',
  'timeout',
] as const;
export type ErrorReason = (typeof ERROR_REASONS)[number];

export type Outcome =
  | { readonly kind: 'face'; readonly face: Face }
  | {
      readonly kind: 'error';
      readonly reason: ErrorReason;
      /** One line for logs and the span status; never the whole response body. */
      readonly message: string;
      /** HTTP status when dice-api answered at all. */
      readonly status?: number;
    };

/** The `outcome` label of rolls_total: the face, or "error". */
export type OutcomeLabel = `${Face}` | 'error';

export function outcomeLabel(outcome: Outcome): OutcomeLabel {
  return outcome.kind === 'face' ? `${outcome.face}` : 'error';
}

/** Longest excerpt of a response body quoted in an error message. */
export const BODY_EXCERPT_CHARS = 120;

export function classifyResponse(status: number, body: string): Outcome {
  if (status !== 200) {
    return {
      kind: 'error',
      reason: 'http_status',
      status,
      message: `dice-api answered HTTP ${status}: ${excerpt(body)}`,
    };
  }
  const face = parseFace(body);
  if (face === undefined) {
    return {
      kind: 'error',
      reason: 'invalid_body',
      status,
      message: `dice-api answered 200 without a face 1..6: ${excerpt(body)}`,
    };
  }
  return { kind: 'face', face };
}

/** A request that got no response at all. */
export function classifyFailure(error: unknown, timedOut: boolean): Outcome {
  // Node's messages name hosts, not credentials; redacted anyway, as everything the apps print.
  const detail = redactText(
    error instanceof Error ? error.message : String(error),
  );
  return timedOut
    ? {
        kind: 'error',
        reason: 'timeout',
        message: `no answer from dice-api in time: ${detail}`,
      }
    : {
        kind: 'error',
        reason: 'network',
        message: `request to dice-api failed: ${detail}`,
      };
}

export function parseFace(body: string): Face | undefined {
  const text = body.trim();
  if (!/^[1-6]$/.test(text)) return undefined;
  return Number(text) as Face;
}

function excerpt(body: string): string {
  const oneLine = body.replace(/\s+/g, ' ').trim();
  if (oneLine === '') return '(empty body)';
  return oneLine.length <= BODY_EXCERPT_CHARS
    ? JSON.stringify(oneLine)
    : `${JSON.stringify(oneLine.slice(0, BODY_EXCERPT_CHARS))}…`;
}
