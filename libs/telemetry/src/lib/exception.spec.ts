import { sensitiveNames } from './http-edge.js';
import { exceptionAttributes, redactMessage } from './exception.js';

const sensitive = sensitiveNames(['token', 'password']);

class DatabaseError extends Error {
  constructor(message: string) {
    super(message);
    // as pg names it: the protocol message type, not the class
    this.name = 'error';
  }
}

describe('redactMessage', () => {
  it('masks user info and query values of every URL in the text (the one redaction rule: after the first = nothing is shown)', () => {
    expect(
      redactMessage(
        'GET https://bob:hunter2@api.example/v1?token=abc&sku=1 failed, then postgres://u:p@db:5432/x?password=pw',
        sensitive,
      ),
    ).toBe(
      'GET https://***@api.example/v1?token=REDACTED failed, then postgres://***@db:5432/x?password=REDACTED',
    );
  });

  it('leaves text without URLs as it is; a query and fragment are masked, as in every line the library prints', () => {
    expect(redactMessage('relation "x" does not exist', sensitive)).toBe(
      'relation "x" does not exist',
    );
    expect(
      redactMessage('see https://docs.example/a?b=1#frag', sensitive),
    ).toBe('see https://docs.example/a?b=***#***');
  });
});

describe('exceptionAttributes', () => {
  it('types an error by its class, message and stack redacted', () => {
    const error = new TypeError('refused https://u:s3cret@x.example/?token=t');
    const attributes = exceptionAttributes(error, sensitive);
    expect(attributes['exception.type']).toBe('TypeError');
    expect(attributes['exception.message']).toBe(
      'refused https://***@x.example/?token=REDACTED',
    );
    expect(attributes['exception.stacktrace']).toMatch(
      /^TypeError: refused https:\/\/\*\*\*@x\.example/,
    );
    expect(String(attributes['exception.stacktrace'])).not.toMatch(
      /s3cret|token=t\b/,
    );
  });

  it('prefers the class over a name a library set to something else', () => {
    expect(
      exceptionAttributes(new DatabaseError('boom'), sensitive)[
        'exception.type'
      ],
    ).toBe('DatabaseError');
    expect(
      exceptionAttributes(new Error('boom'), sensitive)['exception.type'],
    ).toBe('Error');
    const named = Object.assign(new Error('x'), { name: 'AbortError' });
    expect(exceptionAttributes(named, sensitive)['exception.type']).toBe(
      'AbortError',
    );
  });

  it('records what was thrown when it is not an error', () => {
    expect(exceptionAttributes('just a string', sensitive)).toEqual({
      'exception.type': 'string',
      'exception.message': 'just a string',
    });
    expect(
      exceptionAttributes({ message: 'like an error' }, sensitive),
    ).toMatchObject({
      'exception.type': 'Error',
      'exception.message': 'like an error',
    });
  });
});
