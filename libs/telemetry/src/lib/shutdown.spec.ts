import { createShutdown } from './shutdown.js';

describe('createShutdown', () => {
  it('runs every step once however often it is called', async () => {
    const step = jest.fn(() => Promise.resolve());
    const shutdown = createShutdown([step, step], 1000);
    const [a, b] = await Promise.all([shutdown(), shutdown()]);
    await shutdown();
    expect(step).toHaveBeenCalledTimes(2);
    expect(a).toBe(b);
    expect(a).toEqual({ completed: true, errors: [] });
  });

  it('collects failures without stopping the other steps', async () => {
    const ok = jest.fn(() => Promise.resolve());
    const shutdown = createShutdown(
      [() => Promise.reject(new Error('exporter gone')), ok],
      1000,
    );
    const result = await shutdown();
    expect(ok).toHaveBeenCalled();
    expect(result.completed).toBe(true);
    expect(result.errors.map((e) => e.message)).toEqual(['exporter gone']);
  });

  it('settles at the deadline when a step hangs', async () => {
    const started = Date.now();
    const shutdown = createShutdown([() => new Promise(() => undefined)], 100);
    const result = await shutdown();
    expect(result.completed).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
