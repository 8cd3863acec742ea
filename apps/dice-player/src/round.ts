/**
 * One round: a `play_round` span around one /rolldice call. The HTTP client span the
 * instrumentation creates for that call is a child of `play_round` (it runs in its active
 * context) and carries `traceparent`, so dice-api's server span joins the same trace.
 *
 * Status: the http instrumentation already marks the client span ERROR for a network error and
 * for any 4xx/5xx response. `play_round` is the player's own span, so it is marked here for every
 * failed round — a 500, a garbled body, a timeout — with the reason as the status message.
 */
import { SpanStatusCode, type Span, type Tracer } from '@opentelemetry/api';
import { classifyFailure, classifyResponse, type Outcome } from './outcome.js';
import { RollRequestError, type RollClient } from './roll-client.js';

export const ROUND_SPAN_NAME = 'play_round';

export interface RoundDeps {
  readonly tracer: Tracer;
  readonly client: Pick<RollClient, 'roll'>;
}

export interface RoundResult {
  readonly outcome: Outcome;
  /** Ids of the round's span, for correlating log lines with the trace. */
  readonly traceId: string;
  readonly spanId: string;
}

/** Plays one round. Never rejects: every failure is an `error` outcome. */
export function playRound(
  { tracer, client }: RoundDeps,
  round: number,
): Promise<RoundResult> {
  return tracer.startActiveSpan(
    ROUND_SPAN_NAME,
    { attributes: { 'player.round': round } },
    async (span) => {
      try {
        const outcome = await rollOnce(client);
        annotate(span, outcome);
        const { traceId, spanId } = span.spanContext();
        return { outcome, traceId, spanId };
      } finally {
        span.end();
      }
    },
  );
}

async function rollOnce(client: Pick<RollClient, 'roll'>): Promise<Outcome> {
  try {
    const { status, body } = await client.roll();
    return classifyResponse(status, body);
  } catch (error) {
    return classifyFailure(
      error,
      error instanceof RollRequestError && error.timedOut,
    );
  }
}

function annotate(span: Span, outcome: Outcome): void {
  if (outcome.kind === 'face') {
    // The same attribute name dice-api puts on its do_roll span.
    span.setAttribute('roll.value', outcome.face);
    return;
  }
  span.setAttribute(
    'error.type',
    outcome.status === undefined ? outcome.reason : String(outcome.status),
  );
  span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.message });
}
