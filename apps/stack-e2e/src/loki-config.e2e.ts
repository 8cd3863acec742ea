import {
  activePeriod,
  durationHours,
  lokiConfigProblems,
  otlpStreamLabels,
} from './support/loki-config.js';
import { paths } from './support/paths.js';
import { isMap, mapAt, readYaml, type YamlMap } from './support/yaml-file.js';

function readConfig(path: string): YamlMap {
  const config = readYaml(path);
  if (!isMap(config)) throw new Error(`${path}: expected a map`);
  return config;
}

const loki = readConfig(paths.lokiConfig);

describe('Loki config checker', () => {
  const sound: YamlMap = {
    auth_enabled: false,
    server: { http_listen_port: 3100 },
    common: { path_prefix: '/loki' },
    schema_config: {
      configs: [
        {
          from: '2024-04-01',
          store: 'tsdb',
          object_store: 'filesystem',
          schema: 'v13',
          index: { prefix: 'index_', period: '24h' },
        },
      ],
    },
    limits_config: { retention_period: '24h' },
    compactor: { retention_enabled: true, delete_request_store: 'filesystem' },
  };

  it('accepts a sound config', () => {
    expect(lokiConfigProblems(sound)).toEqual([]);
  });

  it('reports unknown keys at any depth, and what Loki refuses at start-up', () => {
    const broken: YamlMap = {
      ...sound,
      auth: false,
      server: { http_port: 3100 },
      common: { storage: { filesystem: { chunk_directory: '/x' } } },
      schema_config: {
        configs: [
          {
            from: '2024-04-01',
            store: 'boltdb-shipper',
            object_store: 'filesystem',
            schema: 'v12',
            index: { prefix: 'index_', period: '168h', shards: 2 },
          },
        ],
      },
      limits_config: { retention_period: '12h', retention: '1d' },
      compactor: { retention_enabled: true },
    };
    expect(lokiConfigProblems(broken)).toEqual([
      'server.http_port: not a Loki 3.7 configuration key',
      'common.storage.filesystem.chunk_directory: not a Loki 3.7 configuration key',
      'limits_config.retention: not a Loki 3.7 configuration key',
      'auth: not a Loki 3.7 configuration key',
      'schema_config.configs[0].index.shards: not a Loki 3.7 configuration key',
      'schema_config: structured metadata needs schema v13 or later, the active period has v12',
      'schema_config: structured metadata needs store tsdb, the active period has boltdb-shipper',
      'compactor.delete_request_store: required when retention_enabled is true',
      'schema_config: retention needs a 24h index period, the active period has 168h',
      'limits_config.retention_period: at least 24h when retention is enabled, got 12h',
    ]);
  });

  it('judges the period in force today, not a future one', () => {
    const config: YamlMap = {
      schema_config: {
        configs: [
          { from: '2024-01-01', store: 'tsdb', schema: 'v13' },
          { from: '2999-01-01', store: 'tsdb', schema: 'v14' },
        ],
      },
    };
    expect(activePeriod(config)?.['schema']).toBe('v13');
  });

  it('reads durations as Loki does', () => {
    expect(durationHours('24h')).toBe(24);
    expect(durationHours('1d')).toBe(24);
    expect(durationHours('1h30m')).toBe(1.5);
    expect(durationHours('24')).toBeNaN();
    expect(durationHours('soon')).toBeNaN();
  });
});

describe('deploy/loki/loki.yaml', () => {
  const limits = mapAt(loki, 'limits_config', 'loki');

  it('uses only Loki 3.7 keys and nothing Loki refuses at start-up', () => {
    expect(lokiConfigProblems(loki)).toEqual([]);
  });

  it('accepts OTLP pushes without a tenant header and keeps structured metadata', () => {
    // With auth on, every push would need X-Scope-OrgID, which the collector does not send.
    expect(loki['auth_enabled']).toBe(false);
    expect(limits['allow_structured_metadata']).not.toBe(false);
    const active = activePeriod(loki);
    expect({ store: active?.['store'], schema: active?.['schema'] }).toEqual({
      store: 'tsdb',
      schema: 'v13',
    });
  });

  it('listens where compose, the collector and Grafana expect it', () => {
    expect(mapAt(loki, 'server', 'loki')['http_listen_port']).toBe(3100);
  });

  it('stores on the filesystem of a single instance', () => {
    const common = mapAt(loki, 'common', 'loki');
    const storage = mapAt(common, 'storage', 'common');
    expect(Object.keys(storage)).toEqual(['filesystem']);
    expect(common['replication_factor']).toBe(1);
    expect(
      mapAt(mapAt(common, 'ring', 'common'), 'kvstore', 'ring')['store'],
    ).toBe('inmemory');
    expect(activePeriod(loki)?.['object_store']).toBe('filesystem');
  });

  it('bounds what it keeps and what it takes', () => {
    const compactor = mapAt(loki, 'compactor', 'loki');
    expect(compactor['retention_enabled']).toBe(true);
    const retention = durationHours(limits['retention_period']);
    expect(retention).toBeGreaterThanOrEqual(24);
    expect(retention).toBeLessThanOrEqual(7 * 24);
    // Queries and accepted samples reach no further back than what is kept.
    expect(durationHours(limits['max_query_lookback'])).toBe(retention);
    expect(limits['reject_old_samples']).toBe(true);
    expect(
      durationHours(limits['reject_old_samples_max_age']),
    ).toBeLessThanOrEqual(retention);
    for (const key of [
      'ingestion_rate_mb',
      'ingestion_burst_size_mb',
      'max_global_streams_per_user',
    ])
      expect({ key, value: limits[key] }).toEqual({
        key,
        value: expect.any(Number),
      });
  });

  it('reports no usage statistics', () => {
    expect(mapAt(loki, 'analytics', 'loki')['reporting_enabled']).toBe(false);
  });

  it('gives OTLP streams the default index labels, service_name among them', () => {
    const labels = otlpStreamLabels(loki);
    expect(labels).toEqual(
      expect.arrayContaining(['service_name', 'service_instance_id']),
    );
    expect(() =>
      otlpStreamLabels({
        ...loki,
        limits_config: { ...limits, otlp_config: { resource_attributes: {} } },
      }),
    ).toThrow(/otlp_config/);
  });
});
