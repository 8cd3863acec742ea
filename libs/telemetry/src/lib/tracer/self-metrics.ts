/**
 * The SDK's own span metrics, kept by the compact tracer and its batch processor under the names,
 * units, descriptions, attributes and meters @opentelemetry/sdk-trace 3.x uses (TracerMetrics,
 * SpanProcessorMetrics) — what the bench reads and deploy/prometheus/rules/apps.rules.yml alerts
 * on, so the same series exist whichever tracer TELEMETRY_TRACER picks:
 *
 * - `otel.sdk.span.started` {otel.span.parent.origin, otel.span.sampling_result}
 * - `otel.sdk.span.live` {otel.span.sampling_result} (recording spans not yet ended)
 * - `otel.sdk.processor.span.processed` {otel.component.type, otel.component.name[, error.type]}
 *   — `queue_full` for spans dropped at a full queue, the export error's name for failed ones
 * - `otel.sdk.processor.span.queue.capacity` and `…queue.size`
 *
 * Every attribute set is bound once (cells/), so a span's metrics cost a few additions.
 */
import type { MeterProvider } from '@opentelemetry/api';
import { cellMeterOf, type Recorder } from '../cells/registry.js';
import { sdkTraceVersion } from './sdk-version.js';

/** otel.span.parent.origin, by index. */
export const ORIGINS = ['none', 'local', 'remote'] as const;
export type Origin = 0 | 1 | 2;

export interface SpanMetrics {
  started(origin: Origin, sampled: boolean): void;
  /** A recording span ended (started ones are counted by `started`). */
  ended(): void;
}

export interface ProcessorMetrics {
  dropped(count: number): void;
  finished(count: number, error: Error | undefined): void;
  /** The processor shut down: its queue size is no longer reported (as the SDK's). */
  shutdown(): void;
}

const NOTHING = { record: () => undefined };

export const NO_SPAN_METRICS: SpanMetrics = {
  started: () => undefined,
  ended: () => undefined,
};

export const NO_PROCESSOR_METRICS: ProcessorMetrics = {
  dropped: () => undefined,
  finished: () => undefined,
  shutdown: () => undefined,
};

export function spanMetrics(meterProvider: MeterProvider): SpanMetrics {
  const meter = cellMeterOf(
    meterProvider,
    '@opentelemetry/sdk-trace',
    sdkTraceVersion(),
  );
  const started = meter.createCounter('otel.sdk.span.started', {
    unit: '{span}',
    description: 'The number of created spans.',
  });
  const live = meter.createUpDownCounter('otel.sdk.span.live', {
    unit: '{span}',
    description: 'The number of currently live spans.',
  });
  const bind = (origin: string, result: string) =>
    started.bind({
      'otel.span.parent.origin': origin,
      'otel.span.sampling_result': result,
    });
  const sampled: Recorder[] = ORIGINS.map((o) => bind(o, 'RECORD_AND_SAMPLE'));
  const dropped: Recorder[] = ORIGINS.map((o) => bind(o, 'DROP'));
  const liveSpans = live.bind({
    'otel.span.sampling_result': 'RECORD_AND_SAMPLE',
  });
  return {
    started: (origin, isSampled) => {
      if (isSampled) {
        (sampled[origin] ?? NOTHING).record(1);
        liveSpans.record(1);
      } else {
        (dropped[origin] ?? NOTHING).record(1);
      }
    },
    ended: () => liveSpans.record(-1),
  };
}

/** The SDK numbers its processors per type: batching_span_processor/0, /1, … */
let processors = 0;

export function processorMetrics(
  meterProvider: MeterProvider,
  capacity: number,
  queueSize: () => number,
): ProcessorMetrics {
  const type = 'batching_span_processor';
  const standard = {
    'otel.component.type': type,
    'otel.component.name': `${type}/${processors++}`,
  };
  // The SDK's batch processor asks for this meter without a version.
  const meter = cellMeterOf(meterProvider, '@opentelemetry/sdk-trace');
  const processed = meter.createCounter('otel.sdk.processor.span.processed', {
    unit: '{span}',
    description:
      'The number of spans for which the processing has finished, either successful or failed.',
  });
  meter
    .createUpDownCounter('otel.sdk.processor.span.queue.capacity', {
      unit: '{span}',
      description:
        'The maximum number of spans the queue of a given instance of an SDK span processor can hold.',
    })
    .add(capacity, standard);
  const stopObserving = meter.observeUpDownCounter(
    'otel.sdk.processor.span.queue.size',
    {
      unit: '{span}',
      description:
        'The number of spans in the queue of a given instance of an SDK span processor.',
    },
    standard,
    queueSize,
  );
  const ok = processed.bind(standard);
  const queueFull = processed.bind({ ...standard, 'error.type': 'queue_full' });
  return {
    dropped: (count) => queueFull.record(count),
    finished: (count, error) => {
      if (error === undefined) ok.record(count);
      else processed.add(count, { ...standard, 'error.type': error.name });
    },
    shutdown: stopObserving,
  };
}
