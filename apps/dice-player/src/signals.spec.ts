import { EventEmitter } from 'node:events';
import { handleStopSignals } from './signals';

describe('handleStopSignals', () => {
  it('calls onFirst for the first SIGTERM or SIGINT and onSecond for any later one', () => {
    const emitter = new EventEmitter();
    const calls: string[] = [];
    const remove = handleStopSignals({
      onFirst: (s) => calls.push(`first ${s}`),
      onSecond: (s) => calls.push(`second ${s}`),
      emitter,
    });
    emitter.emit('SIGINT', 'SIGINT');
    emitter.emit('SIGTERM', 'SIGTERM');
    emitter.emit('SIGINT', 'SIGINT');
    expect(calls).toEqual(['first SIGINT', 'second SIGTERM', 'second SIGINT']);

    remove();
    expect(
      emitter.listenerCount('SIGTERM') + emitter.listenerCount('SIGINT'),
    ).toBe(0);
  });
});
