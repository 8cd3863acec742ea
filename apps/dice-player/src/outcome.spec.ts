import {
  BODY_EXCERPT_CHARS,
  classifyFailure,
  classifyResponse,
  outcomeLabel,
  parseFace,
} from './outcome';

describe('classifyResponse', () => {
  it.each([1, 2, 3, 4, 5, 6])('200 "%i" is that face', (face) => {
    expect(classifyResponse(200, `${face}`)).toEqual({ kind: 'face', face });
  });

  it("dice-api's 500 is an http_status error quoting the body", () => {
    expect(classifyResponse(500, 'something went wrong!')).toEqual({
      kind: 'error',
      reason: 'http_status',
      status: 500,
      message: 'dice-api answered HTTP 500: "something went wrong!"',
    });
  });

  it('any other status is an error too, even with a face in the body', () => {
    expect(classifyResponse(404, '3')).toMatchObject({
      kind: 'error',
      reason: 'http_status',
      status: 404,
    });
    expect(classifyResponse(204, '')).toMatchObject({
      message: 'dice-api answered HTTP 204: (empty body)',
    });
  });

  it.each(['7', '0', '3.0', '[3]', '', 'six'])(
    '200 %j is invalid_body',
    (body) => {
      expect(classifyResponse(200, body)).toMatchObject({
        kind: 'error',
        reason: 'invalid_body',
        status: 200,
      });
    },
  );

  it('quotes at most a short one-line excerpt of a long body', () => {
    const outcome = classifyResponse(502, `<html>\n${'x'.repeat(500)}</html>`);
    if (outcome.kind !== 'error') throw new Error('expected an error');
    expect(outcome.message).not.toContain('\n');
    expect(outcome.message.length).toBeLessThan(BODY_EXCERPT_CHARS + 40);
    expect(outcome.message.endsWith('…')).toBe(true);
  });
});

describe('classifyFailure', () => {
  it('tells a timeout from a network error', () => {
    expect(classifyFailure(new Error('timed out'), true)).toEqual({
      kind: 'error',
      reason: 'timeout',
      message: 'no answer from dice-api in time: timed out',
    });
    expect(
      classifyFailure(new Error('connect ECONNREFUSED 127.0.0.1:5000'), false),
    ).toEqual({
      kind: 'error',
      reason: 'network',
      message:
        'request to dice-api failed: connect ECONNREFUSED 127.0.0.1:5000',
    });
  });
});

describe('parseFace / outcomeLabel', () => {
  it('accepts surrounding whitespace only', () => {
    expect(parseFace(' 4\n')).toBe(4);
    expect(parseFace('4 4')).toBeUndefined();
  });

  it('labels a face by its number and every failure as "error"', () => {
    expect(outcomeLabel({ kind: 'face', face: 6 })).toBe('6');
    expect(
      outcomeLabel({ kind: 'error', reason: 'timeout', message: 'x' }),
    ).toBe('error');
  });
});
