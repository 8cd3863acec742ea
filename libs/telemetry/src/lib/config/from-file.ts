/**
 * The configuration model from an OpenTelemetry declarative configuration file
 * (OTEL_CONFIG_FILE). Reading and strict YAML parsing are read-config-file.ts's; `${VAR}`
 * substitution, schema validation and the file_format check are @opentelemetry/configuration's
 * `parseConfig`; the parsed object already has the model's shape (model.ts), so what is left
 * here is to check it against what this library can honour and to normalize it (lists merged,
 * defaults written in), then to complete it into the resolved configuration (configFromFile: the
 * specification's empty sections, the extension).
 *
 * The rules, key by key:
 * - every stable part of the schema is honoured, views and cardinality limits included;
 * - a setting the JS SDK cannot honour but whose absence changes no data the user asked for (an
 *   exemplar filter: the JS metrics SDK records no exemplars) is one warning naming the key;
 * - `instrumentation/development` is honoured where an instrumentation offers the setting
 *   (captured HTTP headers, sensitive query parameters, `js.<name>.enabled`), one note names the
 *   rest;
 * - anything else that would change data silently if ignored (an exporter or sampler the
 *   library does not build, a tracer configurator) is refused with its key path.
 *
 * The same checks apply to code options that override sections of the model (overrides.ts), with
 * `options.overrides` in place of the file name. As the specification requires, when a file is
 * used the other OTEL_* variables are not read (only through substitution inside the file).
 */
import type {
  ConfigurationModel,
  PushMetricExporterConfigModel,
  SamplerConfigModel,
} from '@opentelemetry/configuration';
import { unknownInstrumentations } from '../instrumentation-selection.js';
import { TelemetryConfigError } from './errors.js';
import {
  DEFAULT_BATCH,
  DEFAULT_EDGE,
  DEFAULT_GRPC_ENDPOINT,
  DEFAULT_HTTP_ENDPOINT,
  DEFAULT_LOG_LIMITS,
  DEFAULT_METRIC_EXPORT_INTERVAL_MS,
  DEFAULT_METRIC_EXPORT_TIMEOUT_MS,
  DEFAULT_OTLP_TIMEOUT_MS,
  DEFAULT_PROMETHEUS,
  DEFAULT_SAMPLER,
  DEFAULT_SPAN_LIMITS,
  DETECTOR_NAMES,
  EXTENSION,
  HTTP_INSTRUMENTATIONS,
  PROPAGATOR_NAMES,
  TARGET_INFO_MODES,
  type TargetInfoMode,
  type ExporterModel,
  type HttpEdgeSettings,
  type OtlpSettings,
  type ProcessorModel,
  type Signal,
  type TelemetryConfig,
} from './model.js';
import {
  defaultInstrumentations,
  nodeOptionsFromEnv,
  parentFromEnv,
} from './from-env.js';
import { PROMETHEUS_NUMBERS, type EnvSnapshot } from './known-variables.js';
import {
  prometheusSources,
  withNumber,
  withPrometheus,
  type PrometheusGiven,
} from './prometheus-env.js';
import { appendSignalPath } from './otlp-env.js';
import { readConfigFile } from './read-config-file.js';
import { DEFAULT_TRACER, TRACERS, type TracerChoice } from './tracer-env.js';
import { redactUrl } from './redact.js';
import {
  parseEndpoint,
  parseHeaders,
  parseKeyValueList,
  PROXY_HINT,
  validProxy,
} from './values.js';

/**
 * Reads, parses and validates the file (strictly, bounded: read-config-file.ts); any problem
 * becomes one TelemetryConfigError.
 */
export function loadConfigFile(path: string): ConfigurationModel {
  return readConfigFile(path);
}

// ---- the file as the resolved configuration ----

/** The specification's empty defaults for the sections a file leaves out. */
function withEmptySections(model: ConfigurationModel): ConfigurationModel {
  return {
    disabled: false,
    ...model,
    attribute_limits: model.attribute_limits ?? {
      attribute_value_length_limit:
        DEFAULT_SPAN_LIMITS.attribute_value_length_limit,
      attribute_count_limit: DEFAULT_SPAN_LIMITS.attribute_count_limit,
    },
    resource: model.resource ?? {
      attributes: [],
      'detection/development': { detectors: [] },
    },
    propagator: model.propagator ?? { composite: [] },
    // No tracer provider section: spans are still made and sampled (trace ids in logs, context
    // for outgoing calls), they go nowhere.
    tracer_provider: model.tracer_provider ?? {
      processors: [],
      limits: { ...DEFAULT_SPAN_LIMITS },
      sampler: DEFAULT_SAMPLER,
    },
    meter_provider: model.meter_provider ?? { readers: [] },
    logger_provider: model.logger_provider ?? {
      processors: [],
      limits: { ...DEFAULT_LOG_LIMITS },
    },
  };
}

export function configFromFile(
  path: string,
  parsed: ConfigurationModel,
  variables: EnvSnapshot,
): TelemetryConfig {
  const at = KeyPath.file(path);
  const checked = checkModel(parsed, at);
  const model = withEmptySections(checked.model);
  const logsExported = (model.logger_provider?.processors ?? []).length > 0;
  let instrumentations = checked.extension.instrumentations ?? [
    ...defaultInstrumentations(variables.values),
    ...(logsExported ? ['pino'] : []),
  ];
  for (const [name, enabled] of Object.entries(checked.enabledByJs))
    instrumentations = enabled
      ? [...new Set([...instrumentations, name])]
      : instrumentations.filter((n) => n !== name);
  const notes = [...checked.notes];
  // The specification: with a file, the other OTEL_* variables are not read — except the one a
  // `service` detector reads by definition. Say which were set.
  const serviceDetector = hasServiceDetector(model);
  const ignored = variables.set.filter(
    (name) =>
      name.startsWith('OTEL_') &&
      name !== 'OTEL_CONFIG_FILE' &&
      !(serviceDetector && name === 'OTEL_SERVICE_NAME'),
  );
  if (ignored.length > 0)
    notes.push(
      `OTEL_CONFIG_FILE is set, so these variables count only where the file substitutes them (\${VAR}): ${ignored.join(', ')}`,
    );
  return {
    ...model,
    distribution: {
      [EXTENSION]: {
        http: { ...DEFAULT_EDGE, ...checked.extension.http },
        tracer: checked.extension.tracer ?? DEFAULT_TRACER,
        instrumentations,
        prometheus_on_app_port: (model.meter_provider?.readers ?? []).some(
          (r) => {
            const p = r.pull?.exporter['prometheus/development'];
            return p != null && p.host == null && p.port == null;
          },
        ),
        prometheus: withPrometheus(
          DEFAULT_PROMETHEUS,
          checked.extension.prometheus,
        ),
        ...parentFromEnv(variables.values),
        ...nodeOptionsFromEnv(variables.values),
        source: { kind: 'file', path },
        sources: prometheusSources(checked.extension.prometheus, (key) =>
          at.variable(key),
        ),
        notes,
      },
    },
  };
}

/** Whether the model asks for the `service` detector (which reads OTEL_SERVICE_NAME by definition). */
export function hasServiceDetector(model: ConfigurationModel): boolean {
  return (model.resource?.['detection/development']?.detectors ?? []).some(
    (d) => d.service !== undefined,
  );
}

type Obj = Record<string, unknown>;

/** The model's sections, checked and normalized, and what the extension section said. */
export interface CheckedModel {
  readonly model: ConfigurationModel;
  /** `distribution['otel-dice']` as given (only the keys that were set). */
  readonly extension: {
    readonly http?: Partial<HttpEdgeSettings>;
    readonly instrumentations?: readonly string[];
    readonly prometheus?: PrometheusGiven;
    readonly tracer?: TracerChoice;
  };
  /** `instrumentation/development.js.<name>.enabled`, by name. */
  readonly enabledByJs: Readonly<Record<string, boolean>>;
  readonly notes: readonly string[];
}

/**
 * Checks and normalizes a model — a parsed file, or the sections code options override. `at`
 * names where it came from in errors and notes.
 */
export function checkModel(
  model: ConfigurationModel,
  at: KeyPath,
): CheckedModel {
  const notes: string[] = [];
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
    'instrumentation/development',
    'distribution',
  ]);
  const general = checkAttributeLimits(model.attribute_limits, at);
  const out: ConfigurationModel = {};
  if (model.disabled != null) out.disabled = model.disabled;
  if (model.log_level != null) out.log_level = model.log_level;
  if (model.attribute_limits != null) out.attribute_limits = general;
  if (model.resource != null) out.resource = checkResource(model.resource, at);
  if (model.propagator != null)
    out.propagator = checkPropagator(model.propagator, at);
  if (model.tracer_provider != null)
    out.tracer_provider = checkTracerProvider(
      model.tracer_provider,
      general,
      at,
    );
  if (model.meter_provider != null)
    out.meter_provider = checkMeterProvider(model.meter_provider, at, notes);
  if (model.logger_provider != null)
    out.logger_provider = checkLoggerProvider(
      model.logger_provider,
      general,
      at,
    );
  const instrumentation = checkInstrumentation(
    model['instrumentation/development'],
    at,
    notes,
  );
  if (instrumentation.model !== undefined)
    out['instrumentation/development'] = instrumentation.model;
  return {
    model: out,
    extension: checkDistribution(model.distribution, at, notes),
    enabledByJs: instrumentation.enabledByJs,
    notes,
  };
}

/** Builds errors and notes that name where a key came from: the file, or the code options. */
export class KeyPath {
  private constructor(
    /** `OTEL_CONFIG_FILE (key)` or `options.overrides.key`: the error's variable. */
    private readonly variableOf: (key: string) => string,
    /** How a message names the key: `/path/to/file.yaml: key` or `options.overrides.key`. */
    readonly name: (key: string) => string,
  ) {}

  static file(path: string): KeyPath {
    return new KeyPath(
      (key) => `OTEL_CONFIG_FILE (${key})`,
      (key) => `${path}: ${key}`,
    );
  }

  static options(prefix: string): KeyPath {
    return new KeyPath(
      (key) => `${prefix}.${key}`,
      (key) => `${prefix}.${key}`,
    );
  }

  variable(key: string): string {
    return this.variableOf(key);
  }

  unsupported(
    key: string,
    supported?: readonly string[],
  ): TelemetryConfigError {
    const hint = supported ? `; supported here: ${supported.join(', ')}` : '';
    return new TelemetryConfigError(
      this.variableOf(key),
      `${this.name(key)} is not supported by @otel-dice/telemetry${hint}`,
    );
  }

  invalid(key: string, why: string): TelemetryConfigError {
    return new TelemetryConfigError(
      this.variableOf(key),
      `${this.name(key)} ${why}`,
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
    const set = Object.entries(obj ?? {}).filter(([, v]) => v !== undefined);
    if (set.length !== 1)
      throw this.invalid(key, `must set exactly one of ${allowed.join(', ')}`);
    const [name, value] = set[0];
    if (!allowed.includes(name))
      throw this.unsupported(`${key}.${name}`, allowed);
    return [name, (value ?? {}) as Obj];
  }
}

// ---- general ----

type Limits = NonNullable<ConfigurationModel['attribute_limits']>;

function checkAttributeLimits(limits: Limits | null | undefined, at: KeyPath) {
  at.only(limits, 'attribute_limits', [
    'attribute_value_length_limit',
    'attribute_count_limit',
  ]);
  return {
    attribute_value_length_limit:
      limits?.attribute_value_length_limit ??
      DEFAULT_SPAN_LIMITS.attribute_value_length_limit,
    attribute_count_limit:
      limits?.attribute_count_limit ??
      DEFAULT_SPAN_LIMITS.attribute_count_limit,
  };
}

// ---- resource ----

function checkResource(
  resource: NonNullable<ConfigurationModel['resource']>,
  at: KeyPath,
): NonNullable<ConfigurationModel['resource']> {
  at.only(resource as Obj, 'resource', [
    'attributes',
    'attributes_list',
    'schema_url',
    'detection/development',
  ]);
  // Entries of `attributes` beat entries of `attributes_list`, as the schema says.
  const listed = resource.attributes_list
    ? parseKeyValueList(
        at.variable('resource.attributes_list'),
        resource.attributes_list,
      )
    : {};
  const attributes = [
    ...Object.entries(listed)
      .filter(([name]) => !resource.attributes?.some((a) => a.name === name))
      .map(([name, value]) => ({ name, value, type: 'string' as const })),
    ...(resource.attributes ?? []).filter((a) => a.value !== null),
  ];
  const detection = resource['detection/development'];
  at.only(detection as Obj, 'resource.detection/development', [
    'detectors',
    'attributes',
  ]);
  const detectors = (detection?.detectors ?? []).map((detector, i) => {
    const [name] = at.choice(
      detector as Obj,
      `resource.detection/development.detectors[${i}]`,
      DETECTOR_NAMES,
    );
    return { [name]: {} };
  });
  return {
    attributes,
    ...(resource.schema_url ? { schema_url: resource.schema_url } : {}),
    'detection/development': {
      detectors,
      ...(detection?.attributes ? { attributes: detection.attributes } : {}),
    },
  };
}

function checkPropagator(
  propagator: NonNullable<ConfigurationModel['propagator']>,
  at: KeyPath,
): NonNullable<ConfigurationModel['propagator']> {
  at.only(propagator as Obj, 'propagator', ['composite', 'composite_list']);
  const allowed = [...PROPAGATOR_NAMES, 'none'];
  const names: string[] = (propagator.composite ?? []).map(
    (entry, i) =>
      at.choice(entry as Obj, `propagator.composite[${i}]`, allowed)[0],
  );
  for (const name of (propagator.composite_list ?? '').split(',')) {
    const trimmed = name.trim().toLowerCase();
    if (!trimmed) continue;
    if (!allowed.includes(trimmed))
      throw at.unsupported(`propagator.composite_list (${trimmed})`, allowed);
    names.push(trimmed);
  }
  return {
    composite: [...new Set(names)]
      .filter((n) => n !== 'none')
      .map((name) => ({ [name]: {} })),
  };
}

// ---- traces ----

type TracerProviderModel = NonNullable<ConfigurationModel['tracer_provider']>;

function checkTracerProvider(
  provider: TracerProviderModel,
  general: Required<Limits>,
  at: KeyPath,
): TracerProviderModel {
  at.only(provider as unknown as Obj, 'tracer_provider', [
    'processors',
    'limits',
    'sampler',
    'id_generator',
  ]);
  if (provider.id_generator)
    at.choice(provider.id_generator as Obj, 'tracer_provider.id_generator', [
      'random',
    ]);
  const limits = provider.limits ?? {};
  at.only(limits, 'tracer_provider.limits', Object.keys(DEFAULT_SPAN_LIMITS));
  const d = DEFAULT_SPAN_LIMITS;
  return {
    processors: (provider.processors ?? []).map((p, i) =>
      checkProcessor(
        p as Obj,
        `tracer_provider.processors[${i}]`,
        'traces',
        at,
      ),
    ) as TracerProviderModel['processors'],
    limits: {
      attribute_value_length_limit:
        limits.attribute_value_length_limit ??
        general.attribute_value_length_limit,
      attribute_count_limit:
        limits.attribute_count_limit ?? general.attribute_count_limit,
      event_count_limit: limits.event_count_limit ?? d.event_count_limit,
      link_count_limit: limits.link_count_limit ?? d.link_count_limit,
      event_attribute_count_limit:
        limits.event_attribute_count_limit ?? d.event_attribute_count_limit,
      link_attribute_count_limit:
        limits.link_attribute_count_limit ?? d.link_attribute_count_limit,
    },
    sampler: provider.sampler
      ? checkSampler(provider.sampler, 'tracer_provider.sampler', at)
      : DEFAULT_SAMPLER,
  };
}

function checkSampler(
  sampler: SamplerConfigModel,
  key: string,
  at: KeyPath,
): SamplerConfigModel {
  const [name, body] = at.choice(sampler as Obj, key, [
    'always_on',
    'always_off',
    'trace_id_ratio_based',
    'parent_based',
  ]);
  switch (name) {
    case 'always_on':
    case 'always_off':
      return { [name]: {} };
    case 'trace_id_ratio_based': {
      at.only(body, `${key}.trace_id_ratio_based`, ['ratio']);
      const ratio = (body['ratio'] as number | null | undefined) ?? 1;
      if (!(ratio >= 0 && ratio <= 1))
        throw at.invalid(
          `${key}.trace_id_ratio_based.ratio`,
          'must be between 0 and 1',
        );
      return { trace_id_ratio_based: { ratio } };
    }
    default: {
      const slots = [
        'root',
        'remote_parent_sampled',
        'remote_parent_not_sampled',
        'local_parent_sampled',
        'local_parent_not_sampled',
      ];
      at.only(body, `${key}.parent_based`, slots);
      const parentBased: Record<string, SamplerConfigModel> = {
        root: { always_on: {} },
      };
      for (const slot of slots) {
        const value = body[slot] as SamplerConfigModel | null | undefined;
        if (value)
          parentBased[slot] = checkSampler(
            value,
            `${key}.parent_based.${slot}`,
            at,
          );
      }
      return { parent_based: parentBased };
    }
  }
}

/** A span or log record processor, with its batch settings written in. */
function checkProcessor(
  processor: Obj,
  key: string,
  signal: 'traces' | 'logs',
  at: KeyPath,
): ProcessorModel {
  const [kind, body] = at.choice(processor, key, ['batch', 'simple']);
  const exporter = checkExporter(
    body['exporter'] as Obj,
    `${key}.${kind}.exporter`,
    signal,
    at,
  );
  if (kind === 'simple') {
    at.only(body, `${key}.simple`, ['exporter']);
    return { simple: { exporter } };
  }
  at.only(body, `${key}.batch`, ['exporter', ...Object.keys(DEFAULT_BATCH)]);
  const num = (field: keyof typeof DEFAULT_BATCH, fallback?: number) =>
    (body[field] as number | null | undefined) ??
    fallback ??
    DEFAULT_BATCH[field];
  const maxQueueSize = num('max_queue_size');
  const given = body['max_export_batch_size'] as number | null | undefined;
  if (given != null && given > maxQueueSize)
    throw at.invalid(
      `${key}.batch.max_export_batch_size`,
      `must not exceed max_queue_size (${maxQueueSize})`,
    );
  for (const field of ['schedule_delay', 'export_timeout'] as const)
    if (body[field] === 0)
      throw at.invalid(
        `${key}.batch.${field}`,
        'is 0 (no limit), which the OpenTelemetry JS SDK does not support; give milliseconds',
      );
  return {
    batch: {
      schedule_delay: num('schedule_delay'),
      export_timeout: num('export_timeout'),
      max_queue_size: maxQueueSize,
      // A queue smaller than the default batch: the batch is the queue, not a wish.
      max_export_batch_size:
        given ?? Math.min(DEFAULT_BATCH.max_export_batch_size, maxQueueSize),
      exporter,
    },
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
const METRIC_EXPORTER_KEYS = [
  'temporality_preference',
  'default_histogram_aggregation',
];

function checkExporter(
  exporter: Obj,
  key: string,
  signal: Signal,
  at: KeyPath,
): ExporterModel {
  const [kind, body] = at.choice(exporter, key, [
    'otlp_http',
    'otlp_grpc',
    'console',
  ]);
  if (kind === 'console') {
    // The JS console exporters take no settings (the metric one prints cumulative sums): a
    // temporality preference here would be ignored, so it is refused.
    at.only(body, `${key}.console`, []);
    return { console: {} };
  }
  const extra = signal === 'metrics' ? METRIC_EXPORTER_KEYS : [];
  return kind === 'otlp_http'
    ? { otlp_http: checkOtlpHttp(body, `${key}.otlp_http`, signal, extra, at) }
    : { otlp_grpc: checkOtlpGrpc(body, `${key}.otlp_grpc`, extra, at) };
}

function headersFromModel(body: Obj, key: string, at: KeyPath) {
  const list = body['headers_list'] as string | null | undefined;
  const merged = list
    ? parseHeaders(at.variable(`${key}.headers_list`), list)
    : {};
  const explicit = (
    (body['headers'] ?? []) as Array<{
      name: string;
      value: string | null;
    }>
  )
    .filter((h) => h.value !== null)
    .map(
      (h) =>
        `${encodeURIComponent(h.name)}=${encodeURIComponent(h.value ?? '')}`,
    )
    .join(',');
  const all = explicit
    ? { ...merged, ...parseHeaders(at.variable(`${key}.headers`), explicit) }
    : merged;
  return Object.entries(all).map(([name, value]) => ({ name, value }));
}

function commonOtlp(body: Obj, key: string, at: KeyPath) {
  const compression = (body['compression'] as string | null) ?? 'none';
  if (compression !== 'gzip' && compression !== 'none')
    throw at.invalid(
      `${key}.compression`,
      `is "${compression}"; supported values are gzip, none`,
    );
  const timeout = body['timeout'] as number | null | undefined;
  if (timeout === 0)
    throw at.invalid(
      `${key}.timeout`,
      'is 0 (no limit), which the OpenTelemetry JS exporters do not support; give milliseconds',
    );
  const preferences: Partial<OtlpSettings> = {};
  for (const name of METRIC_EXPORTER_KEYS)
    if (body[name] != null) (preferences as Obj)[name] = body[name];
  return {
    headers: headersFromModel(body, key, at),
    compression,
    timeout: timeout ?? DEFAULT_OTLP_TIMEOUT_MS,
    ...preferences,
  } as const;
}

function checkTls(
  tls: Obj | null | undefined,
  key: string,
  allowed: readonly string[],
  at: KeyPath,
): OtlpSettings['tls'] {
  at.only(tls, `${key}.tls`, allowed);
  const value = (name: string) => tls?.[name] as string | null | undefined;
  if (!value('key_file') !== !value('cert_file'))
    throw at.invalid(
      `${key}.tls`,
      'must set both key_file and cert_file for mTLS, or neither',
    );
  const out: Record<string, unknown> = {};
  for (const name of allowed) if (tls?.[name] != null) out[name] = tls[name];
  return out;
}

function checkOtlpHttp(
  body: Obj,
  key: string,
  signal: Signal,
  extra: readonly string[],
  at: KeyPath,
): OtlpSettings {
  at.only(body, key, [...OTLP_KEYS, 'encoding', ...extra]);
  const given = body['endpoint'] as string | null | undefined;
  const endpoint = given ?? appendSignalPath(DEFAULT_HTTP_ENDPOINT, signal);
  const url = parseEndpoint(at.variable(`${key}.endpoint`), endpoint);
  return {
    endpoint: url.href,
    ...commonOtlp(body, key, at),
    encoding: body['encoding'] === 'json' ? 'json' : 'protobuf',
    tls: checkTls(
      body['tls'] as Obj,
      key,
      ['ca_file', 'key_file', 'cert_file'],
      at,
    ),
  };
}

function checkOtlpGrpc(
  body: Obj,
  key: string,
  extra: readonly string[],
  at: KeyPath,
): OtlpSettings {
  at.only(body, key, [...OTLP_KEYS, ...extra]);
  const endpoint =
    (body['endpoint'] as string | null | undefined) ?? DEFAULT_GRPC_ENDPOINT;
  const url = parseEndpoint(at.variable(`${key}.endpoint`), endpoint, {
    allowNoScheme: true,
  });
  if (url.path !== '' && url.path !== '/')
    throw at.invalid(
      `${key}.endpoint`,
      `(${redactUrl(url.href)}) has a path; a gRPC endpoint has none`,
    );
  return {
    endpoint: url.href,
    ...commonOtlp(body, key, at),
    tls: checkTls(
      body['tls'] as Obj,
      key,
      ['ca_file', 'key_file', 'cert_file', 'insecure'],
      at,
    ),
  };
}

// ---- metrics ----

type MeterProviderModel = NonNullable<ConfigurationModel['meter_provider']>;

const CARDINALITY_KEYS = [
  'default',
  'counter',
  'gauge',
  'histogram',
  'observable_counter',
  'observable_gauge',
  'observable_up_down_counter',
  'up_down_counter',
];

function checkMeterProvider(
  provider: MeterProviderModel,
  at: KeyPath,
  notes: string[],
): MeterProviderModel {
  at.only(provider as unknown as Obj, 'meter_provider', [
    'readers',
    'views',
    'exemplar_filter',
  ]);
  const filter = provider.exemplar_filter;
  // Exemplars are extra data, not a change to the data asked for: without them every stream
  // is the same. So a filter that asks for some is a warning, not a refusal.
  if (filter && filter !== 'always_off')
    notes.push(
      `${at.name('meter_provider.exemplar_filter')} is ${filter}, which cannot be honoured: the OpenTelemetry JS metrics SDK records no exemplars`,
    );
  // The JS SDK gives a view's streams its own limit or 2000, never the reader's: say so where
  // both are configured, rather than let a cap silently differ from the file.
  const readerLimits = (provider.readers ?? []).some(
    (r) => (r.periodic ?? r.pull)?.cardinality_limits,
  );
  (provider.views ?? []).forEach((view, i) => {
    if (readerLimits && view.stream?.aggregation_cardinality_limit == null)
      notes.push(
        `${at.name(`meter_provider.views[${i}].stream`)} sets no aggregation_cardinality_limit: the OpenTelemetry JS SDK then caps its streams at 2000, not at the reader's cardinality_limits`,
      );
  });
  return {
    readers: (provider.readers ?? []).map((r, i) =>
      checkReader(r as Obj, `meter_provider.readers[${i}]`, at, notes),
    ),
    views: (provider.views ?? []).map((v, i) =>
      checkView(v as unknown as Obj, `meter_provider.views[${i}]`, at),
    ),
    ...(filter ? { exemplar_filter: filter } : {}),
  };
}

function checkCardinality(body: Obj, key: string, at: KeyPath): Obj {
  const limits = body['cardinality_limits'] as Obj | null | undefined;
  at.only(limits, `${key}.cardinality_limits`, CARDINALITY_KEYS);
  return limits ? { cardinality_limits: limits } : {};
}

function checkReader(
  reader: Obj,
  key: string,
  at: KeyPath,
  notes: string[],
): MeterProviderModel['readers'][number] {
  const [kind, body] = at.choice(reader, key, ['periodic', 'pull']);
  if (kind === 'pull') {
    at.only(body, `${key}.pull`, ['exporter', 'cardinality_limits']);
    const [, prometheus] = at.choice(
      body['exporter'] as Obj,
      `${key}.pull.exporter`,
      ['prometheus/development'],
    );
    const p = `${key}.pull.exporter.prometheus/development`;
    at.only(prometheus, p, [
      'host',
      'port',
      'scope_info_enabled',
      'target_info_enabled/development',
      'resource_constant_labels',
      'translation_strategy',
    ]);
    const strategy = prometheus['translation_strategy'];
    if (strategy != null && strategy !== 'underscore_escaping_with_suffixes')
      throw at.invalid(
        `${p}.translation_strategy`,
        `is ${String(strategy)}; the OpenTelemetry JS Prometheus exporter escapes names with underscores and adds _total to counters (underscore_escaping_with_suffixes)`,
      );
    if (strategy != null)
      notes.push(
        `${at.name(`${p}.translation_strategy`)}: the OpenTelemetry JS Prometheus exporter adds _total to counters but no unit suffixes`,
      );
    const labels = prometheus['resource_constant_labels'] as Obj | undefined;
    at.only(labels, `${p}.resource_constant_labels`, ['included', 'excluded']);
    const settings: Obj = {};
    for (const [name, value] of Object.entries(prometheus))
      if (value != null) settings[name] = value;
    return {
      pull: {
        exporter: { 'prometheus/development': settings },
        ...checkCardinality(body, `${key}.pull`, at),
      },
    };
  }
  at.only(body, `${key}.periodic`, [
    'exporter',
    'interval',
    'timeout',
    'cardinality_limits',
    'max_export_batch_size/development',
  ]);
  const interval =
    (body['interval'] as number | null | undefined) ??
    DEFAULT_METRIC_EXPORT_INTERVAL_MS;
  const timeout = body['timeout'] as number | null | undefined;
  if (timeout === 0 || interval === 0)
    throw at.invalid(
      `${key}.periodic.${timeout === 0 ? 'timeout' : 'interval'}`,
      'is 0, which the OpenTelemetry JS metric reader does not support; give milliseconds',
    );
  if (timeout != null && timeout > interval)
    throw at.invalid(
      `${key}.periodic.timeout`,
      `must not exceed interval (${interval} ms)`,
    );
  const batch = body['max_export_batch_size/development'] as
    | number
    | null
    | undefined;
  return {
    periodic: {
      interval,
      timeout: Math.min(timeout ?? DEFAULT_METRIC_EXPORT_TIMEOUT_MS, interval),
      exporter: checkExporter(
        body['exporter'] as Obj,
        `${key}.periodic.exporter`,
        'metrics',
        at,
      ) as unknown as PushMetricExporterConfigModel,
      ...checkCardinality(body, `${key}.periodic`, at),
      ...(batch != null ? { 'max_export_batch_size/development': batch } : {}),
    },
  };
}

const AGGREGATIONS = [
  'default',
  'drop',
  'explicit_bucket_histogram',
  'base2_exponential_bucket_histogram',
  'last_value',
  'sum',
];

function checkView(
  view: Obj,
  key: string,
  at: KeyPath,
): NonNullable<MeterProviderModel['views']>[number] {
  at.only(view, key, ['selector', 'stream']);
  const selector = (view['selector'] ?? {}) as Obj;
  const stream = (view['stream'] ?? {}) as Obj;
  at.only(selector, `${key}.selector`, [
    'instrument_name',
    'instrument_type',
    'unit',
    'meter_name',
    'meter_version',
    'meter_schema_url',
  ]);
  at.only(stream, `${key}.stream`, [
    'name',
    'description',
    'aggregation',
    'aggregation_cardinality_limit',
    'attribute_keys',
  ]);
  if (Object.values(selector).every((v) => v == null))
    throw at.invalid(`${key}.selector`, 'must select something');
  const name = selector['instrument_name'] as string | null | undefined;
  if (stream['name'] != null && (name == null || /[*?]/.test(name)))
    throw at.invalid(
      `${key}.stream.name`,
      'renames a stream, so the selector must name one instrument (instrument_name without * or ?)',
    );
  if (stream['aggregation'] != null) {
    const [kind, body] = at.choice(
      stream['aggregation'] as Obj,
      `${key}.stream.aggregation`,
      AGGREGATIONS,
    );
    const k = `${key}.stream.aggregation.${kind}`;
    if (kind === 'explicit_bucket_histogram')
      at.only(body, k, ['boundaries', 'record_min_max']);
    else if (kind === 'base2_exponential_bucket_histogram') {
      // The JS SDK's exponential histogram takes a size but always starts at the highest scale:
      // a max_scale it ignored would give finer buckets than asked.
      at.only(body, k, ['max_size', 'record_min_max']);
    } else at.only(body, k, []);
  }
  at.only(stream['attribute_keys'] as Obj, `${key}.stream.attribute_keys`, [
    'included',
    'excluded',
  ]);
  return view as unknown as NonNullable<MeterProviderModel['views']>[number];
}

// ---- logs ----

type LoggerProviderModel = NonNullable<ConfigurationModel['logger_provider']>;

function checkLoggerProvider(
  provider: LoggerProviderModel,
  general: Required<Limits>,
  at: KeyPath,
): LoggerProviderModel {
  at.only(provider as unknown as Obj, 'logger_provider', [
    'processors',
    'limits',
  ]);
  const limits = provider.limits ?? {};
  at.only(limits, 'logger_provider.limits', Object.keys(DEFAULT_LOG_LIMITS));
  return {
    processors: (provider.processors ?? []).map((p, i) =>
      checkProcessor(p as Obj, `logger_provider.processors[${i}]`, 'logs', at),
    ) as LoggerProviderModel['processors'],
    limits: {
      attribute_value_length_limit:
        limits.attribute_value_length_limit ??
        general.attribute_value_length_limit,
      attribute_count_limit:
        limits.attribute_count_limit ?? general.attribute_count_limit,
    },
  };
}

// ---- instrumentation/development ----

type InstrumentationModel = NonNullable<
  ConfigurationModel['instrumentation/development']
>;

/**
 * What the Node instrumentations can do with `instrumentation/development`: capture the named
 * HTTP headers on client and server spans, redact the named query parameters, and switch an
 * instrumentation on or off (`js.<name>.enabled`). Every other key that is set is named in one
 * note — it is experimental, so it is accepted, but nobody should think it works.
 */
function checkInstrumentation(
  instrumentation: InstrumentationModel | null | undefined,
  at: KeyPath,
  notes: string[],
): {
  model: InstrumentationModel | undefined;
  enabledByJs: Record<string, boolean>;
} {
  const key = 'instrumentation/development';
  if (instrumentation == null) return { model: undefined, enabledByJs: {} };
  const ignored: string[] = [];
  const general = (instrumentation.general ?? {}) as Obj;
  const http = (general['http'] ?? {}) as Obj;
  const model: InstrumentationModel = { general: {} };
  const kept: Obj = {};
  for (const side of ['client', 'server'] as const) {
    const body = (http[side] ?? {}) as Obj;
    const captured: Obj = {};
    for (const [name, value] of Object.entries(body)) {
      if (value == null) continue;
      if (
        name === 'request_captured_headers' ||
        name === 'response_captured_headers'
      )
        captured[name] = value;
      else ignored.push(`general.http.${side}.${name}`);
    }
    if (Object.keys(captured).length > 0) kept[side] = captured;
  }
  if (Object.keys(kept).length > 0) (model.general as Obj)['http'] = kept;
  if (http['semconv'] != null) ignored.push('general.http.semconv');
  const sanitization = (general['sanitization'] ?? {}) as Obj;
  const url = (sanitization['url'] ?? {}) as Obj;
  const sensitive = url['sensitive_query_parameters'];
  if (sensitive != null)
    (model.general as Obj)['sanitization'] = {
      url: { sensitive_query_parameters: sensitive },
    };
  for (const [name, value] of Object.entries(general))
    if (value != null && name !== 'http' && name !== 'sanitization')
      ignored.push(`general.${name}`);
  const enabledByJs: Record<string, boolean> = {};
  for (const [name, value] of Object.entries(
    (instrumentation.js ?? {}) as Obj,
  )) {
    if (value == null) continue;
    for (const [setting, v] of Object.entries(value as Obj)) {
      if (v == null) continue;
      if (setting !== 'enabled') {
        ignored.push(`js.${name}.${setting}`);
        continue;
      }
      if (typeof v !== 'boolean')
        throw at.invalid(`${key}.js.${name}.enabled`, 'must be true or false');
      const unknown = unknownInstrumentations([name]);
      if (unknown !== undefined) throw at.invalid(`${key}.js.${name}`, unknown);
      enabledByJs[name] = v;
    }
  }
  if (ignored.length > 0)
    notes.push(
      `${at.name(key)}: no Node instrumentation here offers ${ignored.join(', ')}; not applied`,
    );
  return { model, enabledByJs };
}

// ---- distribution ----

function checkDistribution(
  distribution: ConfigurationModel['distribution'] | null | undefined,
  at: KeyPath,
  notes: string[],
): CheckedModel['extension'] {
  const others = Object.keys(distribution ?? {}).filter(
    (name) => name !== EXTENSION,
  );
  if (others.length > 0)
    notes.push(
      `${at.name(`distribution.${others.join(', distribution.')}`)}: settings for another distribution, not used`,
    );
  const own = distribution?.[EXTENSION] as Obj | undefined;
  if (own == null) return {};
  const key = `distribution.${EXTENSION}`;
  at.only(own, key, ['http', 'instrumentations', 'prometheus', 'tracer']);
  const tracer = own['tracer'];
  if (tracer != null && !TRACERS.includes(tracer as TracerChoice))
    throw at.invalid(
      `${key}.tracer`,
      `is ${JSON.stringify(tracer)}; supported values are ${TRACERS.join(', ')}`,
    );
  const http = own['http'] as Obj | undefined;
  at.only(http, `${key}.http`, [
    'instrumentation',
    'trust_incoming_context',
    'trusted_proxies',
  ]);
  const edge: Partial<HttpEdgeSettings> = {};
  const instrumentation = http?.['instrumentation'];
  if (instrumentation != null) {
    if (!HTTP_INSTRUMENTATIONS.includes(instrumentation as 'lean'))
      throw at.invalid(
        `${key}.http.instrumentation`,
        `is ${JSON.stringify(instrumentation)}; supported values are ${HTTP_INSTRUMENTATIONS.join(', ')}`,
      );
    (edge as Obj)['instrumentation'] = instrumentation;
  }
  if (http?.['trust_incoming_context'] != null) {
    if (typeof http['trust_incoming_context'] !== 'boolean')
      throw at.invalid(
        `${key}.http.trust_incoming_context`,
        'must be true or false',
      );
    (edge as Obj)['trust_incoming_context'] = http['trust_incoming_context'];
  }
  if (http?.['trusted_proxies'] != null) {
    const proxies = http['trusted_proxies'];
    if (!Array.isArray(proxies))
      throw at.invalid(`${key}.http.trusted_proxies`, 'must be a list');
    const bad = proxies.find((p) => typeof p !== 'string' || !validProxy(p));
    if (bad !== undefined)
      throw at.invalid(
        `${key}.http.trusted_proxies`,
        `has ${JSON.stringify(bad)}, which ${PROXY_HINT}`,
      );
    (edge as Obj)['trusted_proxies'] = proxies;
  }
  const list = own['instrumentations'];
  if (
    list != null &&
    (!Array.isArray(list) || list.some((n) => typeof n !== 'string'))
  )
    throw at.invalid(
      `${key}.instrumentations`,
      'must be a list of instrumentation names (package suffixes such as http, express, pg)',
    );
  const unknown =
    list == null ? undefined : unknownInstrumentations(list as string[]);
  if (unknown !== undefined)
    throw at.invalid(`${key}.instrumentations`, unknown);
  const prometheus = checkPrometheus(
    own['prometheus'],
    `${key}.prometheus`,
    at,
  );
  return {
    ...(http ? { http: edge } : {}),
    ...(list != null ? { instrumentations: list as string[] } : {}),
    ...(prometheus ? { prometheus } : {}),
    ...(tracer != null ? { tracer: tracer as TracerChoice } : {}),
  };
}

/** `distribution['otel-dice'].prometheus`, with the bounds of the TELEMETRY_PROMETHEUS_* variables. */
function checkPrometheus(
  section: unknown,
  key: string,
  at: KeyPath,
): PrometheusGiven | undefined {
  if (section == null) return undefined;
  if (typeof section !== 'object' || Array.isArray(section))
    throw at.invalid(key, 'must be a mapping');
  const obj = section as Obj;
  at.only(obj, key, ['target_info', 'cache', 'server']);
  const server = obj['server'];
  if (server != null && (typeof server !== 'object' || Array.isArray(server)))
    throw at.invalid(`${key}.server`, 'must be a mapping');
  at.only(
    server as Obj | undefined,
    `${key}.server`,
    PROMETHEUS_NUMBERS.flatMap((n) =>
      n.key.startsWith('server.') ? [n.key.slice('server.'.length)] : [],
    ),
  );
  let given: PrometheusGiven = {};
  const targetInfo = obj['target_info'];
  if (targetInfo != null) {
    if (!TARGET_INFO_MODES.includes(targetInfo as TargetInfoMode))
      throw at.invalid(
        `${key}.target_info`,
        `is ${JSON.stringify(targetInfo)}; supported values are ${TARGET_INFO_MODES.join(', ')}`,
      );
    given = { target_info: targetInfo as TargetInfoMode };
  }
  for (const { key: name, min, max } of PROMETHEUS_NUMBERS) {
    const value =
      name === 'cache'
        ? obj['cache']
        : (server as Obj | undefined)?.[name.slice('server.'.length)];
    if (value == null) continue;
    if (
      !Number.isSafeInteger(value) ||
      (value as number) < min ||
      (value as number) > max
    )
      throw at.invalid(
        `${key}.${name}`,
        `must be an integer between ${min} and ${max}`,
      );
    given = withNumber(given, name, value as number);
  }
  return given;
}
