import { isMap, mapAt, stringListAt, type YamlMap } from './yaml-file.js';

/**
 * Static checks for OpenTelemetry-Collector-shaped configs (the collector's own and Jaeger v2's).
 * They catch what the collector would refuse at start-up (a pipeline naming an undeclared component,
 * a connector wired on one side only) plus what it only warns about (deprecated component names).
 */

const SECTIONS = [
  'receivers',
  'processors',
  'exporters',
  'connectors',
  'extensions',
] as const;
type Section = (typeof SECTIONS)[number];

const SIGNALS = ['traces', 'metrics', 'logs', 'profiles'];

/**
 * Component types renamed to lower_snake_case by the collector (0.144+) and contrib; the old names are
 * deprecated aliases that still load but warn on every start.
 */
export const DEPRECATED_TYPES: Readonly<
  Partial<Record<Section, Readonly<Record<string, string>>>>
> = {
  exporters: { otlp: 'otlp_grpc', otlphttp: 'otlp_http' },
  connectors: { spanmetrics: 'span_metrics' },
};

/** `otlp_grpc/jaeger` -> `otlp_grpc`. */
export function componentType(id: string): string {
  const slash = id.indexOf('/');
  return slash === -1 ? id : id.slice(0, slash);
}

function declared(config: YamlMap, section: Section): Set<string> {
  const value = config[section];
  if (value === undefined || value === null) return new Set();
  if (!isMap(value)) throw new Error(`"${section}" must be a map`);
  return new Set(Object.keys(value));
}

export interface Pipeline {
  readonly id: string;
  readonly receivers: string[];
  readonly processors: string[];
  readonly exporters: string[];
}

export function pipelines(config: YamlMap): Pipeline[] {
  const service = mapAt(config, 'service', 'config');
  const all = mapAt(service, 'pipelines', 'service');
  return Object.entries(all).map(([id, body]) => {
    if (!isMap(body)) throw new Error(`service.pipelines.${id} must be a map`);
    const where = `service.pipelines.${id}`;
    return {
      id,
      receivers: stringListAt(body, 'receivers', where),
      processors: stringListAt(body, 'processors', where),
      exporters: stringListAt(body, 'exporters', where),
    };
  });
}

/** Every reason the collector would reject (or warn about) this config; empty when it is sound. */
export function collectorConfigProblems(config: YamlMap): string[] {
  const problems: string[] = [];
  const ids = Object.fromEntries(
    SECTIONS.map((s) => [s, declared(config, s)]),
  ) as Record<Section, Set<string>>;

  for (const section of SECTIONS) {
    for (const id of ids[section]) {
      const type = componentType(id);
      if (!/^[a-z][a-z0-9_]*$/.test(type))
        problems.push(
          `${section}.${id}: "${type}" is not a valid component type`,
        );
      const current = DEPRECATED_TYPES[section]?.[type];
      if (current)
        problems.push(
          `${section}.${id}: "${type}" is a deprecated alias, use "${current}"`,
        );
    }
  }

  const service = mapAt(config, 'service', 'config');
  for (const extension of stringListAt(service, 'extensions', 'service')) {
    if (!ids.extensions.has(extension))
      problems.push(
        `service.extensions: "${extension}" is not declared under extensions`,
      );
  }

  const used = {
    receivers: new Set<string>(),
    processors: new Set<string>(),
    exporters: new Set<string>(),
  };
  const connectorAsExporter = new Set<string>();
  const connectorAsReceiver = new Set<string>();
  for (const pipeline of pipelines(config)) {
    const where = `service.pipelines.${pipeline.id}`;
    if (!SIGNALS.includes(componentType(pipeline.id)))
      problems.push(`${where}: unknown signal "${componentType(pipeline.id)}"`);
    if (pipeline.receivers.length === 0)
      problems.push(`${where}: no receivers`);
    if (pipeline.exporters.length === 0)
      problems.push(`${where}: no exporters`);
    for (const id of pipeline.receivers) {
      if (ids.connectors.has(id)) connectorAsReceiver.add(id);
      else if (ids.receivers.has(id)) used.receivers.add(id);
      else
        problems.push(
          `${where}: receiver "${id}" is not declared under receivers or connectors`,
        );
    }
    for (const id of pipeline.processors) {
      if (ids.processors.has(id)) used.processors.add(id);
      else
        problems.push(
          `${where}: processor "${id}" is not declared under processors`,
        );
    }
    for (const id of pipeline.exporters) {
      if (ids.connectors.has(id)) connectorAsExporter.add(id);
      else if (ids.exporters.has(id)) used.exporters.add(id);
      else
        problems.push(
          `${where}: exporter "${id}" is not declared under exporters or connectors`,
        );
    }
  }

  for (const id of ids.connectors) {
    if (!connectorAsExporter.has(id))
      problems.push(
        `connectors.${id}: not used as an exporter in any pipeline`,
      );
    if (!connectorAsReceiver.has(id))
      problems.push(`connectors.${id}: not used as a receiver in any pipeline`);
  }
  for (const section of ['receivers', 'processors', 'exporters'] as const) {
    for (const id of ids[section]) {
      if (!used[section].has(id))
        problems.push(`${section}.${id}: declared but used by no pipeline`);
    }
  }
  return problems;
}

/**
 * Where an otlp_http exporter posts `signal`: `<signal>_endpoint` as given, else `endpoint` plus
 * `/v1/<signal>` (exporter/otlphttpexporter/factory.go composeSignalURL at v0.159.0).
 */
export function otlpHttpSignalUrl(
  body: YamlMap,
  signal: 'traces' | 'metrics' | 'logs',
): string | undefined {
  const specific = body[`${signal}_endpoint`];
  if (typeof specific === 'string' && specific !== '') return specific;
  const endpoint = body['endpoint'];
  if (typeof endpoint !== 'string' || endpoint === '') return undefined;
  return endpoint.endsWith('/')
    ? `${endpoint}v1/${signal}`
    : `${endpoint}/v1/${signal}`;
}
