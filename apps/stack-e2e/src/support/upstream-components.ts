import { componentType } from './collector-config.js';
import { isMap, type YamlMap } from './yaml-file.js';

/**
 * What the pinned collector builds contain, and which configuration keys their components accept,
 * for the components this repository's configs use. A collector refuses to start on an unknown
 * component type or an unknown key (its config unmarshalling is strict), so a config that passes
 * these checks would not fail at start-up for either reason. Each entry was read off the upstream
 * source:
 *
 * - otelcol-contrib 0.159.0: the module list is
 *   open-telemetry/opentelemetry-collector-releases@v0.159.0 distributions/otelcol-contrib/manifest.yaml;
 *   core components' keys are their config.schema.yaml files at open-telemetry/opentelemetry-collector@v0.159.0
 *   (configgrpc, confighttp, configtls, configretry, exporterhelper queue_batch, memorylimiter,
 *   otlpreceiver, otlphttpexporter, forwardconnector); contrib components' keys are their config.go /
 *   config.schema.yaml in open-telemetry/opentelemetry-collector-contrib (read from the stored
 *   copy of that repository; the type names match the ones the upstream demo runs at 0.159.0).
 * - jaeger 2.20.0: jaegertracing/jaeger@v2.20.0 cmd/jaeger/internal/components.go (component list),
 *   cmd/internal/storageconfig/config.go, internal/storage/elasticsearch/config/config.go and
 *   config_rotation.go (storage keys), cmd/jaeger/internal/extension/jaegerquery/internal/flags.go,
 *   cmd/jaeger/internal/exporters/storageexporter/config.go.
 *
 * Only the keys of components used here are listed, to the depth they are used; a key outside a
 * listed subtree is reported, so adding a setting means checking it upstream and adding it here.
 */

/** `true`: any value; a map: known keys (`*` = any key name); `list(x)`: an array of x. */
export type KeySpec =
  | true
  | { readonly [key: string]: KeySpec }
  | { readonly list: KeySpec };

const ANY = true as const;
const list = (item: KeySpec): KeySpec => ({ list: item });
const isList = (spec: KeySpec): spec is { readonly list: KeySpec } =>
  spec !== true && Object.keys(spec).length === 1 && 'list' in spec;

// --- core building blocks (opentelemetry-collector v0.159.0 config.schema.yaml) -------------------

const TLS_CLIENT: KeySpec = {
  insecure: ANY,
  insecure_skip_verify: ANY,
  server_name_override: ANY,
  ca_file: ANY,
  ca_pem: ANY,
  cert_file: ANY,
  cert_pem: ANY,
  key_file: ANY,
  key_pem: ANY,
  cipher_suites: ANY,
  curve_preferences: ANY,
  include_system_ca_certs_pool: ANY,
  min_version: ANY,
  max_version: ANY,
  reload_interval: ANY,
};
const TLS_SERVER: KeySpec = {
  ...TLS_CLIENT,
  client_ca_file: ANY,
  client_ca_file_reload: ANY,
};
const RETRY: KeySpec = {
  enabled: ANY,
  initial_interval: ANY,
  max_interval: ANY,
  max_elapsed_time: ANY,
  multiplier: ANY,
  randomization_factor: ANY,
};
const QUEUE: KeySpec = {
  enabled: ANY,
  wait_for_result: ANY,
  sizer: ANY,
  queue_size: ANY,
  block_on_overflow: ANY,
  storage: ANY,
  num_consumers: ANY,
  batch: {
    flush_timeout: ANY,
    sizer: ANY,
    min_size: ANY,
    max_size: ANY,
    partition: { metadata_keys: ANY },
  },
};
const GRPC_CLIENT: KeySpec = {
  endpoint: ANY,
  auth: ANY,
  authority: ANY,
  balancer_name: ANY,
  compression: ANY,
  headers: ANY,
  keepalive: { time: ANY, timeout: ANY, permit_without_stream: ANY },
  middlewares: ANY,
  read_buffer_size: ANY,
  write_buffer_size: ANY,
  tls: TLS_CLIENT,
  user_agent: ANY,
  wait_for_ready: ANY,
};
const GRPC_SERVER: KeySpec = {
  endpoint: ANY,
  transport: ANY,
  auth: ANY,
  include_metadata: ANY,
  keepalive: {
    server_parameters: {
      max_connection_idle: ANY,
      max_connection_age: ANY,
      max_connection_age_grace: ANY,
      time: ANY,
      timeout: ANY,
    },
    enforcement_policy: { min_time: ANY, permit_without_stream: ANY },
  },
  max_concurrent_streams: ANY,
  max_recv_msg_size_mib: ANY,
  middlewares: ANY,
  read_buffer_size: ANY,
  write_buffer_size: ANY,
  tls: TLS_SERVER,
};
const HTTP_SERVER: KeySpec = {
  endpoint: ANY,
  auth: ANY,
  compression_algorithms: ANY,
  cors: {
    allowed_origins: ANY,
    allowed_headers: ANY,
    exposed_headers: ANY,
    max_age: ANY,
  },
  idle_timeout: ANY,
  include_metadata: ANY,
  keep_alives_enabled: ANY,
  max_request_body_size: ANY,
  middlewares: ANY,
  read_header_timeout: ANY,
  read_timeout: ANY,
  response_headers: ANY,
  tls: TLS_SERVER,
  write_timeout: ANY,
};
const OTLP_RECEIVER: KeySpec = {
  protocols: {
    grpc: GRPC_SERVER,
    http: {
      ...HTTP_SERVER,
      traces_url_path: ANY,
      metrics_url_path: ANY,
      logs_url_path: ANY,
    },
  },
};
const OTLP_GRPC_EXPORTER: KeySpec = {
  ...GRPC_CLIENT,
  timeout: ANY,
  retry_on_failure: RETRY,
  sending_queue: QUEUE,
};
/** confighttp.ClientConfig (config/confighttp/config.schema.yaml at v0.159.0). */
const HTTP_CLIENT: KeySpec = {
  endpoint: ANY,
  auth: ANY,
  compression: ANY,
  compression_params: ANY,
  cookies: ANY,
  disable_keep_alives: ANY,
  force_attempt_http2: ANY,
  headers: ANY,
  http2_ping_timeout: ANY,
  http2_read_idle_timeout: ANY,
  idle_conn_timeout: ANY,
  max_conns_per_host: ANY,
  max_idle_conns: ANY,
  max_idle_conns_per_host: ANY,
  middlewares: ANY,
  proxy_url: ANY,
  read_buffer_size: ANY,
  timeout: ANY,
  tls: TLS_CLIENT,
  write_buffer_size: ANY,
};
/** exporter/otlphttpexporter config.go / config.schema.yaml at v0.159.0: the client squashed in. */
const OTLP_HTTP_EXPORTER: KeySpec = {
  ...HTTP_CLIENT,
  sending_queue: QUEUE,
  retry_on_failure: RETRY,
  traces_endpoint: ANY,
  metrics_endpoint: ANY,
  logs_endpoint: ANY,
  profiles_endpoint: ANY,
  encoding: ANY,
};
const MEMORY_LIMITER: KeySpec = {
  check_interval: ANY,
  limit_mib: ANY,
  spike_limit_mib: ANY,
  limit_percentage: ANY,
  spike_limit_percentage: ANY,
  min_gc_interval_when_soft_limited: ANY,
  min_gc_interval_when_hard_limited: ANY,
  max_gc_interval_when_soft_limited: ANY,
  max_gc_interval_when_hard_limited: ANY,
};

// --- contrib ----------------------------------------------------------------------------------

const K8S_API: KeySpec = {
  auth_type: ANY,
  context: ANY,
  kube_config_path: ANY,
};
const TAIL_SAMPLING_POLICY: KeySpec = {
  name: ANY,
  type: ANY,
  status_code: { status_codes: ANY },
  latency: { threshold_ms: ANY, upper_threshold_ms: ANY },
  probabilistic: { sampling_percentage: ANY, hash_salt: ANY },
  numeric_attribute: ANY,
  string_attribute: ANY,
  boolean_attribute: ANY,
  rate_limiting: ANY,
  span_count: ANY,
  trace_state: ANY,
  ottl_condition: ANY,
  and: ANY,
  composite: ANY,
  drop: ANY,
};

/** A transform processor statement group; a plain statement string is accepted as well. */
const TRANSFORM_GROUP: KeySpec = {
  context: ANY,
  conditions: ANY,
  statements: ANY,
  error_mode: ANY,
};

/** One component type of a distribution: its upstream module and the keys it accepts. */
export interface ComponentSpec {
  readonly module: string;
  readonly keys: KeySpec;
  /** The pre-rename name that still loads but logs a deprecation warning. */
  readonly deprecatedAlias?: string;
}

export type Section =
  | 'receivers'
  | 'processors'
  | 'exporters'
  | 'connectors'
  | 'extensions';

export interface Distribution {
  readonly name: string;
  readonly components: Readonly<
    Record<Section, Readonly<Record<string, ComponentSpec>>>
  >;
}

export const OTELCOL_CONTRIB_0_159: Distribution = {
  name: 'otelcol-contrib 0.159.0',
  components: {
    receivers: {
      otlp: {
        module: 'go.opentelemetry.io/collector/receiver/otlpreceiver',
        keys: OTLP_RECEIVER,
      },
    },
    processors: {
      memory_limiter: {
        module:
          'go.opentelemetry.io/collector/processor/memorylimiterprocessor',
        keys: MEMORY_LIMITER,
      },
      k8s_attributes: {
        module: 'processor/k8sattributesprocessor',
        deprecatedAlias: 'k8sattributes',
        keys: {
          ...K8S_API,
          passthrough: ANY,
          wait_for_metadata: ANY,
          wait_for_metadata_timeout: ANY,
          exclude: { pods: list({ name: ANY }) },
          filter: {
            node: ANY,
            node_from_env_var: ANY,
            namespace: ANY,
            fields: ANY,
            labels: ANY,
          },
          extract: {
            metadata: ANY,
            labels: list({
              tag_name: ANY,
              key: ANY,
              key_regex: ANY,
              from: ANY,
            }),
            annotations: list({
              tag_name: ANY,
              key: ANY,
              key_regex: ANY,
              from: ANY,
            }),
            otel_annotations: ANY,
            deployment_name_from_replicaset: ANY,
          },
          pod_association: list({ sources: list({ from: ANY, name: ANY }) }),
        },
      },
      resource_detection: {
        module: 'processor/resourcedetectionprocessor',
        deprecatedAlias: 'resourcedetection',
        keys: {
          detectors: ANY,
          override: ANY,
          timeout: ANY,
          refresh_interval: ANY,
          fail_on_missing_metadata: ANY,
          env: ANY,
          system: ANY,
          eks: ANY,
          gcp: ANY,
          aks: ANY,
          k8s_api: {
            ...K8S_API,
            node_from_env_var: ANY,
            resource_attributes: ANY,
          },
        },
      },
      // processor/transformprocessor config.go (error_mode and the three *_statements lists, each
      // either plain OTTL strings or groups) and internal/common/config.go (a group's keys).
      transform: {
        module: 'processor/transformprocessor',
        keys: {
          error_mode: ANY,
          trace_statements: list(TRANSFORM_GROUP),
          metric_statements: list(TRANSFORM_GROUP),
          log_statements: list(TRANSFORM_GROUP),
          profile_statements: list(TRANSFORM_GROUP),
          flatten_data: ANY,
        },
      },
      tail_sampling: {
        module: 'processor/tailsamplingprocessor',
        keys: {
          decision_wait: ANY,
          num_traces: ANY,
          expected_new_traces_per_sec: ANY,
          decision_cache: {
            sampled_cache_size: ANY,
            non_sampled_cache_size: ANY,
          },
          policies: list(TAIL_SAMPLING_POLICY),
          sample_on_first_match: ANY,
          drop_pending_traces_on_shutdown: ANY,
        },
      },
    },
    exporters: {
      otlp_grpc: {
        module: 'go.opentelemetry.io/collector/exporter/otlpexporter',
        deprecatedAlias: 'otlp',
        keys: OTLP_GRPC_EXPORTER,
      },
      otlp_http: {
        module: 'go.opentelemetry.io/collector/exporter/otlphttpexporter',
        deprecatedAlias: 'otlphttp',
        keys: OTLP_HTTP_EXPORTER,
      },
      load_balancing: {
        module: 'exporter/loadbalancingexporter',
        deprecatedAlias: 'loadbalancing',
        keys: {
          routing_key: ANY,
          routing_attributes: ANY,
          protocol: { otlp: OTLP_GRPC_EXPORTER },
          resolver: {
            static: { hostnames: ANY },
            dns: { hostname: ANY, port: ANY, interval: ANY, timeout: ANY },
            k8s: {
              service: ANY,
              ports: ANY,
              timeout: ANY,
              return_hostnames: ANY,
            },
          },
          timeout: ANY,
          retry_on_failure: RETRY,
          sending_queue: QUEUE,
        },
      },
      prometheus: {
        module: 'exporter/prometheusexporter',
        keys: {
          ...HTTP_SERVER,
          namespace: ANY,
          const_labels: ANY,
          send_timestamps: ANY,
          metric_expiration: ANY,
          enable_open_metrics: ANY,
          add_metric_suffixes: ANY,
          resource_to_telemetry_conversion: ANY,
          translation_strategy: ANY,
          without_scope_info: ANY,
        },
      },
    },
    connectors: {
      span_metrics: {
        module: 'connector/spanmetricsconnector',
        deprecatedAlias: 'spanmetrics',
        keys: {
          namespace: ANY,
          histogram: {
            unit: ANY,
            disable: ANY,
            dimensions: ANY,
            explicit: { buckets: ANY },
            exponential: { max_size: ANY },
          },
          dimensions: list({ name: ANY, default: ANY }),
          exclude_dimensions: ANY,
          metrics_flush_interval: ANY,
          metrics_expiration: ANY,
          aggregation_temporality: ANY,
          aggregation_cardinality_limit: ANY,
          resource_metrics_key_attributes: ANY,
          resource_metrics_cache_size: ANY,
          exemplars: { enabled: ANY, max_per_data_point: ANY },
          events: ANY,
        },
      },
      forward: {
        module: 'go.opentelemetry.io/collector/connector/forwardconnector',
        keys: {},
      },
    },
    extensions: {
      health_check: {
        module: 'extension/healthcheckextension',
        keys: {
          ...HTTP_SERVER,
          path: ANY,
          response_body: ANY,
          check_collector_pipeline: ANY,
        },
      },
      file_storage: {
        module: 'extension/storage/filestorage',
        keys: {
          directory: ANY,
          timeout: ANY,
          fsync: ANY,
          compaction: {
            on_start: ANY,
            on_rebound: ANY,
            directory: ANY,
            rebound_needed_threshold_mib: ANY,
            rebound_trigger_threshold_mib: ANY,
            max_transaction_size: ANY,
            check_interval: ANY,
          },
        },
      },
    },
  },
};

const ES_INDEX: KeySpec = {
  priority: ANY,
  shards: ANY,
  replicas: ANY,
  rotation: {
    periodic: { date_layout: ANY, rollover_frequency: ANY },
    manual_rollover: { read_alias: ANY, write_alias: ANY },
    auto_rollover: { read_alias: ANY, write_alias: ANY, policy_name: ANY },
  },
};
/** internal/storage/elasticsearch/config Configuration (shared by elasticsearch and opensearch). */
const ES_CONFIG: KeySpec = {
  server_urls: ANY,
  remote_read_clusters: ANY,
  auth: {
    basic: {
      username: ANY,
      password: ANY,
      password_file: ANY,
      reload_interval: ANY,
    },
    bearer_token: { file_path: ANY, from_context: ANY, reload_interval: ANY },
    api_key: { file_path: ANY, from_context: ANY, reload_interval: ANY },
    authenticator: ANY,
  },
  tls: TLS_CLIENT,
  sniffing: { enabled: ANY, use_https: ANY },
  disable_health_check: ANY,
  health_check_timeout_startup: ANY,
  send_get_body_as: ANY,
  query_timeout: ANY,
  http_compression: ANY,
  custom_headers: ANY,
  bulk_processing: {
    max_bytes: ANY,
    max_actions: ANY,
    flush_interval: ANY,
    workers: ANY,
  },
  version: ANY,
  log_level: ANY,
  indices: {
    index_prefix: ANY,
    spans: ES_INDEX,
    services: ES_INDEX,
    dependencies: ES_INDEX,
    sampling: ES_INDEX,
  },
  create_mappings: ANY,
  max_doc_count: ANY,
  max_span_age: ANY,
  max_trace_duration: ANY,
  service_cache_ttl: ANY,
  adaptive_sampling_lookback: ANY,
  tags_as_fields: {
    all: ANY,
    dot_replacement: ANY,
    config_file: ANY,
    include: ANY,
  },
};

export const JAEGER_2_20: Distribution = {
  name: 'jaeger 2.20.0',
  components: {
    receivers: {
      otlp: {
        module: 'components/ext/receiver/otlpreceiver',
        keys: OTLP_RECEIVER,
      },
      nop: { module: 'components/ext/receiver/nopreceiver', keys: {} },
    },
    processors: {
      batch: {
        module: 'components/ext/processor/batchprocessor',
        keys: {
          timeout: ANY,
          send_batch_size: ANY,
          send_batch_max_size: ANY,
          metadata_keys: ANY,
          metadata_cardinality_limit: ANY,
        },
      },
      memory_limiter: {
        module: 'components/ext/processor/memorylimiterprocessor',
        keys: MEMORY_LIMITER,
      },
    },
    exporters: {
      jaeger_storage_exporter: {
        module: 'components/exporter/storageexporter',
        keys: { trace_storage: ANY, queue: QUEUE, retry_on_failure: RETRY },
      },
      nop: { module: 'components/ext/exporter/nopexporter', keys: {} },
    },
    connectors: {},
    extensions: {
      healthcheckv2: {
        module: 'components/ext/extension/healthcheckv2extension',
        keys: {
          use_v2: ANY,
          component_health: ANY,
          http: {
            ...HTTP_SERVER,
            status: { enabled: ANY, path: ANY },
            config: ANY,
          },
          grpc: ANY,
        },
      },
      jaeger_query: {
        module: 'components/extension/jaegerquery',
        keys: {
          storage: { traces: ANY, traces_archive: ANY, metrics: ANY },
          base_path: ANY,
          ui: ANY,
          bearer_token_propagation: ANY,
          header_forwarding: ANY,
          multi_tenancy: ANY,
          max_clock_skew_adjust: ANY,
          max_trace_size: ANY,
          enable_tracing: ANY,
          http: HTTP_SERVER,
          grpc: GRPC_SERVER,
        },
      },
      jaeger_storage: {
        module: 'components/extension/jaegerstorage',
        keys: {
          backends: {
            '*': {
              memory: { max_traces: ANY },
              opensearch: ES_CONFIG,
              elasticsearch: ES_CONFIG,
            },
          },
          metric_backends: {
            '*': {
              prometheus: {
                endpoint: ANY,
                connect_timeout: ANY,
                tls: TLS_CLIENT,
                token_file_path: ANY,
                token_override_from_context: ANY,
                metric_namespace: ANY,
                latency_unit: ANY,
                normalize_calls: ANY,
                normalize_duration: ANY,
                extra_query_parameters: ANY,
                auth: ANY,
              },
            },
          },
        },
      },
    },
  },
};

const SECTIONS: readonly Section[] = [
  'receivers',
  'processors',
  'exporters',
  'connectors',
  'extensions',
];

function keyProblems(value: unknown, spec: KeySpec, path: string): string[] {
  if (spec === true || value === null || value === undefined) return [];
  if (isList(spec)) {
    if (!Array.isArray(value)) return [`${path}: expected a list`];
    return value.flatMap((item, i) =>
      keyProblems(item, spec.list, `${path}[${i}]`),
    );
  }
  if (!isMap(value))
    return [`${path}: expected a map, got ${JSON.stringify(value)}`];
  const known = spec as Readonly<Record<string, KeySpec>>;
  return Object.entries(value).flatMap(([key, child]) => {
    const childSpec = known[key] ?? known['*'];
    if (childSpec === undefined)
      return [
        `${path}.${key}: not a key of this component at the pinned version`,
      ];
    return keyProblems(child, childSpec, `${path}.${key}`);
  });
}

/**
 * Every component type the distribution lacks (or knows only by a deprecated alias) and every key
 * its component does not accept. Empty when the config would load.
 */
export function upstreamProblems(
  config: YamlMap,
  distribution: Distribution,
): string[] {
  return SECTIONS.flatMap((section) => {
    const declared = config[section];
    if (!isMap(declared)) return [];
    return Object.entries(declared).flatMap(([id, body]) => {
      const type = componentType(id);
      const spec = distribution.components[section][type];
      if (spec === undefined) {
        const renamed = Object.entries(distribution.components[section]).find(
          ([, s]) => s.deprecatedAlias === type,
        );
        return [
          renamed
            ? `${section}.${id}: "${type}" is a deprecated alias in ${distribution.name}, use "${renamed[0]}"`
            : `${section}.${id}: no ${section.slice(0, -1)} "${type}" in ${distribution.name}`,
        ];
      }
      return keyProblems(body ?? {}, spec.keys, `${section}.${id}`);
    });
  });
}

/** Deep merge in the collector's confmap order: maps merge key by key, anything else replaces. */
export function mergeConfigs(...configs: readonly YamlMap[]): YamlMap {
  const merge = (a: unknown, b: unknown): unknown => {
    if (!isMap(a) || !isMap(b)) return b === undefined ? a : b;
    const out: YamlMap = { ...a };
    for (const [key, value] of Object.entries(b))
      out[key] = merge(a[key], value);
    return out;
  };
  return configs.reduce<YamlMap>((acc, c) => merge(acc, c) as YamlMap, {});
}
