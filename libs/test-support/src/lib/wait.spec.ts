import { waitUntil } from './wait.js';

describe('waitUntil', () => {
  it('resolves with the first truthy value', async () => {
    let calls = 0;
    await expect(
      waitUntil(() => (++calls >= 3 ? `done after ${calls}` : 0), {
        intervalMs: 1,
      }),
    ).resolves.toBe('done after 3');
  });

  it('treats throwing attempts as not-yet and names what it waited for plus the last error', async () => {
    await expect(
      waitUntil(
        () => {
          throw new Error('connection refused');
        },
        { timeoutMs: 100, intervalMs: 10, what: 'the app' },
      ),
    ).rejects.toThrow(
      'Timed out after 100 ms waiting for the app; last error: connection refused',
    );
  });

  it('reports the last falsy value', async () => {
    await expect(
      waitUntil(async () => ({ ready: false }).ready, {
        timeoutMs: 50,
        what: 'x',
      }),
    ).rejects.toThrow('waiting for x; last value: false');
  });

  it('bounds a hanging attempt by the deadline', async () => {
    const startedAt = Date.now();
    await expect(
      waitUntil(() => new Promise<boolean>(() => undefined), {
        timeoutMs: 100,
        what: 'a hung probe',
      }),
    ).rejects.toThrow(
      /waiting for a hung probe; last error: attempt still pending/,
    );
    expect(Date.now() - startedAt).toBeLessThan(1_000);
  });

  it('reports the last answer, not the attempt the deadline cut short', async () => {
    let attempts = 0;
    await expect(
      waitUntil(
        () => {
          attempts += 1;
          if (attempts === 1) throw new Error('HTTP 404');
          return new Promise<boolean>(() => undefined);
        },
        {
          timeoutMs: 200,
          intervalMs: 10,
          what: 'an app that answers 404, then hangs',
        },
      ),
    ).rejects.toThrow(/last error: HTTP 404/);
  });

  it('stops early when aborted', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('gave up')), 20);
    await expect(
      waitUntil(() => false, { timeoutMs: 10_000, signal: controller.signal }),
    ).rejects.toThrow('gave up');
  });
});
