import { EventEmitter } from 'node:events';
import { waitUntil } from '@otel-dice/test-support';
import { createLogger } from './logging.js';
import {
  handleShutdownSignals,
  type ShutdownSignalOptions,
} from './shutdown-signals.js';

function setup(
  shutdown: ShutdownSignalOptions['shutdown'],
  hardTimeoutMs = 5_000,
) {
  const emitter = new EventEmitter();
  const exits: number[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    serviceName: 'signals-test',
    destination: {
      write: (line: string) =>
        void logs.push(JSON.parse(line) as Record<string, unknown>),
    },
  });
  const dispose = handleShutdownSignals({
    shutdown,
    logger,
    hardTimeoutMs,
    emitter,
    exit: (code) => void exits.push(code),
  });
  const messages = () => logs.map((entry) => entry['msg']);
  return { emitter, exits, logs, messages, dispose };
}

/** A shutdown whose completion the test controls. */
function controllableShutdown() {
  let finish!: (error?: Error) => void;
  const calls: string[] = [];
  const shutdown = (signal: string) => {
    calls.push(signal);
    return new Promise<void>((resolve, reject) => {
      finish = (error) => (error ? reject(error) : resolve());
    });
  };
  return { shutdown, calls, finish: (error?: Error) => finish(error) };
}

describe('handleShutdownSignals', () => {
  it.each(['SIGTERM', 'SIGINT'])(
    'runs the shutdown once on %s and exits 0 after it resolves',
    async (signal) => {
      const control = controllableShutdown();
      const { emitter, exits, messages } = setup(control.shutdown);

      emitter.emit(signal, signal);
      expect(control.calls).toEqual([signal]);
      expect(exits).toEqual([]); // not before the shutdown has finished

      control.finish();
      await waitUntil(() => exits.length > 0, { what: 'exit to be called' });
      expect(exits).toEqual([0]);
      expect(messages()).toEqual(['shutdown started', 'shutdown complete']);
    },
  );

  it('exits 1 with a log line when the shutdown rejects', async () => {
    const control = controllableShutdown();
    const { emitter, exits, logs } = setup(control.shutdown);
    emitter.emit('SIGTERM', 'SIGTERM');
    control.finish(new Error('flush failed'));
    await waitUntil(() => exits.length > 0, { what: 'exit to be called' });
    expect(exits).toEqual([1]);
    expect(logs.at(-1)).toMatchObject({
      msg: 'shutdown failed',
      err: { message: 'flush failed' },
    });
  });

  it('forces exit 1 on a second signal while shutting down', () => {
    const control = controllableShutdown();
    const { emitter, exits, logs } = setup(control.shutdown);
    emitter.emit('SIGTERM', 'SIGTERM');
    emitter.emit('SIGINT', 'SIGINT');
    expect(exits).toEqual([1]);
    expect(control.calls).toEqual(['SIGTERM']);
    expect(logs.at(-1)).toMatchObject({
      level: 50,
      signal: 'SIGINT',
      msg: 'second signal during shutdown, forcing exit',
    });
    control.finish();
  });

  it('forces exit 1 with a log line when the shutdown hangs past the hard timeout', async () => {
    const { emitter, exits, logs } = setup(
      () => new Promise<void>(() => undefined),
      100,
    );
    emitter.emit('SIGTERM', 'SIGTERM');
    await waitUntil(() => exits.length > 0, {
      what: 'the hard timeout to force an exit',
      timeoutMs: 5_000,
    });
    expect(exits).toEqual([1]);
    expect(logs.at(-1)).toMatchObject({
      timeout_ms: 100,
      msg: 'shutdown did not finish in time, forcing exit',
    });
  });

  it('stops listening once disposed', () => {
    const control = controllableShutdown();
    const { emitter, dispose } = setup(control.shutdown);
    dispose();
    expect(emitter.listenerCount('SIGTERM')).toBe(0);
    expect(emitter.listenerCount('SIGINT')).toBe(0);
  });
});
