/**
 * Flushing on the way out, for a process whose code knows nothing about telemetry (the register
 * entry) or should not have to (a start module loaded with `node --import`).
 *
 * On SIGTERM or SIGINT, telemetry is shut down (queued spans, metrics and log records flushed,
 * bounded by `shutdown()`'s own deadline). What happens next is what would have happened without
 * it: if the app listens for that signal itself, its handlers decide (close the server, exit);
 * if not, the signal is raised again once the flush is done, so the process ends the default way
 * (killed by the signal, exit status 128 + n) rather than with an invented exit code. A second
 * signal during the flush finds no handler of ours and ends the process at once.
 *
 * When the event loop runs dry (a script that simply finishes), `beforeExit` flushes as well.
 * `process.exit()` called by the app cannot be waited for: nothing can flush after it.
 */
import type { Telemetry } from './telemetry.js';

export const FLUSH_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/** The part of `process` this needs; tests pass a fake. */
export type ExitProcess = Pick<
  NodeJS.Process,
  'pid' | 'on' | 'off' | 'listenerCount' | 'kill'
>;

export interface FlushOnExitOptions {
  readonly signals?: readonly NodeJS.Signals[];
  readonly process?: ExitProcess;
}

/**
 * Flushes telemetry on SIGTERM/SIGINT and when the event loop runs dry (see above). Returns a
 * function that removes the handlers.
 */
export function flushOnExit(
  telemetry: Pick<Telemetry, 'shutdown'>,
): () => void {
  return installFlushOnExit(telemetry);
}

/** flushOnExit with the signals and the process given (tests). */
export function installFlushOnExit(
  telemetry: Pick<Telemetry, 'shutdown'>,
  options: FlushOnExitOptions = {},
): () => void {
  const proc: ExitProcess = options.process ?? process;
  const signals = options.signals ?? FLUSH_SIGNALS;
  const remove = () => {
    for (const s of signals) proc.off(s, onSignal);
    proc.off('beforeExit', onBeforeExit);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    remove();
    // Counted now: the app's own handlers for this signal, which run right after this one.
    const appHandles = proc.listenerCount(signal) > 0;
    void telemetry.shutdown().then(() => {
      if (!appHandles) proc.kill(proc.pid, signal);
    });
  };
  const onBeforeExit = () => {
    remove();
    void telemetry.shutdown();
  };
  for (const s of signals) proc.on(s, onSignal);
  proc.on('beforeExit', onBeforeExit);
  return remove;
}
