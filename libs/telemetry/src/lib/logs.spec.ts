import {
  context,
  SeverityNumber,
  trace,
  ROOT_CONTEXT,
} from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter } from '@opentelemetry/sdk-logs';
import { resolveTelemetryConfig } from './config/resolve.js';
import { initLogs } from './logs.js';

const config = (env: Record<string, string>) =>
  resolveTelemetryConfig({ env, defaultServiceName: 'logs-test' });

const resource = resourceFromAttributes({ 'service.name': 'logs-test' });
const reporter = { warn: jest.fn(), info: jest.fn() };

describe('initLogs', () => {
  it('builds nothing when no logs exporter is configured', async () => {
    const logs = initLogs({
      resource,
      config: config({}),
      logger: reporter,
      register: false,
    });
    expect(logs.provider).toBeUndefined();
    await logs.shutdown();
  });

  it('batches records with the resource, the active span and the limits, and flushes on shutdown', async () => {
    const exporter = new InMemoryLogRecordExporter();
    const logs = initLogs(
      {
        resource,
        config: config({
          OTEL_LOGS_EXPORTER: 'otlp',
          OTEL_BLRP_SCHEDULE_DELAY: '60000',
          OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT: '4',
        }),
        logger: reporter,
        register: false,
      },
      { exporter },
    );
    const spanContext = {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: 1,
    };
    context.with(trace.setSpanContext(ROOT_CONTEXT, spanContext), () =>
      logs.provider?.getLogger('t').emit({
        severityNumber: SeverityNumber.WARN,
        severityText: 'warn',
        body: 'request completed',
        attributes: { route: '/rolldice' },
        context: trace.setSpanContext(ROOT_CONTEXT, spanContext),
      }),
    );
    expect(exporter.getFinishedLogRecords()).toHaveLength(0); // still batched
    await logs.forceFlush();
    const [record] = exporter.getFinishedLogRecords();
    expect(record.body).toBe('request completed');
    expect(record.severityNumber).toBe(SeverityNumber.WARN);
    expect(record.attributes).toEqual({ route: '/rol' }); // value length limit 4
    expect(record.spanContext?.traceId).toBe(spanContext.traceId);
    expect(record.resource.attributes['service.name']).toBe('logs-test');
    await logs.shutdown();
  });
});
