/**
 * The configuration model from an OpenTelemetry declarative configuration file
 * (OTEL_CONFIG_FILE). Reading and strict YAML parsing are read-config-file.ts's; `${VAR}`
 * substitution, schema validation and the file_format check @opentelemetry/configuration's
 * `parseConfig`; this file maps the validated model onto
 * ours, and refuses — naming the key — every part of the schema the library cannot honour,
 * instead of ignoring it.
 *
 * As the specification requires, when a file is used the other OTEL_* variables are not read
 * (only through substitution inside the file). Substitution reads the process environment.
 */
import type {
  ConfigurationModel,
  LogRecordExporterConfigModel,
  NameStringValuePairConfigModel,
  OtlpGrpcExporterConfigModel,
  OtlpHttpExporterConfigModel,
  PushMetricExporterConfigModel,
  SamplerConfigModel,
  SpanExporterConfigModel,
} from '@opentelemetry/configuration';
import { TelemetryConfigError } from './errors.js';
import { resolveHttpFromEnv } from './http-env.js';
import type { ConfigDefaults } from './from-env.js';
import {
  DEFAULT_BLRP,
  DEFAULT_BSP,
  DEFAULT_GRPC_ENDPOINT,
  DEFAULT_HTTP_ENDPOINT,
  DEFAULT_INSTRUMENTATIONS,
  DEFAULT_LOG_LIMITS,
  DEFAULT_METRIC_EXPORT_INTERVAL_MS,
  DEFAULT_METRIC_EXPORT_TIMEOUT_MS,
  DEFAULT_OTLP_TIMEOUT_MS,
  DEFAULT_OTLP_SPAN_ENCODING,
  DEFAULT_SAMPLER,
  DEFAULT_SPAN_LIMITS,
  PROPAGATOR_NAMES,
  type AttributeValue,
  type BatchProcessorConfig,
  type DiagLevelName,
  type ExporterConfig,
  type MetricReaderConfig,
  type OtlpExporterConfig,
  type PipelineConfig,
  type ProcessorConfig,
  type PropagatorName,
  type ResourceDetectorName,
  type SamplerConfig,
  type Signal,
  type TelemetryConfig,
  type TemporalityPreference,
} from './model.js';
import { appendSignalPath } from './otlp-env.js';
import { readConfigFile } from './read-config-file.js';
import { redactUrl } from './redact.js';
import { parseEndpoint, parseHeaders, parseKeyValueList } from './values.js';

/**
 * Reads, parses and validates the file (strictly, bounded: read-config-file.ts); any problem
 * becomes one TelemetryConfigError.
 */
export function loadConfigFile(path: string): ConfigurationModel {
  return readConfigFile(path);
}

type Obj = Record<string, unknown>;

/** Maps a parsed, schema-valid configuration model onto the library's model. Pure. */
export function configFromModel(
  model: ConfigurationModel,
  path: string,
  defaults: ConfigDefaults,
): TelemetryConfig {
  const at = new KeyPath(path);
  at.only(model as Obj, '', [
    'file_format',
    'disabled',
    'log_level',
    'attribute_limits',
    'resource',
    'propagator',
    'tracer_provider',
    'meter_provider',
    'logger_provider',
    'distribution',
  ]);
  const notes: string[] = [];
  if (model.distribution)
    notes.push(
      `${path}: "distribution" settings are for vendor distributions and are not used`,
    );

  at.only(model.meter_provider, 'meter_provider', [
    'readers',
    'exemplar_filter',
  ]);
  const exemplarFilter = model.meter_provider?.exemplar_filter;
  if (exemplarFilter && exemplarFilter !== 'always_off')
    throw at.invalid(
      'meter_provider.exemplar_filter',
      `is "${exemplarFilter}": the OpenTelemetry JS metrics SDK records no exemplars; only always_off can be honoured`,
    );
  at.only(model.logger_provider, 'logger_provider', ['processors', 'limits']);
  const general = model.attribute_limits ?? {};
  const resource = resourceFromModel(model, at, defaults);
  const logsPipelines = (model.logger_provider?.processors ?? []).map((p, i) =>
    pipelineFromModel(
      p as Obj,
      `logger_provider.processors[${i}]`,
      'logs',
      DEFAULT_BLRP,
      at,
    ),
  );
  return {
    source: { kind: 'file', path },
    disabled: model.disabled === true,
    diagLevel: diagLevelFromSeverity(model.log_level ?? undefined),
    resource,
    propagators: propagatorsFromModel(model, at),
    traces: {
      pipelines: (model.tracer_provider?.processors ?? []).map((p, i) =>
        pipelineFromModel(
          p as Obj,
          `tracer_provider.processors[${i}]`,
          'traces',
          DEFAULT_BSP,
          at,
        ),
      ),
      // The library's own variable, read by resolve.ts either way.
      otlpEncoding: DEFAULT_OTLP_SPAN_ENCODING,
      sampler: model.tracer_provider?.sampler
        ? samplerFromModel(
            model.tracer_provider.sampler,
            'tracer_provider.sampler',
            at,
          )
        : DEFAULT_SAMPLER,
      limits: spanLimitsFromModel(model, general, at),
    },
    metrics: {
      readers: (model.meter_provider?.readers ?? []).map((r, i) =>
        readerFromModel(r as Obj, `meter_provider.readers[${i}]`, at),
      ),
    },
    logs: {
      pipelines: logsPipelines,
      limits: {
        attributeValueLengthLimit:
          model.logger_provider?.limits?.attribute_value_length_limit ??
          general.attribute_value_length_limit ??
          DEFAULT_LOG_LIMITS.attributeValueLengthLimit,
        attributeCountLimit:
          model.logger_provider?.limits?.attribute_count_limit ??
          general.attribute_count_limit ??
          DEFAULT_LOG_LIMITS.attributeCountLimit,
      },
    },
    // The edge settings are the library's own variables, read by resolve.ts either way.
    http: resolveHttpFromEnv({}),
    instrumentations: [
      ...DEFAULT_INSTRUMENTATIONS,
      ...(logsPipelines.length > 0 ? ['pino'] : []),
    ],
    notes,
  };
}

/** Builds errors that name the file and the key. */
class KeyPath {
  constructor(private readonly file: string) {}

  unsupported(
    key: string,
    supported?: readonly string[],
  ): TelemetryConfigError {
    const hint = supported ? `; supported here: ${supported.join(', ')}` : '';
    return new TelemetryConfigError(
      `OTEL_CONFIG_FILE (${key})`,
      `${this.file}: ${key} is not supported by @otel-dice/telemetry${hint}`,
    );
  }

  invalid(key: string, why: string): TelemetryConfigError {
    return new TelemetryConfigError(
      `OTEL_CONFIG_FILE (${key})`,
      `${this.file}: ${key} ${why}`,
    );
  }

  /** Refuses any key of `obj` outside `allowed` (keys set to null count as absent). */
  only(
    obj: object | null | undefined,
    key: string,
    allowed: readonly string[],
  ): void {
    for (const [name, value] of Object.entries(obj ?? {})) {
      if (value === null || value === undefined) continue;
      if (!allowed.includes(name))
        throw this.unsupported(key ? `${key}.${name}` : name, allowed);
    }
  }

  /** The one key set in a "one of" object (an exporter, a sampler, a processor). */
  choice(obj: Obj, key: string, allowed: readonly string[]): [string, Obj] {
    const set = Object.entries(obj).filter(([, v]) => v !== undefined);
    if (set.length !== 1)
      throw this.invalid(key, `must set exactly one of ${allowed.join(', ')}`);
    const [name, value] = set[0];
    if (!allowed.includes(name))
      throw this.unsupported(`${key}.${name}`, allowed);
    return [name, (value ?? {}) as Obj];
  }
}

const SEVERITY_TO_DIAG: Array<[RegExp, DiagLevelName]> = [
  [/^trace/, 'verbose'],
  [/^debug/, 'debug'],
  [/^info/, 'info'],
  [/^warn/, 'warn'],
  [/^(error|fatal)/, 'error'],
];

function diagLevelFromSeverity(
  level: string | undefined,
): DiagLevelName | undefined {
  if (level === undefined) return undefined;
  return SEVERITY_TO_DIAG.find(([pattern]) => pattern.test(level))?.[1];
}

function resourceFromModel(
  model: ConfigurationModel,
  at: KeyPath,
  defaults: ConfigDefaults,
): TelemetryConfig['resource'] {
  const resource = model.resource ?? {};
  at.only(resource as Obj, 'resource', [
    'attributes',
    'attributes_list',
    'detection/development',
  ]);
  const attributes: Record<string, AttributeValue> = resource.attributes_list
    ? parseKeyValueList(
        `OTEL_CONFIG_FILE (resource.attributes_list)`,
        resource.attributes_list,
      )
    : {};
  for (const { name, value } of resource.attributes ?? [])
    if (value !== null) attributes[name] = value;

  const detection = resource['detection/development'];
  at.only(detection as Obj, 'resource.detection/development', ['detectors']);
  const detectors: ResourceDetectorName[] = [];
  (detection?.detectors ?? []).forEach((detector, i) => {
    const [name] = at.choice(
      detector as Obj,
      `resource.detection/development.detectors[${i}]`,
      ['host', 'process', 'container', 'service'],
    );
    if (name === 'host') detectors.push('host', 'os');
    else detectors.push(name as ResourceDetectorName);
  });

  const name = attributes['service.name'];
  return {
    serviceName:
      typeof name === 'string' && name.trim() ? name : defaults.serviceName,
    serviceVersion: defaults.serviceVersion,
    attributes,
    detectors: [...new Set(detectors)],
  };
}

function propagatorsFromModel(
  model: ConfigurationModel,
  at: KeyPath,
): PropagatorName[] {
  const propagator = model.propagator;
  if (!propagator) return [];
  at.only(propagator as Obj, 'propagator', ['composite', 'composite_list']);
  const names: string[] = (propagator.composite ?? []).map(
    (entry, i) =>
      at.choice(entry as Obj, `propagator.composite[${i}]`, [
        ...PROPAGATOR_NAMES,
        'none',
      ])[0],
  );
  for (const name of (propagator.composite_list ?? '').split(',')) {
    const trimmed = name.trim().toLowerCase();
    if (!trimmed) continue;
    if (
      trimmed !== 'none' &&
      !PROPAGATOR_NAMES.includes(trimmed as PropagatorName)
    )
      throw at.unsupported(`propagator.composite_list (${trimmed})`, [
        ...PROPAGATOR_NAMES,
        'none',
      ]);
    names.push(trimmed);
  }
  return [...new Set(names)].filter((n): n is PropagatorName => n !== 'none');
}

function samplerFromModel(
  sampler: SamplerConfigModel,
  key: string,
  at: KeyPath,
): SamplerConfig {
  const [name, body] = at.choice(sampler as Obj, key, [
    'always_on',
    'always_off',
    'trace_id_ratio_based',
    'parent_based',
  ]);
  switch (name) {
    case 'always_on':
    case 'always_off':
      return { type: name };
    case 'trace_id_ratio_based': {
      const ratio = (body['ratio'] as number | null | undefined) ?? 1;
      if (!(ratio >= 0 && ratio <= 1))
        throw at.invalid(
          `${key}.trace_id_ratio_based.ratio`,
          'must be between 0 and 1',
        );
      return { type: 'traceidratio', ratio };
    }
    default: {
      const child = (field: string): SamplerConfig | undefined => {
        const value = body[field] as SamplerConfigModel | null | undefined;
        return value
          ? samplerFromModel(value, `${key}.parent_based.${field}`, at)
          : undefined;
      };
      return {
        type: 'parentbased',
        root: child('root') ?? { type: 'always_on' },
        remoteParentSampled: child('remote_parent_sampled'),
        remoteParentNotSampled: child('remote_parent_not_sampled'),
        localParentSampled: child('local_parent_sampled'),
        localParentNotSampled: child('local_parent_not_sampled'),
      };
    }
  }
}

function spanLimitsFromModel(
  model: ConfigurationModel,
  general: NonNullable<ConfigurationModel['attribute_limits']>,
  at: KeyPath,
): TelemetryConfig['traces']['limits'] {
  const limits = model.tracer_provider?.limits ?? {};
  at.only(model.tracer_provider, 'tracer_provider', [
    'processors',
    'limits',
    'sampler',
    'id_generator',
  ]);
  if (model.tracer_provider?.id_generator)
    at.choice(
      model.tracer_provider.id_generator as Obj,
      'tracer_provider.id_generator',
      ['random'],
    );
  const d = DEFAULT_SPAN_LIMITS;
  return {
    attributeValueLengthLimit:
      limits.attribute_value_length_limit ??
      general.attribute_value_length_limit ??
      d.attributeValueLengthLimit,
    attributeCountLimit:
      limits.attribute_count_limit ??
      general.attribute_count_limit ??
      d.attributeCountLimit,
    eventCountLimit: limits.event_count_limit ?? d.eventCountLimit,
    linkCountLimit: limits.link_count_limit ?? d.linkCountLimit,
    attributePerEventCountLimit:
      limits.event_attribute_count_limit ?? d.attributePerEventCountLimit,
    attributePerLinkCountLimit:
      limits.link_attribute_count_limit ?? d.attributePerLinkCountLimit,
  };
}

function pipelineFromModel(
  processor: Obj,
  key: string,
  signal: 'traces' | 'logs',
  batchDefaults: BatchProcessorConfig,
  at: KeyPath,
): PipelineConfig {
  const [kind, body] = at.choice(processor, key, ['batch', 'simple']);
  const exporterModel = body['exporter'] as
    | SpanExporterConfigModel
    | LogRecordExporterConfigModel;
  const exporter = exporterFromModel(
    exporterModel as Obj,
    `${key}.${kind}.exporter`,
    signal,
    at,
  );
  if (kind === 'simple') {
    at.only(body, `${key}.simple`, ['exporter']);
    return { exporter, processor: { kind: 'simple' } };
  }
  at.only(body, `${key}.batch`, [
    'exporter',
    'schedule_delay',
    'export_timeout',
    'max_queue_size',
    'max_export_batch_size',
  ]);
  const num = (field: string, fallback: number) =>
    (body[field] as number | null | undefined) ?? fallback;
  const batch: ProcessorConfig = {
    kind: 'batch',
    scheduledDelayMillis: num(
      'schedule_delay',
      batchDefaults.scheduledDelayMillis,
    ),
    exportTimeoutMillis: num(
      'export_timeout',
      batchDefaults.exportTimeoutMillis,
    ),
    maxQueueSize: num('max_queue_size', batchDefaults.maxQueueSize),
    maxExportBatchSize: num(
      'max_export_batch_size',
      batchDefaults.maxExportBatchSize,
    ),
  };
  if (batch.maxExportBatchSize > batch.maxQueueSize)
    throw at.invalid(
      `${key}.batch.max_export_batch_size`,
      `must not exceed max_queue_size (${batch.maxQueueSize})`,
    );
  return { exporter, processor: batch };
}

function exporterFromModel(
  exporter: Obj,
  key: string,
  signal: Signal,
  at: KeyPath,
): ExporterConfig {
  const [kind, body] = at.choice(exporter, key, [
    'otlp_http',
    'otlp_grpc',
    'console',
  ]);
  if (kind === 'console') return { kind: 'console' };
  return {
    kind: 'otlp',
    otlp:
      kind === 'otlp_http'
        ? otlpHttpFromModel(
            body as NonNullable<OtlpHttpExporterConfigModel>,
            `${key}.otlp_http`,
            signal,
            at,
          )
        : otlpGrpcFromModel(
            body as NonNullable<OtlpGrpcExporterConfigModel>,
            `${key}.otlp_grpc`,
            at,
          ),
  };
}

const OTLP_KEYS = [
  'endpoint',
  'tls',
  'headers',
  'headers_list',
  'compression',
  'timeout',
];

function headersFromModel(
  headers: NameStringValuePairConfigModel[] | undefined,
  list: string | null | undefined,
  key: string,
): Record<string, string> {
  const merged = list
    ? parseHeaders(`OTEL_CONFIG_FILE (${key}.headers_list)`, list)
    : {};
  const explicit = (headers ?? [])
    .filter((h) => h.value !== null)
    .map(
      (h) =>
        `${encodeURIComponent(h.name)}=${encodeURIComponent(h.value ?? '')}`,
    )
    .join(',');
  return explicit
    ? {
        ...merged,
        ...parseHeaders(`OTEL_CONFIG_FILE (${key}.headers)`, explicit),
      }
    : merged;
}

function commonOtlp(
  body:
    | NonNullable<OtlpHttpExporterConfigModel>
    | NonNullable<OtlpGrpcExporterConfigModel>,
  key: string,
  at: KeyPath,
) {
  const compression = body.compression ?? 'none';
  if (compression !== 'gzip' && compression !== 'none')
    throw at.invalid(
      `${key}.compression`,
      `is "${compression}"; supported values are gzip, none`,
    );
  return {
    headers: headersFromModel(body.headers, body.headers_list, key),
    compression,
    timeoutMillis: body.timeout ?? DEFAULT_OTLP_TIMEOUT_MS,
  } as const;
}

function pem(path: string | null | undefined, source: string) {
  return path ? { path, source } : undefined;
}

function otlpHttpFromModel(
  body: NonNullable<OtlpHttpExporterConfigModel>,
  key: string,
  signal: Signal,
  at: KeyPath,
): OtlpExporterConfig {
  at.only(body as Obj, key, [
    ...OTLP_KEYS,
    'encoding',
    'temporality_preference',
    'default_histogram_aggregation',
  ]);
  at.only(body.tls as Obj, `${key}.tls`, ['ca_file', 'key_file', 'cert_file']);
  const endpoint =
    body.endpoint ?? appendSignalPath(DEFAULT_HTTP_ENDPOINT, signal);
  const url = parseEndpoint(`OTEL_CONFIG_FILE (${key}.endpoint)`, endpoint);
  return {
    protocol: body.encoding === 'json' ? 'http/json' : 'http/protobuf',
    endpoint: url.href,
    endpointSource: body.endpoint ? `${key}.endpoint` : 'default',
    ...commonOtlp(body, key, at),
    tls: tlsFromModel(body.tls, key, url.scheme === 'https', at),
  };
}

function otlpGrpcFromModel(
  body: NonNullable<OtlpGrpcExporterConfigModel>,
  key: string,
  at: KeyPath,
): OtlpExporterConfig {
  at.only(body as Obj, key, [
    ...OTLP_KEYS,
    'temporality_preference',
    'default_histogram_aggregation',
  ]);
  at.only(body.tls as Obj, `${key}.tls`, [
    'ca_file',
    'key_file',
    'cert_file',
    'insecure',
  ]);
  const endpoint = body.endpoint ?? DEFAULT_GRPC_ENDPOINT;
  const url = parseEndpoint(`OTEL_CONFIG_FILE (${key}.endpoint)`, endpoint, {
    allowNoScheme: true,
  });
  if (url.path !== '' && url.path !== '/')
    throw at.invalid(
      `${key}.endpoint`,
      `(${redactUrl(url.href)}) has a path; a gRPC endpoint has none`,
    );
  const secure =
    url.scheme === 'https' ||
    (url.scheme === undefined && body.tls?.insecure !== true);
  return {
    protocol: 'grpc',
    endpoint: url.href,
    endpointSource: body.endpoint ? `${key}.endpoint` : 'default',
    ...commonOtlp(body, key, at),
    tls: tlsFromModel(body.tls, key, secure, at),
  };
}

function tlsFromModel(
  tls:
    | {
        ca_file?: string | null;
        key_file?: string | null;
        cert_file?: string | null;
      }
    | null
    | undefined,
  key: string,
  secure: boolean,
  at: KeyPath,
): OtlpExporterConfig['tls'] {
  const clientKey = pem(tls?.key_file, `${key}.tls.key_file`);
  const clientCertificate = pem(tls?.cert_file, `${key}.tls.cert_file`);
  if ((clientKey === undefined) !== (clientCertificate === undefined))
    throw at.invalid(
      `${key}.tls`,
      'must set both key_file and cert_file for mTLS, or neither',
    );
  return {
    secure,
    ca: pem(tls?.ca_file, `${key}.tls.ca_file`),
    clientKey,
    clientCertificate,
  };
}

function readerFromModel(
  reader: Obj,
  key: string,
  at: KeyPath,
): MetricReaderConfig {
  const [kind, body] = at.choice(reader, key, ['periodic', 'pull']);
  if (kind === 'pull') {
    at.only(body, `${key}.pull`, ['exporter']);
    const [, prometheus] = at.choice(
      body['exporter'] as Obj,
      `${key}.pull.exporter`,
      ['prometheus/development'],
    );
    at.only(prometheus, `${key}.pull.exporter.prometheus/development`, [
      'host',
      'port',
    ]);
    const host = prometheus['host'] as string | null | undefined;
    const port = prometheus['port'] as number | null | undefined;
    return host || port
      ? { kind: 'prometheus', host: host ?? 'localhost', port: port ?? 9464 }
      : { kind: 'prometheus' };
  }
  at.only(body, `${key}.periodic`, ['exporter', 'interval', 'timeout']);
  const exporterModel = body['exporter'] as PushMetricExporterConfigModel;
  const [, exporterBody] = at.choice(
    exporterModel as Obj,
    `${key}.periodic.exporter`,
    ['otlp_http', 'otlp_grpc', 'console'],
  );
  const exportIntervalMillis =
    (body['interval'] as number | null | undefined) ??
    DEFAULT_METRIC_EXPORT_INTERVAL_MS;
  const timeout = body['timeout'] as number | null | undefined;
  if (timeout != null && timeout > exportIntervalMillis)
    throw at.invalid(
      `${key}.periodic.timeout`,
      `must not exceed interval (${exportIntervalMillis} ms)`,
    );
  const preference = exporterBody['temporality_preference'] as
    | string
    | null
    | undefined;
  const histogram = exporterBody['default_histogram_aggregation'] as
    | string
    | null
    | undefined;
  return {
    kind: 'periodic',
    exporter: exporterFromModel(
      exporterModel as Obj,
      `${key}.periodic.exporter`,
      'metrics',
      at,
    ),
    exportIntervalMillis,
    exportTimeoutMillis: Math.min(
      timeout ?? DEFAULT_METRIC_EXPORT_TIMEOUT_MS,
      exportIntervalMillis,
    ),
    temporality: (preference === 'low_memory'
      ? 'lowmemory'
      : (preference ?? 'cumulative')) as TemporalityPreference,
    histogramAggregation:
      histogram === 'base2_exponential_bucket_histogram'
        ? histogram
        : 'explicit_bucket_histogram',
  };
}
