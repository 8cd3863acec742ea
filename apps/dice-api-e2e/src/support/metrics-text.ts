/**
 * Just enough of the Prometheus text exposition format to read the app's own /metrics:
 * sample lines `name{label="value",…} number`, comments skipped. Pure.
 */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_LINE =
  /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\S+)?$/;
const LABEL_PAIR = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseMetricsText(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const match = SAMPLE_LINE.exec(trimmed);
    if (!match?.[1] || match[3] === undefined)
      throw new Error(`unparseable metrics line: ${trimmed}`);
    samples.push({
      name: match[1],
      labels: parseLabels(match[2] ?? ''),
      value: Number(match[3]),
    });
  }
  return samples;
}

/** Sum of every sample named `name` whose labels include `labels` (0 when none matches). */
export function sumSamples(
  samples: readonly MetricSample[],
  name: string,
  labels: Record<string, string> = {},
): number {
  return samples
    .filter(
      (s) =>
        s.name === name &&
        Object.entries(labels).every(([key, value]) => s.labels[key] === value),
    )
    .reduce((sum, s) => sum + s.value, 0);
}

function parseLabels(body: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [, key, raw] of body.matchAll(LABEL_PAIR)) {
    if (key !== undefined && raw !== undefined)
      labels[key] = raw.replace(/\\(["\\])/g, '$1').replace(/\\n/g, '\n');
  }
  return labels;
}

/**
 * The batch span processor's self-metrics, as the app serves them on /metrics. A span leaves the
 * queue one of three ways, each counted in otel_sdk_processor_span_processed_total: exported
 * (no error_type), dropped on arrival because the queue was full (error_type="queue_full"), or in
 * a batch the exporter gave up on (error_type = the error's name, e.g. "Error").
 */
export interface SpanPipelineCounts {
  started: number;
  exported: number;
  queueFull: number;
  exportFailed: number;
  queueSize: number;
  queueCapacity: number;
}

export function spanPipelineCounts(
  samples: readonly MetricSample[],
): SpanPipelineCounts {
  const processed = samples.filter(
    (s) => s.name === 'otel_sdk_processor_span_processed_total',
  );
  const sum = (list: readonly MetricSample[]) =>
    list.reduce((total, s) => total + s.value, 0);
  return {
    started: sumSamples(samples, 'otel_sdk_span_started_total'),
    exported: sum(
      processed.filter((s) => s.labels['error_type'] === undefined),
    ),
    queueFull: sum(
      processed.filter((s) => s.labels['error_type'] === 'queue_full'),
    ),
    exportFailed: sum(
      processed.filter(
        (s) =>
          s.labels['error_type'] !== undefined &&
          s.labels['error_type'] !== 'queue_full',
      ),
    ),
    queueSize: sumSamples(samples, 'otel_sdk_processor_span_queue_size'),
    queueCapacity: sumSamples(
      samples,
      'otel_sdk_processor_span_queue_capacity',
    ),
  };
}
