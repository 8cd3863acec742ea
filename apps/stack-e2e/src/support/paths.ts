import { resolve } from 'node:path';

/** Repository root: apps/stack-e2e/src/support -> ../../../.. */
export const repoRoot = resolve(__dirname, '../../../..');

export const repoPath = (...segments: string[]): string =>
  resolve(repoRoot, ...segments);

export const paths = {
  compose: repoPath('docker-compose.yml'),
  dotEnv: repoPath('.env'),
  collectorConfig: repoPath('deploy/otel-collector/otelcol-config.yaml'),
  spanMetricsList: repoPath('deploy/otel-collector/span-metrics.yaml'),
  jaegerConfig: repoPath('deploy/jaeger/config.yaml'),
  lokiConfig: repoPath('deploy/loki/loki.yaml'),
  prometheusConfig: repoPath('deploy/prometheus/prometheus.yml'),
  grafanaDatasources: repoPath('deploy/grafana/provisioning/datasources'),
  grafanaDashboardProviders: repoPath('deploy/grafana/provisioning/dashboards'),
  grafanaDashboards: repoPath('deploy/grafana/dashboards'),
  diceApiMain: repoPath('apps/dice-api/dist/main.js'),
  dockerfile: repoPath('Dockerfile'),
} as const;
