/**
 * The player's score: how many rounds showed each face, how many failed and why. Pure and
 * immutable, so the loop, the logs and the tests all see consistent snapshots.
 */
import {
  ERROR_REASONS,
  FACES,
  type ErrorReason,
  type Face,
  type Outcome,
} from './outcome.js';

export interface Score {
  readonly rounds: number;
  readonly faces: Readonly<Record<Face, number>>;
  readonly errors: Readonly<Record<ErrorReason, number>>;
  /** Sum of the faces shown; the player's points. */
  readonly points: number;
}

export function emptyScore(): Score {
  return {
    rounds: 0,
    faces: zeroes(FACES),
    errors: zeroes(ERROR_REASONS),
    points: 0,
  };
}

export function recordOutcome(score: Score, outcome: Outcome): Score {
  if (outcome.kind === 'face') {
    return {
      ...score,
      rounds: score.rounds + 1,
      faces: { ...score.faces, [outcome.face]: score.faces[outcome.face] + 1 },
      points: score.points + outcome.face,
    };
  }
  return {
    ...score,
    rounds: score.rounds + 1,
    errors: {
      ...score.errors,
      [outcome.reason]: score.errors[outcome.reason] + 1,
    },
  };
}

export function errorCount(score: Score): number {
  return ERROR_REASONS.reduce((sum, reason) => sum + score.errors[reason], 0);
}

/** Flat fields for the final log line. */
export function summarize(score: Score): Record<string, number> {
  const succeeded = score.rounds - errorCount(score);
  return {
    rounds: score.rounds,
    errors: errorCount(score),
    points: score.points,
    // Two decimals are plenty for a die; NaN-free when nothing succeeded.
    mean_face:
      succeeded === 0 ? 0 : Math.round((score.points / succeeded) * 100) / 100,
  };
}

function zeroes<K extends string | number>(
  keys: readonly K[],
): Record<K, number> {
  return Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>;
}
