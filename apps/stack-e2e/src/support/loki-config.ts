import { isMap, type YamlMap } from './yaml-file.js';

/**
 * Static checks for a Grafana Loki 3.7 configuration file, read off the pinned release:
 *
 * - keys: grafana/loki@v3.7.6 docs/sources/shared/configuration.md, which `make doc` generates from
 *   the config structs. Loki reads its file with yaml.UnmarshalStrict (pkg/util/cfg/files.go), so an
 *   unknown key anywhere stops it at start-up; the sections this repository configures are listed
 *   to the depth it uses them, every other documented section is accepted whole.
 * - rules: what pkg/loki/validation.go and pkg/compactor/config.go refuse at start-up, and what
 *   docs/sources/operations/storage/retention.md requires for retention to run at all.
 * - OTLP labels: pkg/loghttp/push/otlp_config.go (the resource attributes that become index
 *   labels) and otlp.go (the log-record fields stored as structured metadata).
 */

type KeySpec = true | { readonly [key: string]: KeySpec };
const ANY = true as const;
const keys = (...names: string[]): KeySpec =>
  Object.fromEntries(names.map((name) => [name, ANY]));

const SERVER = keys(
  'http_listen_network',
  'http_listen_address',
  'http_listen_port',
  'http_listen_conn_limit',
  'grpc_listen_network',
  'grpc_listen_address',
  'grpc_listen_port',
  'grpc_listen_conn_limit',
  'grpc_collect_max_streams_by_conn',
  'proxy_protocol_enabled',
  'tls_cipher_suites',
  'tls_min_version',
  'http_tls_config',
  'grpc_tls_config',
  'register_instrumentation',
  'report_grpc_codes_in_instrumentation_label_enabled',
  'graceful_shutdown_timeout',
  'http_server_read_timeout',
  'http_server_read_header_timeout',
  'http_server_write_timeout',
  'http_server_idle_timeout',
  'http_log_closed_connections_without_response_enabled',
  'grpc_server_max_recv_msg_size',
  'grpc_server_max_send_msg_size',
  'grpc_server_max_concurrent_streams',
  'grpc_server_max_connection_idle',
  'grpc_server_max_connection_age',
  'grpc_server_max_connection_age_grace',
  'grpc_server_keepalive_time',
  'grpc_server_keepalive_timeout',
  'grpc_server_min_time_between_pings',
  'grpc_server_ping_without_stream_allowed',
  'grpc_server_num_workers',
  'grpc_server_stats_tracking_enabled',
  'grpc_server_recv_buffer_pools_enabled',
  'log_format',
  'log_level',
  'log_source_ips_enabled',
  'log_source_ips_full',
  'log_source_ips_header',
  'log_source_ips_regex',
  'log_request_headers',
  'log_request_at_info_level_enabled',
  'log_request_exclude_headers_list',
  'trace_request_headers',
  'trace_request_exclude_headers_list',
  'http_path_prefix',
  'cluster_validation',
  'create_new_traces',
);

const COMMON: KeySpec = {
  path_prefix: ANY,
  storage: {
    ...(keys(
      's3',
      'gcs',
      'azure',
      'alibabacloud',
      'bos',
      'swift',
      'hedging',
      'cos',
      'congestion_control',
      'object_store',
    ) as Record<string, KeySpec>),
    filesystem: keys('chunks_directory', 'rules_directory'),
  },
  persist_tokens: ANY,
  replication_factor: ANY,
  ring: {
    kvstore: keys('store', 'prefix', 'consul', 'etcd', 'multi'),
    ...(keys(
      'heartbeat_period',
      'heartbeat_timeout',
      'tokens_file_path',
      'zone_awareness_enabled',
      'num_tokens',
      'replication_factor',
      'instance_id',
      'instance_interface_names',
      'instance_port',
      'instance_addr',
      'instance_availability_zone',
    ) as Record<string, KeySpec>),
  },
  instance_interface_names: ANY,
  instance_addr: ANY,
  compactor_address: ANY,
  compactor_grpc_address: ANY,
  scratch_path: ANY,
};

/** period_config: one entry of schema_config.configs. */
const PERIOD_CONFIG: KeySpec = {
  from: ANY,
  store: ANY,
  object_store: ANY,
  schema: ANY,
  index: keys('path_prefix', 'prefix', 'period', 'tags'),
  chunks: keys('prefix', 'period', 'tags'),
  row_shards: ANY,
};

const LIMITS_CONFIG = keys(
  'ingestion_rate_strategy',
  'ingestion_rate_mb',
  'ingestion_burst_size_mb',
  'max_label_name_length',
  'max_label_value_length',
  'max_label_names_per_series',
  'reject_old_samples',
  'reject_old_samples_max_age',
  'creation_grace_period',
  'max_line_size',
  'max_line_size_truncate',
  'max_line_size_truncate_identifier',
  'increment_duplicate_timestamp',
  'simulated_push_latency',
  'enable_multi_variant_queries',
  'discover_generic_fields',
  'discover_service_name',
  'discover_log_levels',
  'log_level_fields',
  'log_level_from_json_max_depth',
  'use_owned_stream_count',
  'max_streams_per_user',
  'max_global_streams_per_user',
  'unordered_writes',
  'per_stream_rate_limit',
  'per_stream_rate_limit_burst',
  'max_chunks_per_query',
  'max_query_series',
  'max_query_lookback',
  'max_query_length',
  'max_query_range',
  'max_query_parallelism',
  'tsdb_max_query_parallelism',
  'tsdb_max_bytes_per_shard',
  'tsdb_sharding_strategy',
  'tsdb_precompute_chunks',
  'cardinality_limit',
  'max_streams_matchers_per_query',
  'max_concurrent_tail_requests',
  'max_entries_limit_per_query',
  'max_cache_freshness_per_query',
  'max_metadata_cache_freshness',
  'max_stats_cache_freshness',
  'max_queriers_per_tenant',
  'max_query_capacity',
  'query_ready_index_num_days',
  'query_timeout',
  'split_queries_by_interval',
  'split_metadata_queries_by_interval',
  'split_recent_metadata_queries_by_interval',
  'recent_metadata_query_window',
  'split_instant_metric_queries_by_interval',
  'engine_results_cache_time_bucket_interval',
  'split_ingester_queries_by_interval',
  'min_sharding_lookback',
  'max_query_bytes_read',
  'max_querier_bytes_read',
  'volume_enabled',
  'volume_max_series',
  'ruler_max_rules_per_rule_group',
  'ruler_max_rule_groups_per_tenant',
  'ruler_tenant_shard_size',
  'ruler_enable_wal_replay',
  'ruler_remote_write_disabled',
  'ruler_remote_write_url',
  'ruler_remote_write_timeout',
  'ruler_remote_write_headers',
  'ruler_remote_write_relabel_configs',
  'ruler_remote_write_queue_capacity',
  'ruler_remote_write_queue_min_shards',
  'ruler_remote_write_queue_max_shards',
  'ruler_remote_write_queue_max_samples_per_send',
  'ruler_remote_write_queue_batch_send_deadline',
  'ruler_remote_write_queue_min_backoff',
  'ruler_remote_write_queue_max_backoff',
  'ruler_remote_write_queue_retry_on_ratelimit',
  'ruler_remote_write_config',
  'ruler_remote_evaluation_timeout',
  'ruler_remote_evaluation_max_response_size',
  'deletion_mode',
  'retention_period',
  'retention_stream',
  'per_tenant_override_config',
  'per_tenant_override_period',
  'allow_deletes',
  'shard_streams',
  'blocked_queries',
  'required_labels',
  'minimum_labels_number',
  'index_gateway_shard_size',
  'index_gateway_max_capacity',
  'bloom_gateway_enable_filtering',
  'bloom_build_max_builders',
  'bloom_build_task_max_retries',
  'bloom_build_builder_response_timeout',
  'bloom_creation_enabled',
  'bloom_planning_strategy',
  'bloom_split_series_keyspace_by',
  'bloom_task_target_series_chunk_size',
  'bloom_block_encoding',
  'bloom_prefetch_blocks',
  'bloom_max_block_size',
  'bloom_max_bloom_size',
  'allow_structured_metadata',
  'max_structured_metadata_size',
  'max_structured_metadata_entries_count',
  'otlp_config',
  'block_ingestion_policy_until',
  'block_ingestion_until',
  'block_ingestion_status_code',
  'enforced_labels',
  'policy_enforced_labels',
  'policy_stream_mapping',
  'ingestion_partitions_tenant_shard_size',
  'shard_aggregations',
  'pattern_ingester_tokenizable_json_fields_default',
  'pattern_ingester_tokenizable_json_fields_append',
  'pattern_ingester_tokenizable_json_fields_delete',
  'metric_aggregation_enabled',
  'pattern_persistence_enabled',
  'pattern_persistence_granularity',
  'pattern_rate_threshold',
  'max_scan_task_parallelism',
  'debug_engine_tasks',
  'debug_engine_streams',
);

const COMPACTOR = keys(
  'working_directory',
  'compaction_interval',
  'apply_retention_interval',
  'retention_enabled',
  'retention_delete_delay',
  'retention_delete_worker_count',
  'retention_table_timeout',
  'retention_backoff_config',
  'delete_request_store',
  'delete_request_store_key_prefix',
  'delete_request_store_db_type',
  'backup_delete_request_store_db_type',
  'delete_batch_size',
  'delete_request_cancel_period',
  'delete_max_interval',
  'max_compaction_parallelism',
  'upload_parallelism',
  'compactor_ring',
  'tables_to_compact',
  'skip_latest_n_tables',
  'horizontal_scaling_mode',
  'worker_config',
  'jobs_config',
  'deletion_marker_object_store_prefix',
);

/** The top-level keys of Loki 3.7.6, with the sections used here spelled out. */
export const LOKI_3_7_KEYS: KeySpec = {
  ...(keys(
    'target',
    'auth_enabled',
    'ballast_bytes',
    'ui',
    'distributor',
    'querier',
    'query_engine',
    'query_scheduler',
    'frontend',
    'query_range',
    'ruler',
    'ruler_storage',
    'ingester_client',
    'ingester',
    'pattern_ingester',
    'index_gateway',
    'bloom_build',
    'bloom_gateway',
    'storage_config',
    'chunk_store_config',
    'compactor_grpc_client',
    'frontend_worker',
    'table_manager',
    'memberlist',
    'kafka_config',
    'dataobj',
    'ingest_limits',
    'ingest_limits_frontend',
    'ingest_limits_frontend_client',
    'runtime_config',
    'operational_config',
    'tracing',
    'profiling',
    'tenant_limits_allow_publish',
    'shutdown_delay',
    'metrics_namespace',
  ) as Record<string, KeySpec>),
  server: SERVER,
  common: COMMON,
  // configs is a list; each entry is checked against PERIOD_CONFIG in lokiConfigProblems.
  schema_config: keys('configs'),
  limits_config: LIMITS_CONFIG,
  compactor: COMPACTOR,
  analytics: keys(
    'reporting_enabled',
    'usage_stats_url',
    'proxy_url',
    'tls_config',
  ),
};

function keyProblems(value: unknown, spec: KeySpec, path: string): string[] {
  if (spec === true || value === null || value === undefined) return [];
  if (!isMap(value)) return [`${path}: expected a map`];
  return Object.entries(value).flatMap(([key, child]) => {
    const where = path === '' ? key : `${path}.${key}`;
    const childSpec = spec[key];
    if (childSpec === undefined)
      return [`${where}: not a Loki 3.7 configuration key`];
    return keyProblems(child, childSpec, where);
  });
}

/** A Go/Prometheus duration (`24h`, `1h30m`, `7d`) in hours; NaN when it is not one. */
export function durationHours(value: unknown): number {
  if (typeof value !== 'string' && typeof value !== 'number') return NaN;
  const text = String(value);
  if (text === '0') return 0;
  const unit: Record<string, number> = {
    ms: 1 / 3_600_000,
    s: 1 / 3600,
    m: 1 / 60,
    h: 1,
    d: 24,
    w: 168,
    y: 8760,
  };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/g)];
  if (parts.map((p) => p[0]).join('') !== text) return NaN;
  return parts.reduce((sum, p) => sum + Number(p[1]) * unit[p[2]], 0);
}

function periodConfigs(config: YamlMap): YamlMap[] {
  const schema = config['schema_config'];
  const configs = isMap(schema) ? schema['configs'] : undefined;
  return Array.isArray(configs) ? configs.filter(isMap) : [];
}

/** The period in force today: the one with the latest `from` that is not in the future. */
export function activePeriod(
  config: YamlMap,
  today = new Date(),
): YamlMap | undefined {
  const day = today.toISOString().slice(0, 10);
  return periodConfigs(config)
    .filter((p) => String(p['from']) <= day)
    .sort((a, b) => String(a['from']).localeCompare(String(b['from'])))
    .at(-1);
}

/** Every reason Loki 3.7 would refuse to start with `config` (or run without retention). */
export function lokiConfigProblems(config: YamlMap): string[] {
  const problems = keyProblems(config, LOKI_3_7_KEYS, '');
  periodConfigs(config).forEach((period, i) =>
    problems.push(
      ...keyProblems(period, PERIOD_CONFIG, `schema_config.configs[${i}]`),
    ),
  );

  const limits = isMap(config['limits_config']) ? config['limits_config'] : {};
  const common = isMap(config['common']) ? config['common'] : {};
  const compactor = isMap(config['compactor']) ? config['compactor'] : {};
  const active = activePeriod(config);
  if (!active)
    problems.push('schema_config.configs: no period is in force today');
  else {
    // pkg/loki/validation.go validateSchemaRequirements: structured metadata (on by default, and
    // what OTLP ingestion stores) needs the tsdb index with schema v13 or later.
    if (limits['allow_structured_metadata'] !== false) {
      const version = Number(String(active['schema']).replace(/^v/, ''));
      if (!(version >= 13))
        problems.push(
          `schema_config: structured metadata needs schema v13 or later, the active period has ${String(active['schema'])}`,
        );
      if (active['store'] !== 'tsdb')
        problems.push(
          `schema_config: structured metadata needs store tsdb, the active period has ${String(active['store'])}`,
        );
    }
    // validateDirectoriesExist: tsdb needs its directories, which path_prefix provides.
    if (active['store'] === 'tsdb' && typeof common['path_prefix'] !== 'string')
      problems.push(
        'common.path_prefix: needed for the tsdb index directories (or set storage_config.tsdb_shipper)',
      );
  }

  if (compactor['retention_enabled'] === true) {
    // pkg/compactor/config.go Validate.
    if (!compactor['delete_request_store'])
      problems.push(
        'compactor.delete_request_store: required when retention_enabled is true',
      );
    // docs/sources/operations/storage/retention.md: 24 h index period, at least 24 h retention.
    const index = isMap(active?.['index']) ? active['index'] : {};
    if (durationHours(index['period']) !== 24)
      problems.push(
        `schema_config: retention needs a 24h index period, the active period has ${String(index['period'])}`,
      );
    const retention = durationHours(limits['retention_period']);
    if (!(retention >= 24))
      problems.push(
        `limits_config.retention_period: at least 24h when retention is enabled, got ${String(limits['retention_period'])}`,
      );
  }
  return problems;
}

/** Loki 3.7's default list of OTLP resource attributes stored as index labels (otlp_config.go). */
export const DEFAULT_OTLP_INDEX_ATTRIBUTES: readonly string[] = [
  'service.name',
  'service.namespace',
  'service.instance.id',
  'deployment.environment',
  'deployment.environment.name',
  'cloud.region',
  'cloud.availability_zone',
  'k8s.cluster.name',
  'k8s.namespace.name',
  'k8s.pod.name',
  'k8s.container.name',
  'container.name',
  'k8s.replicaset.name',
  'k8s.deployment.name',
  'k8s.statefulset.name',
  'k8s.daemonset.name',
  'k8s.cronjob.name',
  'k8s.job.name',
];

/**
 * Fields of an OTLP log record Loki stores as structured metadata (otlp.go otlpLogToPushEntry),
 * plus detected_level, which discover_log_levels (on by default) adds.
 */
export const OTLP_RECORD_FIELDS: readonly string[] = [
  'trace_id',
  'span_id',
  'severity_text',
  'severity_number',
  'observed_timestamp',
  'flags',
  'dropped_attributes_count',
  'detected_level',
];

/** An OTLP attribute name as a Loki label name (otlptranslator: characters outside [a-zA-Z0-9_] -> `_`). */
export function lokiLabelName(attribute: string): string {
  return attribute.replace(/[^a-zA-Z0-9_]/g, '_');
}

/**
 * The index labels Loki gives OTLP streams under `config`. Only the defaults are modelled: a config
 * that changes the mapping (limits_config.otlp_config, distributor.otlp_config) is refused here, so
 * the list cannot silently go stale.
 */
export function otlpStreamLabels(config: YamlMap): string[] {
  const limits = isMap(config['limits_config']) ? config['limits_config'] : {};
  const distributor = isMap(config['distributor']) ? config['distributor'] : {};
  if (
    limits['otlp_config'] !== undefined ||
    distributor['otlp_config'] !== undefined
  )
    throw new Error(
      'the Loki config changes the OTLP label mapping (otlp_config): model it in loki-config.ts',
    );
  return DEFAULT_OTLP_INDEX_ATTRIBUTES.map(lokiLabelName);
}

/**
 * Every directory a single-binary Loki 3.7 with `config` writes to: the filesystem object store's
 * chunk and rule directories, and what common.path_prefix puts below itself for whatever the file
 * leaves unset (pkg/loki/config_wrapper.go at v3.7.6: applyPathPrefixDefaults — ruler rules-temp,
 * ingester WAL, compactor working directory, bloom working directory — and
 * betterTSDBShipperDefaults — the TSDB index's active directory and cache). A directory the file
 * sets explicitly is taken as set.
 */
export function lokiWritableDirectories(config: YamlMap): string[] {
  const section = (key: string): YamlMap =>
    isMap(config[key]) ? config[key] : {};
  const common = section('common');
  const storage = isMap(common['storage']) ? common['storage'] : {};
  const filesystem = isMap(storage['filesystem']) ? storage['filesystem'] : {};
  const prefix =
    typeof common['path_prefix'] === 'string'
      ? common['path_prefix'].replace(/\/$/, '')
      : undefined;
  const explicit = (value: unknown): string | undefined =>
    typeof value === 'string' && value !== '' ? value : undefined;
  const ingester = section('ingester');
  const wal = isMap(ingester['wal']) ? ingester['wal'] : {};
  const storageConfig = section('storage_config');
  const tsdb = isMap(storageConfig['tsdb_shipper'])
    ? storageConfig['tsdb_shipper']
    : {};
  const dirs = [
    explicit(filesystem['chunks_directory']),
    explicit(filesystem['rules_directory']),
    explicit(section('compactor')['working_directory']) ??
      (prefix && `${prefix}/compactor`),
    explicit(wal['dir']) ?? (prefix && `${prefix}/wal`),
    explicit(section('ruler')['rule_path']) ??
      (prefix && `${prefix}/rules-temp`),
    explicit(tsdb['active_index_directory']) ??
      (prefix && `${prefix}/tsdb-shipper-active`),
    explicit(tsdb['cache_location']) ??
      (prefix && `${prefix}/tsdb-shipper-cache`),
    prefix && `${prefix}/blooms`,
  ];
  return [...new Set(dirs.filter((d): d is string => Boolean(d)))];
}
