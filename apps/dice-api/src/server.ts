/**
 * Runs dice-api: composes app, access log and HTTP server, listens, and shuts down in order on
 * SIGTERM/SIGINT — stop accepting, finish in-flight requests, flush telemetry, exit.
 *
 * main.ts requires this module only after telemetry has started, because importing it loads
 * express and node:http, which the instrumentations must patch first.
 */
import { createServer, type Server } from 'node:http';
import { serverOptions } from '@otel-dice/app-config';
import type { AddressInfo } from 'node:net';
import { guardConnections, type Telemetry } from '@otel-dice/telemetry';
import { createApp, type AppTelemetry } from './app.js';
import type { AppConfig } from './config.js';
import type { RandomInt } from './dice.js';
import { trackForDrain } from './http-drain.js';
import { createLogger, withRequestLogging, type Logger } from './logging.js';
import { handleShutdownSignals } from './shutdown-signals.js';

/**
 * Budget for the whole shutdown. Kubernetes sends SIGKILL 30 s after SIGTERM by default and
 * Docker after 10 s, so we finish (or give up loudly) before the shorter of the two.
 */
export const SHUTDOWN_HARD_TIMEOUT_MS = 10_000;
/**
 * How long in-flight requests may take to finish before their connections are cut. Leaves the
 * rest of the budget for telemetry.shutdown(), which is itself bounded (5 s by default).
 */
export const DRAIN_TIMEOUT_MS = 4_000;

/** What the server needs from @otel-dice/telemetry: the routes' part plus name, state and shutdown. */
export type ServerTelemetry = AppTelemetry &
  Pick<Telemetry, 'serviceName' | 'enabled' | 'shutdown'>;

export interface RunServerOptions {
  readonly config: AppConfig;
  readonly telemetry: ServerTelemetry;
  /** Defaults to a pino logger on stdout named after the service, at config.logLevel. */
  readonly logger?: Logger;
  /** Defaults to a CSPRNG; tests force faces with it. */
  readonly random?: RandomInt;
  /** Injected in tests instead of `process` signals and `process.exit`. */
  readonly signals?: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
  readonly exit?: (code: number) => void;
}

export interface RunningServer {
  readonly server: Server;
  /** Base URL of the bound address, e.g. http://127.0.0.1:5000 */
  readonly url: string;
  /** The same orderly shutdown a signal triggers, without exiting the process. */
  shutdown(): Promise<void>;
}

export async function runServer(
  options: RunServerOptions,
): Promise<RunningServer> {
  const { config, telemetry } = options;
  const logger =
    options.logger ??
    createLogger({
      serviceName: telemetry.serviceName,
      level: config.logLevel,
    });

  // Timeouts and a connection cap against slow clients (APP_HEADERS_TIMEOUT_MS and friends),
  // and a bound on what a client that does not read its answers can make us hold
  // (APP_SEND_TIMEOUT_MS, APP_MAX_PIPELINED_REQUESTS).
  const server = createServer(serverOptions(config.server));
  server.maxConnections = config.server.maxConnections;
  guardConnections(server, config.server);
  // Registered before the app's listener so the drainer sees every request first.
  const drainer = trackForDrain(server);
  const app = createApp({
    telemetry,
    diceFault: config.diceFault,
    random: options.random,
  });
  server.on('request', withRequestLogging(app, logger));

  let shuttingDown: Promise<void> | undefined;
  const shutdown = () => {
    shuttingDown ??= (async () => {
      const outcome = await drainer.drain(DRAIN_TIMEOUT_MS);
      if (outcome === 'forced') {
        logger.warn(
          { timeout_ms: DRAIN_TIMEOUT_MS },
          'in-flight requests did not finish in time; connections closed',
        );
      }
      // After the drain, so the spans of the last requests are ended and get flushed.
      await telemetry.shutdown();
    })();
    return shuttingDown;
  };

  await listen(server, config.port, config.host);
  handleShutdownSignals({
    shutdown,
    logger,
    hardTimeoutMs: SHUTDOWN_HARD_TIMEOUT_MS,
    emitter: options.signals,
    exit: options.exit,
  });

  const url = baseUrl(server.address() as AddressInfo);
  logger.info(
    {
      url,
      service_name: telemetry.serviceName,
      telemetry_enabled: telemetry.enabled,
      dice_fault: config.diceFault,
    },
    'listening',
  );
  return { server, url, shutdown };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function baseUrl({ address, family, port }: AddressInfo): string {
  const host = family === 'IPv6' ? `[${address}]` : address;
  return `http://${host}:${port}`;
}
