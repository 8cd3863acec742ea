import type { Outcome } from './outcome';
import { emptyScore, errorCount, recordOutcome, summarize } from './score';

const face = (n: 1 | 2 | 3 | 4 | 5 | 6): Outcome => ({ kind: 'face', face: n });
const http500: Outcome = {
  kind: 'error',
  reason: 'http_status',
  status: 500,
  message: 'HTTP 500',
};
const refused: Outcome = {
  kind: 'error',
  reason: 'network',
  message: 'ECONNREFUSED',
};

describe('score', () => {
  it('starts at zero everywhere', () => {
    expect(emptyScore()).toEqual({
      rounds: 0,
      faces: { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0 },
      errors: { http_status: 0, invalid_body: 0, network: 0, timeout: 0 },
      points: 0,
    });
    expect(summarize(emptyScore())).toEqual({
      rounds: 0,
      errors: 0,
      points: 0,
      mean_face: 0,
    });
  });

  it('counts faces, points and errors by reason', () => {
    const score = [face(6), face(3), http500, face(6), refused, http500].reduce(
      recordOutcome,
      emptyScore(),
    );
    expect(score.rounds).toBe(6);
    expect(score.faces).toEqual({ 1: 0, 2: 0, 3: 1, 4: 0, 5: 0, 6: 2 });
    expect(score.errors).toEqual({
      http_status: 2,
      invalid_body: 0,
      network: 1,
      timeout: 0,
    });
    expect(score.points).toBe(15);
    expect(errorCount(score)).toBe(3);
    expect(summarize(score)).toEqual({
      rounds: 6,
      errors: 3,
      points: 15,
      mean_face: 5,
    });
  });

  it('never changes the score it was given', () => {
    const before = emptyScore();
    recordOutcome(before, face(2));
    recordOutcome(before, http500);
    expect(before).toEqual(emptyScore());
  });

  it('rounds the mean face to two decimals', () => {
    const score = [face(1), face(1), face(2)].reduce(
      recordOutcome,
      emptyScore(),
    );
    expect(summarize(score).mean_face).toBe(1.33);
  });
});
