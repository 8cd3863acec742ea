import {
  parsePrometheusText,
  spanPipelineCounters,
  sumSamples,
} from './prom-text.js';

// Trimmed from a real dice-api /metrics page (OTLP endpoint unreachable, then after a recovery).
const PAGE = `# HELP target_info Target metadata
# TYPE target_info gauge
target_info{service_name="dice-api",process_command_args="[\\"/usr/bin/node\\",\\"main.js\\"]"} 1
# HELP otel_sdk_span_started_total The number of created spans.
# TYPE otel_sdk_span_started_total counter
otel_sdk_span_started_total{otel_span_parent_origin="none",otel_span_sampling_result="RECORD_AND_SAMPLE",otel_scope_name="@opentelemetry/sdk-trace"} 20
otel_sdk_span_started_total{otel_span_parent_origin="local",otel_span_sampling_result="RECORD_AND_SAMPLE",otel_scope_name="@opentelemetry/sdk-trace"} 60
http_server_request_duration_bucket{http_route="/rolldice",le="+Inf"} 20
http_server_request_duration_sum{http_route="/rolldice"} 0.075219676 1700000000000
otel_sdk_processor_span_processed_total{otel_component_type="batching_span_processor",error_type="Error",otel_scope_name="@opentelemetry/sdk-trace"} 40
otel_sdk_processor_span_processed_total{otel_component_type="batching_span_processor",error_type="queue_full",otel_scope_name="@opentelemetry/sdk-trace"} 7
otel_sdk_processor_span_processed_total{otel_component_type="batching_span_processor",otel_scope_name="@opentelemetry/sdk-trace"} 33
otel_sdk_processor_span_queue_size{otel_component_type="batching_span_processor",otel_scope_name="@opentelemetry/sdk-trace"} 0
`;

describe('parsePrometheusText', () => {
  it('reads names, labels (with escapes), values and skips comments and timestamps', () => {
    const samples = parsePrometheusText(PAGE);
    expect(samples).toHaveLength(9);
    expect(samples[0]).toEqual({
      name: 'target_info',
      labels: {
        service_name: 'dice-api',
        process_command_args: '["/usr/bin/node","main.js"]',
      },
      value: 1,
    });
    expect(
      samples.find((s) => s.name === 'http_server_request_duration_bucket')
        ?.labels,
    ).toEqual({
      http_route: '/rolldice',
      le: '+Inf',
    });
    expect(
      samples.find((s) => s.name === 'http_server_request_duration_sum')?.value,
    ).toBeCloseTo(0.0752);
  });

  it('parses special values and label-less samples', () => {
    expect(parsePrometheusText('a +Inf\nb{} NaN\nc -Inf\nd 1e3\n')).toEqual([
      { name: 'a', labels: {}, value: Number.POSITIVE_INFINITY },
      { name: 'b', labels: {}, value: Number.NaN },
      { name: 'c', labels: {}, value: Number.NEGATIVE_INFINITY },
      { name: 'd', labels: {}, value: 1000 },
    ]);
    expect(
      parsePrometheusText('x{a="line\\nbreak",b="back\\\\slash"} 2')[0]?.labels,
    ).toEqual({
      a: 'line\nbreak',
      b: 'back\\slash',
    });
  });

  it('names the offending line instead of reading garbage as zero', () => {
    expect(() => parsePrometheusText('ok 1\nbroken{a="x" 2\n')).toThrow(
      /metrics line 2/,
    );
    expect(() => parsePrometheusText('v notanumber')).toThrow(/bad value/);
    expect(() => parsePrometheusText('{a="b"} 1')).toThrow(/no metric name/);
  });
});

describe('spanPipelineCounters', () => {
  it('sums started spans over all label sets and splits processed spans by error_type', () => {
    expect(spanPipelineCounters(parsePrometheusText(PAGE))).toEqual({
      started: 80,
      sampled: 80,
      exported: 33,
      droppedQueueFull: 7,
      exportFailed: 40,
      queueSize: 0,
    });
  });

  it('counts only spans the sampler kept as sampled', () => {
    const page = [
      'otel_sdk_span_started_total{otel_span_parent_origin="none",otel_span_sampling_result="DROP"} 90',
      'otel_sdk_span_started_total{otel_span_parent_origin="none",otel_span_sampling_result="RECORD_AND_SAMPLE"} 10',
      'otel_sdk_span_started_total{otel_span_parent_origin="local",otel_span_sampling_result="RECORD_ONLY"} 5',
    ].join('\n');
    expect(spanPipelineCounters(parsePrometheusText(page))).toMatchObject({
      started: 105,
      sampled: 10,
    });
  });

  it('reports a missing self-metric as undefined, not 0 (SDK disabled)', () => {
    const counters = spanPipelineCounters(
      parsePrometheusText('# OpenTelemetry SDK disabled\n'),
    );
    expect(counters.started).toBeUndefined();
    expect(counters.sampled).toBeUndefined();
    expect(counters.queueSize).toBeUndefined();
    expect(counters.droppedQueueFull).toBe(0);
  });

  it('sumSamples filters by labels', () => {
    const samples = parsePrometheusText('m{k="a"} 1\nm{k="b"} 2\nm{k="a"} 4\n');
    expect(sumSamples(samples, 'm', (l) => l['k'] === 'a')).toBe(5);
    expect(sumSamples(samples, 'nope')).toBeUndefined();
  });
});
