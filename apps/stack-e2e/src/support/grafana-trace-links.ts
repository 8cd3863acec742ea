/**
 * What Grafana's trace view knows about a span when it builds the span -> metrics and span -> logs
 * links of a Jaeger data source, and how it turns that into `$__tags`. Read off the upstream source:
 *
 * - Grafana's Jaeger data source reads Jaeger's /api/traces by default (its api_v3 path is behind the
 *   experimental `jaegerEnableGrpcEndpoint` toggle) and hands each span's process on unchanged:
 *   `serviceName`, and `serviceTags` = the process's tags (pkg/tsdb/jaeger utils TransformTraceResponse);
 *   the trace view makes them `span.process.serviceName` / `span.process.tags`
 *   (public/app/features/explore/TraceView/utils/transform.ts).
 * - Jaeger builds that process from the OTLP resource with the Collector's translator
 *   (jaegertracing/jaeger v2.20.0 internal/storage/v2/v1adapter/translator.go ->
 *   opentelemetry-collector-contrib pkg/translator/jaeger resourceToJaegerProtoProcess): service.name
 *   becomes serviceName and is left out of the tags.
 * - `$__tags` is built from the span's process tags, its own tags and four entries the trace view adds
 *   (spanId, traceId, name = the operation name, duration): each configured `{key, value}` whose key
 *   one of those has becomes `<value or key>="<its value>"`, in the span's order, joined with ", "
 *   (TraceView crossSignalConfig.ts getSpanTags / getFilteredTags, used by createSpanLink.tsx for
 *   tracesToMetrics and by the Loki branch of tracesToLogsV2). With no tags configured the defaults
 *   are cluster, hostname, namespace, pod, service.name, service.namespace (dots mapped to `_`).
 * - `${__span.tags["k"]}` reads the process tags, then the span tags (scopedVarsFromSpan).
 */

export type Tags = Readonly<Record<string, string>>;

/** A span as Grafana's trace view holds it when it came from a Jaeger data source. */
export interface GrafanaTraceSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly operationName: string;
  readonly durationMs: number;
  readonly serviceName: string;
  readonly processTags: Tags;
  readonly spanTags: Tags;
}

/** A `tags` entry of tracesToMetrics / tracesToLogsV2: a span key and the label it maps to. */
export interface TagMapping {
  readonly key: string;
  readonly value?: string;
}

/** The process Jaeger's v1 model makes of an OTLP resource: service.name is the name, not a tag. */
export function jaegerProcess(resource: Tags): {
  serviceName: string;
  tags: Tags;
} {
  const { 'service.name': serviceName, ...tags } = resource;
  return { serviceName: serviceName ?? '', tags };
}

/** dice-api's resource as the library sets it (service.instance.id from the `service` detector). */
export const SAMPLE_RESOURCE: Tags = {
  'service.name': 'dice-api',
  'service.version': '0.0.1',
  'service.instance.id': '627cc493-f310-47de-96bd-71410b7dec09',
  'host.name': 'dice-api-7c9f8d6b5-x2x9z',
  'process.pid': '1',
  'telemetry.sdk.language': 'nodejs',
  'telemetry.sdk.name': 'opentelemetry',
};

const sampleProcess = jaegerProcess(SAMPLE_RESOURCE);

/** A dice-api `do_roll` span as Grafana shows it after reading it from Jaeger's /api/traces. */
export const SAMPLE_SPAN: GrafanaTraceSpan = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  operationName: 'do_roll',
  durationMs: 0.42,
  serviceName: sampleProcess.serviceName,
  processTags: sampleProcess.tags,
  spanTags: {
    'roll.value': '3',
    'span.kind': 'internal',
    'otel.scope.name': 'dice-api',
  },
};

/** The defaults Grafana uses when a link configures no tags. */
export const GRAFANA_DEFAULT_CROSS_SIGNAL_TAGS: readonly TagMapping[] = [
  'cluster',
  'hostname',
  'namespace',
  'pod',
  'service.name',
  'service.namespace',
].map((key) => ({
  key,
  value: key.includes('.') ? key.replace(/\./g, '_') : undefined,
}));

/** getSpanTags: what a configured key is looked up in, in this order. */
export function grafanaSpanTags(
  span: GrafanaTraceSpan,
): { key: string; value: string }[] {
  return [
    ...Object.entries(span.processTags),
    ...Object.entries(span.spanTags),
    ['spanId', span.spanId],
    ['traceId', span.traceId],
    ['name', span.operationName],
    ['duration', String(span.durationMs)],
  ].map(([key, value]) => ({ key, value }));
}

/** getFilteredTags + join: the text Grafana puts in place of `$__tags` / `${__tags}`. */
export function grafanaFormattedTags(
  span: GrafanaTraceSpan,
  configured: readonly TagMapping[],
): string {
  const tagsToUse =
    configured.length > 0 ? configured : GRAFANA_DEFAULT_CROSS_SIGNAL_TAGS;
  return grafanaSpanTags(span)
    .flatMap(({ key, value }) => {
      const mapping = tagsToUse.find((t) => t.key === key);
      if (!mapping) return [];
      const label =
        mapping.value !== undefined && mapping.value !== ''
          ? mapping.value
          : mapping.key;
      return [`${label}="${value}"`];
    })
    .join(', ');
}

/** scopedVarsFromSpan's `tags`: process tags, then span tags (a span tag wins). */
export function grafanaScopedSpanTags(span: GrafanaTraceSpan): Tags {
  return { ...span.processTags, ...span.spanTags };
}

/**
 * A link query as Grafana runs it for `span` (after provisioning has turned `$$` into `$`): `$__tags`
 * and `${__tags}` as above, then the span and trace variables of scopedVarsFromSpan /
 * scopedVarsFromTrace that these links use.
 */
export function interpolateSpanLinkQuery(
  query: string,
  span: GrafanaTraceSpan,
  configured: readonly TagMapping[],
): string {
  const tags = grafanaFormattedTags(span, configured);
  const scoped = grafanaScopedSpanTags(span);
  return query
    .replace(/\$\{__tags\}|\$__tags\b/g, () => tags)
    .replace(/\$\{__(?:span|trace)\.traceId\}/g, () => span.traceId)
    .replace(/\$\{__span\.spanId\}/g, () => span.spanId)
    .replace(/\$\{__span\.name\}/g, () => span.operationName)
    .replace(
      /\$\{__span\.tags\["([^"]+)"\]\}/g,
      (_whole, key: string) => scoped[key] ?? '',
    );
}

/** `label="value"` matchers of every `{…}` selector of `metric`-prefixed series in plain PromQL. */
export function seriesMatchers(
  promql: string,
  metricPrefix: string,
): { label: string; op: string; value: string }[][] {
  const selectors = [
    ...promql.matchAll(
      new RegExp(`\\b${metricPrefix}[A-Za-z0-9_:]*\\{([^}]*)\\}`, 'g'),
    ),
  ];
  return selectors.map((selector) =>
    [...selector[1].matchAll(/([A-Za-z_]\w*)\s*(=~|!~|!=|=)\s*"([^"]*)"/g)].map(
      (m) => ({ label: m[1], op: m[2], value: m[3] }),
    ),
  );
}

/**
 * What is wrong with span -> span-metrics links (`queries`, after provisioning) for `span`: a
 * selector that Grafana leaves without the span's operation (so the link shows other operations,
 * or every service when `$__tags` comes out empty), or one naming a label the span metrics do not
 * have (so it shows nothing).
 */
export function traceToMetricsProblems(
  queries: readonly { where: string; expr: string }[],
  span: GrafanaTraceSpan,
  spanMetricLabels: readonly string[],
): string[] {
  return queries.flatMap((q) => {
    const selectors = seriesMatchers(q.expr, 'traces_span_metrics_');
    if (selectors.length === 0)
      return [`${q.where}: selects no span-metric series`];
    return selectors.flatMap((matchers) => {
      if (matchers.length === 0)
        return [
          `${q.where}: $__tags is empty for a ${span.serviceName} span from Jaeger's /api/traces, so the link shows every service's spans`,
        ];
      const problems: string[] = [];
      if (
        !matchers.some(
          (m) =>
            m.label === 'span_name' &&
            m.op === '=' &&
            m.value === span.operationName,
        )
      )
        problems.push(
          `${q.where}: does not select the span's operation (span_name="${span.operationName}")`,
        );
      for (const m of matchers)
        if (!spanMetricLabels.includes(m.label))
          problems.push(
            `${q.where}: selects ${m.label}, which the span metrics do not have`,
          );
      return problems;
    });
  });
}
