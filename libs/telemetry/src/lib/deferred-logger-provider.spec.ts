import { SeverityNumber } from '@opentelemetry/api';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import { DeferredLoggerProvider } from './deferred-logger-provider.js';

function sdkProvider(exporter: InMemoryLogRecordExporter): LoggerProvider {
  return new LoggerProvider({
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
}

describe('DeferredLoggerProvider', () => {
  it('makes the SDK provider at the first record, once, and passes the logger scope on', async () => {
    const exporter = new InMemoryLogRecordExporter();
    const create = jest.fn(() => sdkProvider(exporter));
    const provider = new DeferredLoggerProvider(create, () => undefined);
    const logger = provider.getLogger('pino-ish', '1.2.3');
    const other = provider.getLogger('winston-ish');
    expect(create).not.toHaveBeenCalled();
    expect(provider.isMade).toBe(false);

    logger.emit({ body: 'first', severityNumber: SeverityNumber.INFO });
    other.emit({ body: 'second' });
    logger.emit({ body: 'third' });
    await provider.forceFlush();

    expect(create).toHaveBeenCalledTimes(1);
    const records = exporter.getFinishedLogRecords();
    expect(records.map((r) => r.body)).toEqual(['first', 'second', 'third']);
    expect(records[0].instrumentationScope).toEqual(
      expect.objectContaining({ name: 'pino-ish', version: '1.2.3' }),
    );
    expect(records[1].instrumentationScope.name).toBe('winston-ish');
  });

  it('answers enabled() from the SDK logger, making the provider then', () => {
    const exporter = new InMemoryLogRecordExporter();
    const provider = new DeferredLoggerProvider(
      () => sdkProvider(exporter),
      () => undefined,
    );
    const logger = provider.getLogger('x');
    expect(logger.enabled()).toBe(true);
    expect(provider.isMade).toBe(true);
  });

  it('never makes a provider after shutdown, and drops later records', async () => {
    const create = jest.fn(() => sdkProvider(new InMemoryLogRecordExporter()));
    const provider = new DeferredLoggerProvider(create, () => undefined);
    const logger = provider.getLogger('x');
    await provider.shutdown();
    logger.emit({ body: 'late' });
    expect(logger.enabled()).toBe(false);
    expect(create).not.toHaveBeenCalled();
    await expect(provider.forceFlush()).resolves.toBeUndefined();
  });

  it('flushes and shuts down the made provider', async () => {
    const exporter = new InMemoryLogRecordExporter();
    const made = sdkProvider(exporter);
    const flush = jest.spyOn(made, 'forceFlush');
    const shutdown = jest.spyOn(made, 'shutdown');
    const provider = new DeferredLoggerProvider(
      () => made,
      () => undefined,
    );
    provider.getLogger('x').emit({ body: 'one' });
    await provider.forceFlush();
    await provider.shutdown();
    expect(flush).toHaveBeenCalledTimes(1);
    expect(shutdown).toHaveBeenCalledTimes(1);
  });

  it('a provider that cannot be made is reported once; log calls never throw', () => {
    const errors: unknown[] = [];
    const create = jest.fn((): LoggerProvider => {
      throw new Error('no transport');
    });
    const provider = new DeferredLoggerProvider(create, (e) => errors.push(e));
    const logger = provider.getLogger('x');
    expect(() => logger.emit({ body: 'a' })).not.toThrow();
    expect(() => logger.emit({ body: 'b' })).not.toThrow();
    expect(logger.enabled()).toBe(false);
    expect(create).toHaveBeenCalledTimes(1);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe('no transport');
  });
});
