import { componentType, pipelines } from './collector-config.js';
import {
  isMap,
  mapAt,
  readYaml,
  stringListAt,
  type YamlMap,
} from './yaml-file.js';

/**
 * The Prometheus names of the span_metrics connector's output, derived from the collector config the
 * same way the connector and the prometheus exporter derive them. deploy/otel-collector/span-metrics.yaml
 * documents the result; a test keeps the two equal.
 */

/** Connector defaults (contrib 0.159) for the two settings that shape the names. */
const DEFAULT_NAMESPACE = 'traces.span.metrics';
const DEFAULT_UNIT = 'ms';
const UNIT_SUFFIX: Readonly<Record<string, string>> = {
  ms: 'milliseconds',
  s: 'seconds',
};
const SUPPORTED_STRATEGY = 'UnderscoreEscapingWithSuffixes';

/** Prometheus classic-name escaping: every character outside [a-zA-Z0-9_:] becomes `_`. */
function escapeName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_:]/g, '_');
}

function onlyComponent(section: YamlMap, type: string, where: string): YamlMap {
  const matches = Object.entries(section).filter(
    ([id]) => componentType(id) === type,
  );
  if (matches.length !== 1)
    throw new Error(
      `${where}: expected exactly one ${type} component, found ${matches.length}`,
    );
  const body = matches[0][1];
  return isMap(body) ? body : {};
}

/**
 * The prometheus exporter the span metrics reach: the one in the pipeline that receives from the
 * span_metrics connector (other prometheus exporters may serve other metrics).
 */
export function spanMetricsExporterId(collectorConfig: YamlMap): string {
  const ids = [
    ...new Set(
      pipelines(collectorConfig)
        .filter((p) =>
          p.receivers.some((r) => componentType(r) === 'span_metrics'),
        )
        .flatMap((p) => p.exporters)
        .filter((id) => componentType(id) === 'prometheus'),
    ),
  ];
  if (ids.length !== 1)
    throw new Error(
      `expected one prometheus exporter fed by span_metrics, found ${ids.length}`,
    );
  return ids[0];
}

export function deriveSpanMetricNames(collectorConfig: YamlMap): string[] {
  const connector = onlyComponent(
    mapAt(collectorConfig, 'connectors', 'collector config'),
    'span_metrics',
    'connectors',
  );
  const exporter = mapAt(
    mapAt(collectorConfig, 'exporters', 'collector config'),
    spanMetricsExporterId(collectorConfig),
    'exporters',
  );

  const namespace =
    typeof connector['namespace'] === 'string'
      ? connector['namespace']
      : DEFAULT_NAMESPACE;
  const histogram = isMap(connector['histogram']) ? connector['histogram'] : {};
  const unit =
    typeof histogram['unit'] === 'string' ? histogram['unit'] : DEFAULT_UNIT;
  const strategy = exporter['translation_strategy'] ?? SUPPORTED_STRATEGY;
  if (strategy !== SUPPORTED_STRATEGY) {
    throw new Error(
      `prometheus exporter translation_strategy ${JSON.stringify(strategy)}: only ${SUPPORTED_STRATEGY} is modelled here`,
    );
  }
  const unitSuffix = UNIT_SUFFIX[unit];
  if (!unitSuffix)
    throw new Error(
      `span_metrics histogram.unit ${JSON.stringify(unit)}: expected one of ${Object.keys(UNIT_SUFFIX).join(', ')}`,
    );

  const base = escapeName(namespace === '' ? '' : `${namespace}.`);
  const duration = `${base}duration_${unitSuffix}`;
  return [
    `${base}calls_total`,
    `${duration}_bucket`,
    `${duration}_sum`,
    `${duration}_count`,
  ];
}

export interface DocumentedSpanMetrics {
  readonly metrics: string[];
  readonly labels: string[];
}

export function readDocumentedSpanMetrics(path: string): DocumentedSpanMetrics {
  const document = readYaml(path);
  if (!isMap(document))
    throw new Error(`${path}: expected a map with "metrics" and "labels"`);
  return {
    metrics: stringListAt(document, 'metrics', path),
    labels: stringListAt(document, 'labels', path),
  };
}
