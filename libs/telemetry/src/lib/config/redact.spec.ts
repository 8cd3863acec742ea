import { describeHeaders, redactText, redactUrl } from './redact.js';

describe('redaction', () => {
  it('strips user info from a URL and only there', () => {
    expect(redactUrl('http://user:secret@host:4317/x?a=b')).toBe(
      'http://***@host:4317/x?a=b',
    );
    expect(redactUrl('http://host:4317/a@b')).toBe('http://host:4317/a@b');
    expect(redactUrl('collector:4317')).toBe('collector:4317');
  });

  it('scrubs every URL inside a text', () => {
    expect(
      redactText(
        'connect to https://a:b@one:1 failed, then http://token@two:2/path',
      ),
    ).toBe('connect to https://***@one:1 failed, then http://***@two:2/path');
  });

  it('shows header names only', () => {
    expect(describeHeaders({ authorization: 'Bearer x', 'x-a': 'y' })).toBe(
      'authorization=***,x-a=***',
    );
  });
});
