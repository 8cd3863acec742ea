import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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

export function promqlQueries(dashboard: Dashboard): PromqlQuery[] {
  const queries: PromqlQuery[] = [];
  for (const panel of panelsOf(dashboard.json)) {
    for (const target of Array.isArray(panel['targets'])
      ? panel['targets'].filter(isMap)
      : []) {
      if (typeof target['expr'] !== 'string') continue;
      queries.push({
        where: `panel "${String(panel['title'])}" target ${String(target['refId'])}`,
        expr: target['expr'],
        datasourceUid: uidOf(target['datasource'] ?? panel['datasource']),
      });
    }
  }
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

/**
 * PromQL in data source settings: Jaeger's trace-to-metrics links. Provisioning files are
 * env-interpolated by Grafana, so a literal `$` is written `$$` there; after that, `$__tags` is
 * filled with the span's tags as label matchers, for which a representative matcher stands in.
 */
export function datasourcePromqlQueries(
  datasources: readonly ProvisionedDatasource[],
): PromqlQuery[] {
  return datasources.flatMap((ds) => {
    const link = ds.jsonData['tracesToMetrics'];
    if (!isMap(link) || !Array.isArray(link['queries'])) return [];
    return link['queries'].filter(isMap).map((q) => ({
      where: `data source ${ds.name} tracesToMetrics "${String(q['name'])}"`,
      expr: String(q['query'])
        .replace(/\$\$/g, () => '$')
        .replace(/\$__tags/g, () => 'service_name="dice-api"'),
      datasourceUid: link['datasourceUid'],
    }));
  });
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(dir, name));
}
