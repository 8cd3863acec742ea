import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { paths } from './paths.js';
import { isMap, readYaml } from './yaml-file.js';

/**
 * deploy/prometheus/prometheus.yml with one change: the dice-api target, which in compose is a
 * container, becomes `appTarget` (the app run on the host, reached through testcontainers' port
 * forwarding). Everything else is the shipped config. Returns the path of the written copy.
 */
export function writePrometheusConfigFor(appTarget: string): string {
  const config = readYaml(paths.prometheusConfig);
  const jobs =
    isMap(config) && Array.isArray(config['scrape_configs'])
      ? config['scrape_configs'].filter(isMap)
      : [];
  let replaced = 0;
  for (const job of jobs) {
    for (const group of Array.isArray(job['static_configs'])
      ? job['static_configs'].filter(isMap)
      : []) {
      if (!Array.isArray(group['targets'])) continue;
      group['targets'] = group['targets'].map((target: unknown) => {
        if (target !== 'dice-api:5000') return target;
        replaced++;
        return appTarget;
      });
    }
  }
  if (replaced !== 1)
    throw new Error(
      `expected one dice-api:5000 target in ${paths.prometheusConfig}, found ${replaced}`,
    );
  const file = join(
    mkdtempSync(join(tmpdir(), 'stack-e2e-prometheus-')),
    'prometheus.yml',
  );
  writeFileSync(file, stringify(config));
  return file;
}
