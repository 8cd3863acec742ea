import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  interpolateSpanLinkQuery,
  SAMPLE_SPAN,
  type GrafanaTraceSpan,
  type TagMapping,
} from './grafana-trace-links.js';
import { isMap, readYaml, type YamlMap } from './yaml-file.js';

/** Provisioned Grafana data sources and dashboards, read as Grafana reads them. */

export interface ProvisionedDatasource {
  readonly name: string;
  readonly uid: string;
  readonly type: string;
  readonly url: string;
  readonly jsonData: YamlMap;
}

export function readDatasources(dir: string): ProvisionedDatasource[] {
  return yamlFiles(dir).flatMap((file) => {
    const document = readYaml(file);
    const list = isMap(document) ? document['datasources'] : undefined;
    if (!Array.isArray(list))
      throw new Error(`${file}: expected a "datasources" list`);
    return list.map((entry, i): ProvisionedDatasource => {
      if (!isMap(entry))
        throw new Error(`${file}: datasources[${i}] is not a map`);
      const field = (key: string): string => {
        const value = entry[key];
        if (typeof value !== 'string' || value === '')
          throw new Error(
            `${file}: datasources[${i}].${key} must be a non-empty string`,
          );
        return value;
      };
      return {
        name: field('name'),
        uid: field('uid'),
        type: field('type'),
        url: field('url'),
        jsonData: isMap(entry['jsonData']) ? entry['jsonData'] : {},
      };
    });
  });
}

export interface DashboardProvider {
  readonly name: string;
  readonly path: string;
}

export function readDashboardProviders(dir: string): DashboardProvider[] {
  return yamlFiles(dir).flatMap((file) => {
    const document = readYaml(file);
    const list = isMap(document) ? document['providers'] : undefined;
    if (!Array.isArray(list))
      throw new Error(`${file}: expected a "providers" list`);
    return list.map((entry, i): DashboardProvider => {
      const options =
        isMap(entry) && isMap(entry['options']) ? entry['options'] : {};
      if (
        !isMap(entry) ||
        typeof entry['name'] !== 'string' ||
        typeof options['path'] !== 'string'
      ) {
        throw new Error(
          `${file}: providers[${i}] needs a name and options.path`,
        );
      }
      return { name: entry['name'], path: options['path'] };
    });
  });
}

export interface Dashboard {
  readonly file: string;
  readonly json: YamlMap;
}

export function readDashboards(dir: string): Dashboard[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => {
      const file = join(dir, name);
      const json: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (!isMap(json))
        throw new Error(`${file}: a dashboard must be a JSON object`);
      return { file, json };
    });
}

/** A data source reference (`{type, uid}`) found somewhere in a dashboard. */
export interface DatasourceRef {
  readonly where: string;
  readonly type: unknown;
  readonly uid: unknown;
}

/** A query with a PromQL `expr`, with the data source it runs against (its own, else its panel's). */
export interface PromqlQuery {
  readonly where: string;
  readonly expr: string;
  readonly datasourceUid: unknown;
}

/** Panels, including those nested in (collapsed) rows. */
function panelsOf(dashboard: YamlMap): YamlMap[] {
  const top = Array.isArray(dashboard['panels'])
    ? dashboard['panels'].filter(isMap)
    : [];
  return top.flatMap((panel) => [
    panel,
    ...(Array.isArray(panel['panels']) ? panel['panels'].filter(isMap) : []),
  ]);
}

function uidOf(datasource: unknown): unknown {
  return isMap(datasource) ? datasource['uid'] : datasource;
}

export function datasourceRefs(dashboard: Dashboard): DatasourceRef[] {
  const refs: DatasourceRef[] = [];
  for (const panel of panelsOf(dashboard.json)) {
    const title = String(panel['title'] ?? panel['id']);
    if (panel['type'] !== 'row' && panel['datasource'] !== undefined) {
      const ds = panel['datasource'];
      refs.push({
        where: `panel "${title}"`,
        type: isMap(ds) ? ds['type'] : undefined,
        uid: uidOf(ds),
      });
    }
    for (const target of Array.isArray(panel['targets'])
      ? panel['targets'].filter(isMap)
      : []) {
      const ds = target['datasource'];
      if (ds !== undefined)
        refs.push({
          where: `panel "${title}" target ${String(target['refId'])}`,
          type: isMap(ds) ? ds['type'] : undefined,
          uid: uidOf(ds),
        });
    }
  }
  return refs;
}

/** The data source type a target runs against: its own data source's, else its panel's. */
function targetDatasourceType(panel: YamlMap, target: YamlMap): unknown {
  const ds = target['datasource'] ?? panel['datasource'];
  return isMap(ds) ? ds['type'] : undefined;
}

/** Every target with an `expr` in every panel, with the type of the data source it runs on. */
function exprTargets(
  dashboard: Dashboard,
): Array<PromqlQuery & { readonly datasourceType: unknown }> {
  return panelsOf(dashboard.json).flatMap((panel) =>
    (Array.isArray(panel['targets']) ? panel['targets'].filter(isMap) : [])
      .filter((target) => typeof target['expr'] === 'string')
      .map((target) => ({
        where: `panel "${String(panel['title'])}" target ${String(target['refId'])}`,
        expr: target['expr'] as string,
        datasourceUid: uidOf(target['datasource'] ?? panel['datasource']),
        datasourceType: targetDatasourceType(panel, target),
      })),
  );
}

/** PromQL: every `expr` that does not run on a Loki data source (which speaks LogQL), and query variables. */
export function promqlQueries(dashboard: Dashboard): PromqlQuery[] {
  const queries: PromqlQuery[] = exprTargets(dashboard)
    .filter((q) => q.datasourceType !== 'loki')
    .map(({ where, expr, datasourceUid }) => ({ where, expr, datasourceUid }));
  const variables =
    isMap(dashboard.json['templating']) &&
    Array.isArray(dashboard.json['templating']['list'])
      ? dashboard.json['templating']['list']
      : [];
  for (const variable of variables.filter(isMap)) {
    const query = isMap(variable['query'])
      ? variable['query']['query']
      : variable['query'];
    if (variable['type'] === 'query' && typeof query === 'string') {
      queries.push({
        where: `variable ${String(variable['name'])}`,
        expr: query,
        datasourceUid: uidOf(variable['datasource']),
      });
    }
  }
  return queries;
}

/** LogQL: every `expr` of a target that runs on a Loki data source. */
export function logqlQueries(dashboard: Dashboard): PromqlQuery[] {
  return exprTargets(dashboard)
    .filter((q) => q.datasourceType === 'loki')
    .map(({ where, expr, datasourceUid }) => ({ where, expr, datasourceUid }));
}

/** Panels of a dashboard, rows' children included. */
export function dashboardPanels(dashboard: Dashboard): YamlMap[] {
  return panelsOf(dashboard.json);
}

/** The `tags` of a trace-to-metrics / trace-to-logs link, as Grafana reads them. */
export function linkTagMappings(link: YamlMap): TagMapping[] {
  return (Array.isArray(link['tags']) ? link['tags'] : [])
    .filter(isMap)
    .map((tag) => ({
      key: String(tag['key']),
      value: typeof tag['value'] === 'string' ? tag['value'] : undefined,
    }));
}

/**
 * PromQL in data source settings: Jaeger's trace-to-metrics links, as Grafana runs them for `span`
 * (SAMPLE_SPAN: a dice-api span read through Jaeger's /api/traces). Provisioning files are
 * env-interpolated by Grafana, so a literal `$` is written `$$` there; after that, `$__tags` is the
 * span's tags the link maps (grafana-trace-links.ts).
 */
export function datasourcePromqlQueries(
  datasources: readonly ProvisionedDatasource[],
  span: GrafanaTraceSpan = SAMPLE_SPAN,
): PromqlQuery[] {
  return datasources.flatMap((ds) => {
    const link = ds.jsonData['tracesToMetrics'];
    if (!isMap(link) || !Array.isArray(link['queries'])) return [];
    const tags = linkTagMappings(link);
    return link['queries'].filter(isMap).map((q) => ({
      where: `data source ${ds.name} tracesToMetrics "${String(q['name'])}"`,
      expr: interpolateSpanLinkQuery(
        grafanaProvisionedValue(String(q['query'])),
        span,
        tags,
      ),
      datasourceUid: link['datasourceUid'],
    }));
  });
}

/**
 * LogQL in data source settings: Jaeger's (or Tempo's) custom trace-to-logs query, as Grafana runs
 * it for `span`: `${__tags}` becomes the configured tag mappings the span has, `${__span.traceId}` /
 * `${__trace.traceId}` and `${__span.spanId}` the span's ids, `${__span.tags["key"]}` a tag's value
 * (grafana-trace-links.ts).
 */
export function datasourceLogqlQueries(
  datasources: readonly ProvisionedDatasource[],
  span: GrafanaTraceSpan = SAMPLE_SPAN,
): PromqlQuery[] {
  return datasources.flatMap((ds) => {
    const link = ds.jsonData['tracesToLogsV2'];
    if (!isMap(link) || link['customQuery'] !== true) return [];
    return [
      {
        where: `data source ${ds.name} tracesToLogsV2 query`,
        expr: interpolateSpanLinkQuery(
          grafanaProvisionedValue(String(link['query'])),
          span,
          linkTagMappings(link),
        ),
        datasourceUid: link['datasourceUid'],
      },
    ];
  });
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(dir, name));
}

/** `$__provider{argument}`: one of Grafana's expanders (see grafanaExpanders). */
const GRAFANA_EXPANDER = /\$__(\w+)\{([^}]+)\}/g;

/**
 * The environment variables Grafana's provisioning would expand in a value (each `$NAME` or
 * `${NAME}`). Grafana runs every string of a provisioning file through
 * pkg/services/provisioning/values/values.go interpolateValue: split on `$$`, os.ExpandEnv each
 * part, join the parts with a literal `$`. A reference meant for Grafana itself (`${__value.raw}`,
 * `$__tags`) that is not written with `$$` is replaced by an (empty) environment variable.
 */
export function grafanaEnvReferences(raw: string): string[] {
  return raw
    .split('$$')
    .flatMap((part) => [
      ...part
        .replace(GRAFANA_EXPANDER, '')
        .matchAll(/\$(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*|[*#$@!?-]|[0-9])/g),
    ])
    .map((m) => m[0]);
}

/**
 * Grafana's expanders in a provisioning value, e.g. `$__file{/run/secrets/ca.crt}` or
 * `$__env{NAME}`: pkg/setting expanders (ExpandVar), which provisioning runs on each part between
 * `$$` before the environment variables (regex `\$(|__\w+){([^}]+)}`).
 */
export function grafanaExpanders(
  raw: string,
): { provider: string; argument: string }[] {
  return raw
    .split('$$')
    .flatMap((part) => [...part.matchAll(GRAFANA_EXPANDER)])
    .map((m) => ({ provider: m[1], argument: m[2] }));
}

/** The value Grafana ends up with after provisioning; refuses values it would env-expand. */
export function grafanaProvisionedValue(raw: string): string {
  const references = [
    ...grafanaEnvReferences(raw),
    ...grafanaExpanders(raw).map((e) => `$__${e.provider}{${e.argument}}`),
  ];
  if (references.length > 0)
    throw new Error(
      `${JSON.stringify(raw)}: Grafana would replace ${references.join(', ')} with environment variables; write $$ for a literal $`,
    );
  return raw.split('$$').join('$');
}

/** A link from one provisioned data source to another. */
export interface DatasourceLink {
  readonly from: string;
  readonly setting: string;
  readonly toUid: unknown;
}

/** Every data-source-to-data-source reference in the provisioned jsonData. */
export function datasourceLinks(
  datasources: readonly ProvisionedDatasource[],
): DatasourceLink[] {
  return datasources.flatMap((ds) => {
    const links: DatasourceLink[] = [];
    for (const setting of [
      'tracesToMetrics',
      'tracesToLogsV2',
      'tracesToLogs',
      'tracesToProfiles',
    ]) {
      const value = ds.jsonData[setting];
      if (isMap(value))
        links.push({ from: ds.uid, setting, toUid: value['datasourceUid'] });
    }
    const derived = ds.jsonData['derivedFields'];
    if (Array.isArray(derived))
      derived.filter(isMap).forEach((field, i) => {
        if (field['datasourceUid'] !== undefined)
          links.push({
            from: ds.uid,
            setting: `derivedFields[${i}]`,
            toUid: field['datasourceUid'],
          });
      });
    return links;
  });
}
