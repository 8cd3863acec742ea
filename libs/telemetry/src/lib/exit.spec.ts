import { EventEmitter } from 'node:events';
import { installFlushOnExit, type ExitProcess } from './exit.js';

class FakeProcess extends EventEmitter {
  readonly pid = 4242;
  readonly kills: Array<[number, string]> = [];
  kill(pid: number, signal: string): boolean {
    this.kills.push([pid, signal]);
    return true;
  }
}

function setUp() {
  const proc = new FakeProcess();
  let finishShutdown: () => void = () => undefined;
  const shutdown = jest.fn(
    () =>
      new Promise<void>((resolve) => {
        finishShutdown = resolve;
      }),
  );
  const remove = installFlushOnExit(
    { shutdown },
    { process: proc as unknown as ExitProcess },
  );
  return { proc, shutdown, finish: () => finishShutdown(), remove };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('flushOnExit', () => {
  it('flushes on SIGTERM, then ends the process by the same signal when the app does not handle it', async () => {
    const { proc, shutdown, finish } = setUp();
    proc.emit('SIGTERM', 'SIGTERM');
    expect(shutdown).toHaveBeenCalledTimes(1);
    // Our handlers are gone: a second signal would take the default path at once.
    expect(proc.listenerCount('SIGTERM')).toBe(0);
    expect(proc.listenerCount('SIGINT')).toBe(0);
    expect(proc.kills).toEqual([]);
    finish();
    await tick();
    expect(proc.kills).toEqual([[4242, 'SIGTERM']]);
  });

  it('leaves the exit to the app when it handles the signal itself', async () => {
    const { proc, shutdown, finish } = setUp();
    const appHandler = jest.fn();
    proc.on('SIGINT', appHandler);
    proc.emit('SIGINT', 'SIGINT');
    expect(shutdown).toHaveBeenCalledTimes(1);
    expect(appHandler).toHaveBeenCalledTimes(1);
    finish();
    await tick();
    expect(proc.kills).toEqual([]);
  });

  it('flushes when the event loop runs dry', () => {
    const { proc, shutdown } = setUp();
    proc.emit('beforeExit', 0);
    proc.emit('beforeExit', 0);
    expect(shutdown).toHaveBeenCalledTimes(1);
  });

  it('can be removed', () => {
    const { proc, remove } = setUp();
    remove();
    expect(proc.listenerCount('SIGTERM')).toBe(0);
    expect(proc.listenerCount('beforeExit')).toBe(0);
  });
});
