/**
 * Reads the Prometheus text exposition format (version 0.0.4) into samples, and picks out the
 * OpenTelemetry SDK's self-metrics the benchmark reports. Pure.
 */

export interface PromSample {
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

/**
 * Parses every sample line; comments (# HELP / # TYPE) and blank lines are skipped. A line that
 * is not a valid sample throws with its line number, so a changed exposition is noticed instead
 * of silently read as zero.
 */
export function parsePrometheusText(text: string): PromSample[] {
  const samples: PromSample[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = (lines[index] as string).trim();
    if (line === '' || line.startsWith('#')) continue;
    try {
      samples.push(parseSampleLine(line));
    } catch (error) {
      throw new Error(
        `metrics line ${index + 1}: ${(error as Error).message}: ${line.slice(0, 200)}`,
        {
          cause: error,
        },
      );
    }
  }
  return samples;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function parseSampleLine(line: string): PromSample {
  const nameMatch = NAME.exec(line);
  if (!nameMatch) throw new Error('no metric name');
  const name = nameMatch[0];
  let rest = line.slice(name.length);
  let labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    const parsed = parseLabels(rest);
    labels = parsed.labels;
    rest = rest.slice(parsed.consumed);
  }
  // Value, then an optional timestamp.
  const fields = rest.trim().split(/\s+/);
  if (fields.length < 1 || fields.length > 2 || fields[0] === '')
    throw new Error('expected a value');
  return { name, labels, value: parseValue(fields[0] as string) };
}

/** Parses `{a="x",b="y\"z"}` and returns the labels and how many characters it used. */
function parseLabels(text: string): {
  labels: Record<string, string>;
  consumed: number;
} {
  const labels: Record<string, string> = {};
  let i = 1; // after '{'
  for (;;) {
    while (text[i] === ' ' || text[i] === ',') i++;
    if (text[i] === '}') return { labels, consumed: i + 1 };
    const nameMatch = LABEL_NAME.exec(text.slice(i));
    if (!nameMatch) throw new Error(`bad label name at column ${i + 1}`);
    const labelName = nameMatch[0];
    i += labelName.length;
    if (text[i] !== '=' || text[i + 1] !== '"')
      throw new Error(`expected ="…" after label ${labelName}`);
    i += 2;
    let value = '';
    for (;;) {
      const ch = text[i];
      if (ch === undefined)
        throw new Error(`unterminated value of label ${labelName}`);
      i++;
      if (ch === '"') break;
      if (ch === '\\') {
        const escaped = text[i++];
        value += escaped === 'n' ? '\n' : (escaped ?? '');
      } else {
        value += ch;
      }
    }
    labels[labelName] = value;
  }
}

function parseValue(text: string): number {
  switch (text) {
    case '+Inf':
    case 'Inf':
      return Number.POSITIVE_INFINITY;
    case '-Inf':
      return Number.NEGATIVE_INFINITY;
    case 'NaN':
      return Number.NaN;
  }
  const value = Number(text);
  if (Number.isNaN(value)) throw new Error(`bad value ${JSON.stringify(text)}`);
  return value;
}

/** Sum of every sample named `name` whose labels satisfy `where` (all of them by default). */
export function sumSamples(
  samples: readonly PromSample[],
  name: string,
  where: (labels: Readonly<Record<string, string>>) => boolean = () => true,
): number | undefined {
  let found = false;
  let sum = 0;
  for (const sample of samples) {
    if (sample.name !== name || !where(sample.labels)) continue;
    found = true;
    sum += sample.value;
  }
  return found ? sum : undefined;
}

/**
 * The span pipeline's self-metrics (otel.sdk.* semantic conventions, as @opentelemetry/sdk-trace
 * records them and the Prometheus exporter names them). `undefined` = the metric is not on the
 * page at all (SDK disabled, or renamed upstream), as opposed to 0.
 */
export interface SpanPipelineCounters {
  /** otel_sdk_span_started_total, all sampling results. */
  started: number | undefined;
  /**
   * Started spans the sampler kept (otel_span_sampling_result="RECORD_AND_SAMPLE"): the ones the
   * batch processor gets, so the ones that should reach the collector.
   */
  sampled: number | undefined;
  /** Spans the batch processor exported successfully (processed, no error_type). */
  exported: number;
  /** Dropped because the queue was full: processed{error_type="queue_full"}. */
  droppedQueueFull: number;
  /** In batches the exporter failed: processed{error_type=<error name>} other than queue_full. */
  exportFailed: number;
  /** otel_sdk_processor_span_queue_size at scrape time. */
  queueSize: number | undefined;
}

export const SPAN_STARTED = 'otel_sdk_span_started_total';
export const SPAN_PROCESSED = 'otel_sdk_processor_span_processed_total';
export const SPAN_QUEUE_SIZE = 'otel_sdk_processor_span_queue_size';

export function spanPipelineCounters(
  samples: readonly PromSample[],
): SpanPipelineCounters {
  return {
    started: sumSamples(samples, SPAN_STARTED),
    sampled: sumSamples(
      samples,
      SPAN_STARTED,
      (l) => l['otel_span_sampling_result'] === 'RECORD_AND_SAMPLE',
    ),
    exported:
      sumSamples(
        samples,
        SPAN_PROCESSED,
        (l) => l['error_type'] === undefined,
      ) ?? 0,
    droppedQueueFull:
      sumSamples(
        samples,
        SPAN_PROCESSED,
        (l) => l['error_type'] === 'queue_full',
      ) ?? 0,
    exportFailed:
      sumSamples(
        samples,
        SPAN_PROCESSED,
        (l) =>
          l['error_type'] !== undefined && l['error_type'] !== 'queue_full',
      ) ?? 0,
    queueSize: sumSamples(samples, SPAN_QUEUE_SIZE),
  };
}
