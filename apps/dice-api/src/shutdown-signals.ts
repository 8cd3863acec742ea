/**
 * Turns SIGTERM/SIGINT into one orderly shutdown and a process exit code.
 *
 * First signal: run `shutdown` and exit 0 when it resolves (1 when it rejects). A second signal
 * while shutting down, or a shutdown still running after `hardTimeoutMs`, forces exit 1 with a
 * log line saying so: an orchestrator's SIGKILL would otherwise cut us off with no trace of why.
 */
import type { Logger } from 'pino';

export const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;
export type ShutdownSignal = (typeof SHUTDOWN_SIGNALS)[number];

export interface ShutdownSignalOptions {
  readonly shutdown: (signal: ShutdownSignal) => Promise<void>;
  readonly logger: Logger;
  /** Upper bound for the whole shutdown; stay below the orchestrator's kill grace period. */
  readonly hardTimeoutMs: number;
  /** Injected in tests; `process` in production. */
  readonly emitter?: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
  readonly exit?: (code: number) => void;
}

/** Installs the handlers; returns a function removing them. */
export function handleShutdownSignals({
  shutdown,
  logger,
  hardTimeoutMs,
  emitter = process,
  exit = (code) => process.exit(code),
}: ShutdownSignalOptions): () => void {
  let shuttingDown = false;

  const onSignal = (signal: ShutdownSignal) => {
    if (shuttingDown) {
      logger.error({ signal }, 'second signal during shutdown, forcing exit');
      exit(1);
      return;
    }
    shuttingDown = true;
    logger.info({ signal }, 'shutdown started');

    const hardDeadline = setTimeout(() => {
      logger.error(
        { timeout_ms: hardTimeoutMs },
        'shutdown did not finish in time, forcing exit',
      );
      exit(1);
    }, hardTimeoutMs);

    shutdown(signal).then(
      () => {
        clearTimeout(hardDeadline);
        logger.info('shutdown complete');
        exit(0);
      },
      (error: unknown) => {
        clearTimeout(hardDeadline);
        logger.error({ err: error }, 'shutdown failed');
        exit(1);
      },
    );
  };

  for (const signal of SHUTDOWN_SIGNALS) emitter.on(signal, onSignal);
  return () => {
    for (const signal of SHUTDOWN_SIGNALS) emitter.off(signal, onSignal);
  };
}
