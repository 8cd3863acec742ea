/**
 * The OpenTelemetry Collector's own metrics the alert rules use, as a Prometheus scraping otelcol
 * 0.159 stores them: counters end in _total, gauges keep their name, and no unit suffix is added
 * (units in braces are annotations). Names read off the pinned sources:
 *
 * - opentelemetry-collector@v0.159.0 exporter/exporterhelper/metadata.yaml (otelcol_exporter_*),
 *   receiver/receiverhelper/metadata.yaml (otelcol_receiver_*);
 * - opentelemetry-collector-contrib exporter/loadbalancingexporter/documentation.md
 *   (otelcol_loadbalancer_*) and processor/tailsamplingprocessor/documentation.md
 *   (otelcol_processor_tail_sampling_*);
 * - the _total suffix as the upstream Helm chart's alert rules use it
 *   (opentelemetry-helm-charts charts/opentelemetry-collector/templates/prometheusrule.yaml, fixed to
 *   the _total names in PR #1842 against collectors of this generation).
 *
 * A rule naming anything else fails the prometheus-rules suite until it is looked up and added.
 */
const SIGNALS = ['spans', 'log_records', 'metric_points'] as const;

export const COLLECTOR_METRICS: ReadonlySet<string> = new Set([
  'otelcol_exporter_queue_size',
  'otelcol_exporter_queue_capacity',
  'otelcol_exporter_in_flight_requests',
  ...SIGNALS.flatMap((s) => [
    `otelcol_exporter_sent_${s}_total`,
    `otelcol_exporter_send_failed_${s}_total`,
    `otelcol_exporter_enqueue_failed_${s}_total`,
    `otelcol_receiver_accepted_${s}_total`,
    `otelcol_receiver_refused_${s}_total`,
    `otelcol_receiver_failed_${s}_total`,
  ]),
  'otelcol_loadbalancer_num_backends',
  'otelcol_loadbalancer_num_resolutions_total',
  'otelcol_loadbalancer_num_backend_updates_total',
  'otelcol_processor_tail_sampling_sampling_trace_dropped_too_early_total',
  'otelcol_processor_tail_sampling_sampling_policy_evaluation_error_total',
  'otelcol_processor_tail_sampling_sampling_traces_on_memory',
  'otelcol_processor_tail_sampling_new_trace_id_received_total',
  'otelcol_processor_tail_sampling_global_count_traces_sampled_total',
]);
