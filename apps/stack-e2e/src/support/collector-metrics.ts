/**
 * The OpenTelemetry Collector's own metrics the alert rules may use, as a Prometheus scraping otelcol
 * 0.159 (or Jaeger 2.20, built on collector 0.155) stores them: the instrument names unchanged,
 * counters without _total, no unit suffixes. Since collector 0.152 a pull.prometheus reader that
 * leaves without_type_suffix/without_units unset gets them true (applyPrometheusDefaults,
 * service/telemetry/otelconftelemetry/internal/migration/v0.3.0.go), which otelconf maps to
 * otlptranslator.NoTranslation, and the endpoint serves the classic text format, so the scrape adds
 * no _total either. Names read off the pinned sources:
 *
 * - opentelemetry-collector@v0.159.0 internal/e2e/metric_stability_test.go, which scrapes a collector
 *   with exactly our reader (pull, prometheus, host and port only) and expects
 *   otelcol_exporter_send_failed_spans, otelcol_receiver_refused_spans, ...;
 * - opentelemetry-collector@v0.159.0 exporter/exporterhelper/metadata.yaml (otelcol_exporter_*),
 *   receiver/receiverhelper/metadata.yaml (otelcol_receiver_*);
 * - opentelemetry-collector-contrib exporter/loadbalancingexporter/documentation.md
 *   (otelcol_loadbalancer_*) and processor/tailsamplingprocessor/documentation.md
 *   (otelcol_processor_tail_sampling_*).
 *
 * The upstream Helm chart's alert rules use _total names: they predate the 0.152 change and match
 * nothing these collectors expose, so they are no authority here.
 *
 * A rule naming anything else fails the prometheus-rules suite until it is looked up and added.
 */
const SIGNALS = ['spans', 'log_records', 'metric_points'] as const;

export const COLLECTOR_METRICS: ReadonlySet<string> = new Set([
  'otelcol_exporter_queue_size',
  'otelcol_exporter_queue_capacity',
  'otelcol_exporter_in_flight_requests',
  ...SIGNALS.flatMap((s) => [
    `otelcol_exporter_sent_${s}`,
    `otelcol_exporter_send_failed_${s}`,
    `otelcol_exporter_enqueue_failed_${s}`,
    `otelcol_receiver_accepted_${s}`,
    `otelcol_receiver_refused_${s}`,
    `otelcol_receiver_failed_${s}`,
  ]),
  'otelcol_loadbalancer_num_backends',
  'otelcol_loadbalancer_num_resolutions',
  'otelcol_loadbalancer_num_backend_updates',
  'otelcol_processor_tail_sampling_sampling_trace_dropped_too_early',
  'otelcol_processor_tail_sampling_sampling_policy_evaluation_error',
  'otelcol_processor_tail_sampling_sampling_traces_on_memory',
  'otelcol_processor_tail_sampling_new_trace_id_received',
  'otelcol_processor_tail_sampling_global_count_traces_sampled',
]);
