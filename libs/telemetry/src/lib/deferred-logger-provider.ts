/**
 * A logger provider that makes the SDK's (`@opentelemetry/sdk-logs`) when a log record is first
 * emitted, or a logger is first asked whether it is enabled — not when telemetry starts.
 *
 * Why: with an OTLP endpoint set, logs are exported by default (the register entry follows the
 * specification's defaults), yet many services never emit a record through OpenTelemetry (no
 * pino, winston or bunyan; records only come through those instrumentations). The SDK's logs
 * package is twenty-odd modules the app's start would load for nothing. Instrumentations get a
 * logger at start (`getLogger`), which costs nothing here; the first `emit`/`enabled` builds the
 * provider with every setting it would have had, once. After `shutdown` a provider that was never
 * made stays unmade, and its loggers drop records, as the SDK's loggers do after shutdown. If
 * making it fails, `onError` hears it once and records are dropped: a log call never throws.
 */
import type {
  Logger,
  LoggerOptions,
  LoggerProvider,
  LogRecord,
} from '@opentelemetry/api';

/** What the SDK's LoggerProvider offers beyond the API's: flushing and shutting down. */
export interface FlushableLoggerProvider extends LoggerProvider {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

export class DeferredLoggerProvider implements FlushableLoggerProvider {
  private real: FlushableLoggerProvider | undefined;
  private closed = false;

  constructor(
    private readonly create: () => FlushableLoggerProvider,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Whether the SDK's provider has been made (tests). */
  get isMade(): boolean {
    return this.real !== undefined;
  }

  getLogger(name: string, version?: string, options?: LoggerOptions): Logger {
    let logger: Logger | undefined;
    const resolve = (): Logger | undefined => {
      if (logger !== undefined) return logger;
      const provider = this.provider();
      if (provider === undefined) return undefined;
      return (logger = provider.getLogger(name, version, options));
    };
    return {
      emit: (record: LogRecord) => resolve()?.emit(record),
      enabled: (opts?: Parameters<Logger['enabled']>[0]) =>
        resolve()?.enabled(opts) ?? false,
    };
  }

  forceFlush(): Promise<void> {
    return this.real?.forceFlush() ?? Promise.resolve();
  }

  shutdown(): Promise<void> {
    this.closed = true;
    return this.real?.shutdown() ?? Promise.resolve();
  }

  private provider(): FlushableLoggerProvider | undefined {
    if (this.real === undefined && !this.closed) {
      try {
        this.real = this.create();
      } catch (error) {
        this.closed = true;
        this.onError(error);
      }
    }
    return this.real;
  }
}
