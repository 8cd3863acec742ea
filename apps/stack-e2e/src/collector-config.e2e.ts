import {
  collectorConfigProblems,
  componentType,
  otlpHttpSignalUrl,
  pipelines,
  type Pipeline,
} from './support/collector-config.js';
import { loadStackCompose, serviceOf } from './support/project.js';
import { portBindings } from './support/compose.js';
import { paths } from './support/paths.js';
import {
  deriveSpanMetricNames,
  readDocumentedSpanMetrics,
  spanMetricsExporterId,
} from './support/span-metrics.js';
import { isMap, mapAt, readYaml, type YamlMap } from './support/yaml-file.js';

function readConfig(path: string): YamlMap {
  const config = readYaml(path);
  if (!isMap(config)) throw new Error(`${path}: expected a map`);
  return config;
}

const collector = readConfig(paths.collectorConfig);
const jaeger = readConfig(paths.jaegerConfig);

describe('collector config checker', () => {
  const base = {
    receivers: { otlp: {} },
    processors: { memory_limiter: {} },
    exporters: { 'otlp_grpc/jaeger': {} },
    connectors: { span_metrics: {} },
    extensions: { health_check: {} },
    service: {
      extensions: ['health_check'],
      pipelines: {
        traces: {
          receivers: ['otlp'],
          processors: ['memory_limiter'],
          exporters: ['otlp_grpc/jaeger', 'span_metrics'],
        },
        metrics: {
          receivers: ['span_metrics'],
          exporters: ['otlp_grpc/jaeger'],
        },
      },
    },
  };

  it('accepts a sound config', () => {
    expect(collectorConfigProblems(base)).toEqual([]);
  });

  it('reports undeclared components, one-sided connectors, unused components and deprecated names', () => {
    const broken = {
      ...base,
      exporters: { 'otlp_grpc/jaeger': {}, otlp: {}, unused_exporter: {} },
      connectors: { spanmetrics: {} },
      service: {
        extensions: ['health_check', 'pprof'],
        pipelines: {
          traces: {
            receivers: ['otlp', 'zipkin'],
            processors: ['batch'],
            exporters: ['otlp_grpc/jaeger', 'otlp', 'spanmetrics'],
          },
        },
      },
    };
    expect(collectorConfigProblems(broken)).toEqual([
      'exporters.otlp: "otlp" is a deprecated alias, use "otlp_grpc"',
      'connectors.spanmetrics: "spanmetrics" is a deprecated alias, use "span_metrics"',
      'service.extensions: "pprof" is not declared under extensions',
      'service.pipelines.traces: receiver "zipkin" is not declared under receivers or connectors',
      'service.pipelines.traces: processor "batch" is not declared under processors',
      'connectors.spanmetrics: not used as a receiver in any pipeline',
      'processors.memory_limiter: declared but used by no pipeline',
      'exporters.unused_exporter: declared but used by no pipeline',
    ]);
  });
});

describe('otlp_http exporter URL', () => {
  it('is composed the way the exporter composes it (factory.go composeSignalURL)', () => {
    expect(
      otlpHttpSignalUrl({ endpoint: 'http://loki:3100/otlp' }, 'logs'),
    ).toBe('http://loki:3100/otlp/v1/logs');
    expect(otlpHttpSignalUrl({ endpoint: 'http://h:4318/' }, 'logs')).toBe(
      'http://h:4318/v1/logs',
    );
    expect(
      otlpHttpSignalUrl(
        { endpoint: 'http://h:4318', logs_endpoint: 'http://l/x' },
        'logs',
      ),
    ).toBe('http://l/x');
    expect(otlpHttpSignalUrl({}, 'logs')).toBeUndefined();
  });
});

describe('deploy/otel-collector/otelcol-config.yaml', () => {
  const exporters = mapAt(collector, 'exporters', 'collector');
  /** The pipelines of one signal (`metrics`, `metrics/otlp`, … are all metrics). */
  const signalPipelines = (signal: string): Pipeline[] =>
    pipelines(collector).filter((p) => componentType(p.id) === signal);

  it('wires every pipeline to declared components only', () => {
    expect(collectorConfigProblems(collector)).toEqual([]);
  });

  it('receives OTLP on 4317 (gRPC) and 4318 (HTTP) on all container interfaces', () => {
    const otlp = mapAt(
      mapAt(collector, 'receivers', 'collector'),
      'otlp',
      'receivers',
    );
    const protocols = mapAt(otlp, 'protocols', 'otlp');
    expect(mapAt(protocols, 'grpc', 'protocols')['endpoint']).toBe(
      '0.0.0.0:4317',
    );
    expect(mapAt(protocols, 'http', 'protocols')['endpoint']).toBe(
      '0.0.0.0:4318',
    );
  });

  it('limits memory first in every pipeline', () => {
    for (const pipeline of pipelines(collector))
      expect({ pipeline: pipeline.id, first: pipeline.processors[0] }).toEqual({
        pipeline: pipeline.id,
        first: 'memory_limiter',
      });
  });

  it('exports traces to Jaeger over OTLP/gRPC, batched by the sending queue, and into span_metrics', () => {
    const traces = pipelines(collector).find((p) => p.id === 'traces');
    expect(traces?.exporters.map(componentType).sort()).toEqual([
      'otlp_grpc',
      'span_metrics',
    ]);
    const exporters = mapAt(collector, 'exporters', 'collector');
    const [jaegerExporterId] = Object.keys(exporters).filter(
      (id) => componentType(id) === 'otlp_grpc',
    );
    const jaegerExporter = mapAt(exporters, jaegerExporterId, 'exporters');
    expect(jaegerExporter['endpoint']).toBe('jaeger:4317');
    expect(
      isMap(mapAt(jaegerExporter, 'sending_queue', jaegerExporterId)['batch']),
    ).toBe(true);
  });

  it('serves span metrics to Prometheus on 8889 and health on 13133', () => {
    const exporterId = spanMetricsExporterId(collector);
    expect(componentType(exporterId)).toBe('prometheus');
    expect(mapAt(exporters, exporterId, 'exporters')['endpoint']).toBe(
      '0.0.0.0:8889',
    );
    expect(
      mapAt(
        mapAt(collector, 'extensions', 'collector'),
        'health_check',
        'extensions',
      )['endpoint'],
    ).toBe('0.0.0.0:13133');
  });

  it('receives every signal over OTLP', () => {
    for (const signal of ['traces', 'metrics', 'logs'])
      expect({
        signal,
        otlp: signalPipelines(signal).some((p) => p.receivers.includes('otlp')),
      }).toEqual({ signal, otlp: true });
  });

  it("takes the apps' OTLP metrics to Prometheus on a port of their own, apart from the span metrics", () => {
    const spanExporter = spanMetricsExporterId(collector);
    const pushed = signalPipelines('metrics').filter((p) =>
      p.receivers.includes('otlp'),
    );
    expect(pushed).toHaveLength(1);
    const [pipeline] = pushed;
    // Only OTLP in, only Prometheus out: the span metrics stay in their own pipeline and job.
    expect(pipeline.receivers).toEqual(['otlp']);
    expect(pipeline.exporters.map(componentType)).toEqual(['prometheus']);
    expect(pipeline.exporters).not.toContain(spanExporter);
    const endpoint = String(
      mapAt(exporters, pipeline.exporters[0], 'exporters')['endpoint'],
    );
    expect(endpoint).toBe('0.0.0.0:8890');
    expect(
      mapAt(exporters, pipeline.exporters[0], 'exporters')[
        'translation_strategy'
      ],
    ).toBe('UnderscoreEscapingWithSuffixes');
  });

  it("sends logs to Loki's native OTLP endpoint, batched by the sending queue", () => {
    const logs = signalPipelines('logs');
    expect(logs).toHaveLength(1);
    expect(logs[0].receivers).toEqual(['otlp']);
    expect(logs[0].exporters.map(componentType)).toEqual(['otlp_http']);
    const [exporterId] = logs[0].exporters;
    const exporter = mapAt(exporters, exporterId, 'exporters');
    const url = new URL(String(otlpHttpSignalUrl(exporter, 'logs')));
    // Loki 3.x serves OTLP logs on POST /otlp/v1/logs (pkg/loki/modules.go).
    expect(url.pathname).toBe('/otlp/v1/logs');
    // A compose service that listens on that port.
    const loki = serviceOf(loadStackCompose(), url.hostname);
    expect(portBindings(loki).map((b) => b.containerPort)).toContain(
      Number(url.port),
    );
    expect(isMap(mapAt(exporter, 'sending_queue', exporterId)['batch'])).toBe(
      true,
    );
  });

  it('documents exactly the span-metric names its settings produce', () => {
    expect(readDocumentedSpanMetrics(paths.spanMetricsList).metrics).toEqual(
      deriveSpanMetricNames(collector),
    );
  });

  it('derives names from the settings rather than assuming them', () => {
    const variant = structuredClone(collector);
    const connectors = mapAt(variant, 'connectors', 'collector');
    connectors['span_metrics'] = {
      namespace: 'dice',
      histogram: { unit: 's' },
    };
    expect(deriveSpanMetricNames(variant)).toEqual([
      'dice_calls_total',
      'dice_duration_seconds_bucket',
      'dice_duration_seconds_sum',
      'dice_duration_seconds_count',
    ]);
  });
});

describe('deploy/jaeger/config.yaml', () => {
  const extensions = mapAt(jaeger, 'extensions', 'jaeger');
  const storage = mapAt(extensions, 'jaeger_storage', 'extensions');
  const backends = mapAt(storage, 'backends', 'jaeger_storage');

  it('wires every pipeline to declared components only', () => {
    expect(collectorConfigProblems(jaeger)).toEqual([]);
  });

  it('receives OTLP/gRPC on 4317, where the collector sends', () => {
    const protocols = mapAt(
      mapAt(mapAt(jaeger, 'receivers', 'jaeger'), 'otlp', 'receivers'),
      'protocols',
      'otlp',
    );
    expect(mapAt(protocols, 'grpc', 'protocols')['endpoint']).toBe(
      '0.0.0.0:4317',
    );
  });

  it('stores traces in a bounded in-memory backend that the query service and the exporter both use', () => {
    const query = mapAt(extensions, 'jaeger_query', 'extensions');
    const traceStore = mapAt(query, 'storage', 'jaeger_query')['traces'];
    expect(Object.keys(backends)).toContain(traceStore);
    const memory = mapAt(
      mapAt(backends, String(traceStore), 'backends'),
      'memory',
      String(traceStore),
    );
    expect(memory['max_traces']).toEqual(expect.any(Number));
    expect(memory['max_traces']).toBeGreaterThan(0);
    const exporter = mapAt(
      mapAt(jaeger, 'exporters', 'jaeger'),
      'jaeger_storage_exporter',
      'exporters',
    );
    expect(exporter['trace_storage']).toBe(traceStore);
  });

  it('serves the UI on 16686 and health on 13133', () => {
    const query = mapAt(extensions, 'jaeger_query', 'extensions');
    expect(mapAt(query, 'http', 'jaeger_query')['endpoint']).toBe(
      '0.0.0.0:16686',
    );
    const health = mapAt(extensions, 'healthcheckv2', 'extensions');
    expect(mapAt(health, 'http', 'healthcheckv2')['endpoint']).toBe(
      '0.0.0.0:13133',
    );
  });

  it('reads the Monitor tab metrics from a declared Prometheus backend', () => {
    const query = mapAt(extensions, 'jaeger_query', 'extensions');
    const metricsStore = mapAt(query, 'storage', 'jaeger_query')['metrics'];
    const metricBackends = mapAt(storage, 'metric_backends', 'jaeger_storage');
    expect(
      mapAt(
        mapAt(metricBackends, String(metricsStore), 'metric_backends'),
        'prometheus',
        String(metricsStore),
      )['endpoint'],
    ).toBe('http://prometheus:9090');
  });
});
