/**
 * SIGTERM/SIGINT handling: the first signal asks for an orderly stop, a second one means "now"
 * (a person pressing Ctrl-C twice, or an orchestrator that lost patience) and exits 1 at once.
 */
export const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

export interface SignalHandlers {
  readonly onFirst: (signal: StopSignal) => void;
  readonly onSecond: (signal: StopSignal) => void;
  /** `process` in production; tests pass an EventEmitter. */
  readonly emitter?: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
}

/** Installs the handlers; returns a function removing them. */
export function handleStopSignals({
  onFirst,
  onSecond,
  emitter = process,
}: SignalHandlers): () => void {
  let received = false;
  const listener = (signal: StopSignal) => {
    if (received) {
      onSecond(signal);
      return;
    }
    received = true;
    onFirst(signal);
  };
  for (const signal of STOP_SIGNALS) emitter.on(signal, listener);
  return () => {
    for (const signal of STOP_SIGNALS) emitter.off(signal, listener);
  };
}
