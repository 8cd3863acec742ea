/**
 * Runs dice-player: the status server (/metrics, /healthz), the pacing loop of rounds, and the
 * orderly stop — on SIGTERM/SIGINT or when PLAYER_DURATION_S has passed: no new rounds, finish
 * the round in flight, close the status server, flush telemetry, log the final score, exit 0.
 *
 * main.ts requires this module only after telemetry started (runService), because importing it
 * loads node:http, which the instrumentation must patch first.
 */
import type { Telemetry } from '@otel-dice/telemetry';
import { redactUrl } from '@otel-dice/telemetry/redact';
import { rollDiceUrl, type PlayerConfig } from './config.js';

import { createLogger, type Logger } from './logging.js';
import { runLoop } from './loop.js';
import type { Outcome } from './outcome.js';
import { createPlayerMetrics } from './player-metrics.js';
import { createRollClient } from './roll-client.js';
import { playRound } from './round.js';
import { emptyScore, recordOutcome, summarize } from './score.js';
import { handleStopSignals } from './signals.js';
import { close, createStatusServer, listen } from './status-server.js';

/**
 * Budget from the stop request to exit: Docker sends SIGKILL 10 s after SIGTERM, so we finish
 * (or give up loudly, exit 1) before that. telemetry.shutdown() is itself bounded (5 s).
 */
export const SHUTDOWN_TIMEOUT_MS = 9_000;

export interface RunPlayerOptions {
  readonly config: PlayerConfig;
  readonly telemetry: Telemetry;
  /** Defaults to a pino logger on stdout named after the service, at config.logLevel. */
  readonly logger?: Logger;
  /** Injected in tests instead of `process` signals and `process.exit`. */
  readonly emitter?: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
  readonly exit?: (code: number) => void;
}

export async function runPlayer(options: RunPlayerOptions): Promise<void> {
  const { config, telemetry } = options;
  const logger =
    options.logger ?? createLogger(telemetry.serviceName, config.logLevel);
  const exit = options.exit ?? ((code: number) => process.exit(code));

  const server = createStatusServer(telemetry.metricsHandler, config.server);
  const statusUrl = await listen(server, config.port, config.host);
  const target = rollDiceUrl(config.targetUrl);
  const client = createRollClient(target, config.requestTimeoutMs);
  const metrics = createPlayerMetrics(telemetry.meter);
  let score = emptyScore();

  let hardDeadline: NodeJS.Timeout | undefined;
  const armHardDeadline = () => {
    hardDeadline ??= setTimeout(() => {
      logger.error(
        { timeout_ms: SHUTDOWN_TIMEOUT_MS },
        'shutdown did not finish in time, forcing exit',
      );
      exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
  };

  const stop = new AbortController();
  const removeSignalHandlers = handleStopSignals({
    onFirst: (signal) => {
      logger.info(
        { signal },
        'stopping: no new rounds, finishing the one in flight',
      );
      armHardDeadline();
      stop.abort();
    },
    onSecond: (signal) => {
      logger.error({ signal }, 'second signal while stopping, exiting now');
      exit(1);
    },
    emitter: options.emitter,
  });

  logger.info(
    {
      // user info (a password in PLAYER_TARGET_URL) never reaches the log
      target: redactUrl(target.href),
      rate_per_s: config.ratePerSecond,
      duration_s: config.durationMs / 1000,
      status_url: statusUrl,
      service_name: telemetry.serviceName,
      telemetry_enabled: telemetry.enabled,
    },
    'playing',
  );

  const result = await runLoop({
    ratePerSecond: config.ratePerSecond,
    durationMs: config.durationMs,
    signal: stop.signal,
    playRound: async (round) => {
      const { outcome, traceId } = await playRound(
        { tracer: telemetry.tracer, client },
        round,
      );
      score = recordOutcome(score, outcome);
      metrics.record(outcome);
      logRound(logger, round, outcome, traceId);
    },
  });

  armHardDeadline();
  client.close();
  await close(server);
  // Last, so the spans of the final round are in the flush.
  await telemetry.shutdown();
  clearTimeout(hardDeadline);
  removeSignalHandlers();
  logger.info(
    {
      stopped_by: result.stoppedBy,
      ...summarize(score),
      faces: score.faces,
      errors_by_reason: score.errors,
    },
    'final score',
  );
  exit(0);
}

function logRound(
  logger: Logger,
  round: number,
  outcome: Outcome,
  traceId: string,
): void {
  if (outcome.kind === 'face') {
    logger.debug(
      { round, face: outcome.face, trace_id: traceId },
      'round played',
    );
  } else {
    logger.warn(
      {
        round,
        reason: outcome.reason,
        status: outcome.status,
        trace_id: traceId,
      },
      `round failed: ${outcome.message}`,
    );
  }
}
