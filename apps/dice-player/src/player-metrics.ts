/**
 * The player's own instruments, served on its /metrics next to the library's:
 *   rolls_total{outcome="1".."6"|"error"}   one per round
 *   errors_total{reason="http_status"|"invalid_body"|"network"|"timeout"}   one per failed round
 * so sum(rolls_total{outcome="error"}) == sum(errors_total).
 *
 * (The Prometheus exporter appends `_total` to counters; the OTel instrument names are `rolls`
 * and `errors`.)
 */
import type { Counter, Meter } from '@opentelemetry/api';
import { outcomeLabel, type Outcome } from './outcome.js';

export interface PlayerMetrics {
  record(outcome: Outcome): void;
}

export function createPlayerMetrics(meter: Meter): PlayerMetrics {
  const rolls: Counter = meter.createCounter('rolls', {
    description: 'Rounds played, by outcome: the face shown (1..6) or error',
    unit: '{roll}',
  });
  const errors: Counter = meter.createCounter('errors', {
    description: 'Rounds that failed, by reason',
    unit: '{error}',
  });
  return {
    record(outcome) {
      rolls.add(1, { outcome: outcomeLabel(outcome) });
      if (outcome.kind === 'error') errors.add(1, { reason: outcome.reason });
    },
  };
}
