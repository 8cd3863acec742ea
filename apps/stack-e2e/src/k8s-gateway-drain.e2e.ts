import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DRAIN_SCRIPT,
  drainJobFor,
  runDrainScript,
  WATCHER_SCRIPT,
} from './support/k8s/drain.js';
import { containersOf, podTemplates, POLICIES } from './support/k8s/policy.js';
import {
  loadedCollectorConfig,
  serviceSelects,
} from './support/k8s/objects.js';
import { findObject, type K8sObject } from './support/k8s/render.js';
import { kubectlSuite } from './support/k8s/suite.js';
import { validateObjects } from './support/k8s/validate.js';
import { readDotEnv } from './support/compose.js';
import { paths } from './support/paths.js';
import { mergeConfigs } from './support/upstream-components.js';
import { isMap, type YamlMap } from './support/yaml-file.js';

/**
 * The drain path for a gateway that was scaled away (deploy/k8s/gateway-drain): the Job the script
 * builds from the live StatefulSet runs that gateway's collector, unchanged, on the retained claim
 * and takes no traffic; its watcher exits 0 only when every queue it drains has been empty for a
 * while, and 1 (keeping the claim) when they do not empty in time. The watcher is run here for real
 * against a scripted collector metrics endpoint on 127.0.0.1.
 */

const { describeWithKubectl, objectsOf } = kubectlSuite('gateway drain Job');

const pod = (job: K8sObject): YamlMap =>
  ((job['spec'] as YamlMap)['template'] as YamlMap)['spec'] as YamlMap;

describeWithKubectl('the gateway drain Job (production overlay)', () => {
  const ordinal = 7;
  const build = (): { objects: K8sObject[]; job: K8sObject } => {
    const objects = objectsOf('production');
    return { objects, job: drainJobFor(objects, ordinal) };
  };

  it('is a valid Job that passes the pod policies every pod of the stack passes', () => {
    const { job } = build();
    expect(validateObjects([job])).toEqual([
      expect.objectContaining({
        id: `Job/otel-gateway-drain-${ordinal}`,
        problems: [],
      }),
    ]);
    const template = podTemplates([job])[0];
    for (const [name, policy] of Object.entries(POLICIES))
      expect({ name, violations: policy(template) }).toEqual({
        name,
        violations: [],
      });
  });

  it("runs the gateway's own collector, unchanged, on the removed pod's claim, as a native sidecar", () => {
    const { objects, job } = build();
    const sts = findObject(objects, 'StatefulSet', 'otel-gateway');
    const stsPod = podTemplates([sts])[0].spec;
    const [collector] = (stsPod['containers'] as YamlMap[]).filter(isMap);
    const [sidecar] = (pod(job)['initContainers'] as YamlMap[]).filter(isMap);
    expect(sidecar['restartPolicy']).toBe('Always');
    for (const key of [
      'name',
      'image',
      'args',
      'env',
      'resources',
      'volumeMounts',
      'securityContext',
    ])
      expect({ key, value: sidecar[key] }).toEqual({
        key,
        value: collector[key],
      });
    const volumes = (pod(job)['volumes'] as YamlMap[]).filter(isMap);
    expect(volumes.find((v) => v['name'] === 'queue')).toEqual({
      name: 'queue',
      persistentVolumeClaim: { claimName: `queue-otel-gateway-${ordinal}` },
    });
    // Every other volume (config, Loki and TLS Secrets) exactly as the StatefulSet mounts them.
    expect(volumes.filter((v) => v['name'] !== 'queue')).toEqual(
      stsPod['volumes'],
    );
    expect(pod(job)['restartPolicy']).toBe('Never');
    expect(pod(job)['priorityClassName']).toBe(stsPod['priorityClassName']);
  });

  it("takes no traffic: neither the agents' ring (headless Service) nor the gateway PDB selects it", () => {
    const { objects, job } = build();
    const service = findObject(objects, 'Service', 'otel-gateway-headless');
    expect(serviceSelects(service, job)).toBe(false);
    const pdbSelector = (
      (
        findObject(objects, 'PodDisruptionBudget', 'otel-gateway')[
          'spec'
        ] as YamlMap
      )['selector'] as YamlMap
    )['matchLabels'] as YamlMap;
    const labels = (
      ((job['spec'] as YamlMap)['template'] as YamlMap)['metadata'] as YamlMap
    )['labels'] as YamlMap;
    expect(Object.entries(pdbSelector).every(([k, v]) => labels[k] === v)).toBe(
      false,
    );
    expect(labels['app.kubernetes.io/component']).toBe('gateway-drain');
  });

  it("watches exactly the gateway's durable queues, on the collector's telemetry port", () => {
    const { objects, job } = build();
    const config = loadedCollectorConfig(
      objects,
      'StatefulSet',
      'otel-gateway',
      mergeConfigs,
    );
    const durable = Object.entries(config['exporters'] as YamlMap)
      .filter(
        ([, e]) =>
          isMap(e) &&
          isMap(e['sending_queue']) &&
          typeof e['sending_queue']['storage'] === 'string',
      )
      .map(([id]) => id)
      .sort();
    const watcher = containersOf(podTemplates([job])[0]).find(
      (c) => c.name === 'watch-queues',
    )?.raw as YamlMap;
    const env = new Map(
      (watcher['env'] as YamlMap[]).map((e) => [e['name'], e['value']]),
    );
    expect(String(env.get('DRAIN_EXPORTERS')).split(',').sort()).toEqual(
      durable,
    );
    const reader = (
      (
        (
          ((config['service'] as YamlMap)['telemetry'] as YamlMap)[
            'metrics'
          ] as YamlMap
        )['readers'] as YamlMap[]
      )[0]['pull'] as YamlMap
    )['exporter'] as YamlMap;
    const prometheus = reader['prometheus'] as YamlMap;
    expect(prometheus['host']).toBe('${env:K8S_POD_IP}');
    expect(env.get('METRICS_URL')).toBe(
      `http://$(K8S_POD_IP):${String(prometheus['port'])}/metrics`,
    );
    // The watcher that runs is watch-queues.mjs, byte for byte; in the Node image .env pins.
    expect((watcher['command'] as string[]).slice(0, 3)).toEqual([
      'node',
      '--input-type=module',
      '--eval',
    ]);
    expect((watcher['command'] as string[])[3]).toBe(
      readFileSync(WATCHER_SCRIPT, 'utf8'),
    );
    expect(watcher['image']).toBe(readDotEnv(paths.dotEnv)['NODE_IMAGE']);
  });

  it('refuses a running ordinal, a missing one and a wrong input', () => {
    const sts = JSON.stringify(
      findObject(objectsOf('production'), 'StatefulSet', 'otel-gateway'),
    );
    const running = runDrainScript(sts, ['--ordinal', '2']);
    expect(running.status).toBe(2);
    expect(running.stderr).toContain('is one of the 6 running gateways');
    expect(runDrainScript(sts, []).stderr).toContain('--ordinal N is required');
    expect(
      runDrainScript('{"kind":"Deployment"}', ['--ordinal', '9']).stderr,
    ).toContain('expected a StatefulSet');
    expect(runDrainScript('not json', ['--ordinal', '9']).stderr).toContain(
      'stdin is not the StatefulSet as JSON',
    );
  });
});

// --- the watcher, run for real --------------------------------------------------------------------

/** A collector metrics endpoint that serves one exposition per request from a script. */
async function scriptedMetrics(
  pages: readonly (string | 503)[],
): Promise<{ server: Server; url: string; requests: () => number }> {
  let served = 0;
  const server = createServer((_req, res) => {
    const page = pages[Math.min(served, pages.length - 1)];
    served++;
    if (page === 503) {
      res.writeHead(503).end();
      return;
    }
    res
      .writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
      .end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}/metrics`,
    requests: () => served,
  };
}

const exposition = (
  jaeger: number | undefined,
  loki: number | undefined,
): string =>
  [
    '# TYPE otelcol_exporter_queue_size gauge',
    jaeger === undefined
      ? ''
      : `otelcol_exporter_queue_size{data_type="traces",exporter="otlp_grpc/jaeger"} ${jaeger}`,
    loki === undefined
      ? ''
      : `otelcol_exporter_queue_size{data_type="logs",exporter="otlp_http/loki"} ${loki}`,
    '# TYPE otelcol_exporter_sent_spans counter',
    'otelcol_exporter_sent_spans_total{exporter="otlp_grpc/jaeger"} 120000',
    'otelcol_exporter_sent_log_records{exporter="otlp_http/loki"} 5000',
    '',
  ].join('\n');

function runWatcher(
  url: string,
  extra: Record<string, string> = {},
): Promise<{
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}> {
  const started = Date.now();
  const child = spawn(process.execPath, [WATCHER_SCRIPT], {
    env: {
      PATH: process.env['PATH'],
      METRICS_URL: url,
      DRAIN_EXPORTERS: 'otlp_grpc/jaeger,otlp_http/loki',
      DRAIN_POLL_SECONDS: '0.05',
      DRAIN_SETTLE_SECONDS: '0.3',
      DRAIN_TIMEOUT_SECONDS: '20',
      ...extra,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) =>
    child.on('exit', (code) =>
      resolve({ code, stdout, stderr, ms: Date.now() - started }),
    ),
  );
}

describe('the drain watcher (watch-queues.mjs)', () => {
  const servers: Server[] = [];
  afterAll(() =>
    Promise.all(servers.map((s) => new Promise((r) => s.close(r)))),
  );

  it('waits through an unreachable collector and full queues, exits 0 once both stay empty', async () => {
    const pages: (string | 503)[] = [
      503,
      exposition(undefined, undefined), // exporters not started yet
      exposition(12000, 300),
      exposition(4000, 0),
      exposition(0, 0),
      exposition(1, 0), // one more batch came back from a retry: not done yet
      exposition(0, 0),
    ];
    const metrics = await scriptedMetrics(pages);
    servers.push(metrics.server);
    const run = await runWatcher(metrics.url);
    expect({ code: run.code, stderr: run.stderr }).toEqual({
      code: 0,
      stderr: '',
    });
    // It read past the last non-empty page, then kept reading empty ones for the settle time.
    expect(metrics.requests()).toBeGreaterThan(pages.length);
    expect(run.stdout).toContain(
      'otlp_grpc/jaeger: 12000 queued, otlp_http/loki: 300 queued',
    );
    expect(run.stdout).toContain('drain: done, every queue empty');
    expect(run.stdout).toContain('otlp_grpc/jaeger sent 120000 spans');
    expect(run.stdout).toContain('otlp_http/loki sent 5000 log records');
  });

  it('exits 1 and names what is still queued when the queues do not empty in time', async () => {
    const metrics = await scriptedMetrics([exposition(500, 0)]);
    servers.push(metrics.server);
    const run = await runWatcher(metrics.url, { DRAIN_TIMEOUT_SECONDS: '0.5' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('still queued: otlp_grpc/jaeger: 500 queued');
  });

  it('never takes a missing queue metric for an empty queue', async () => {
    const metrics = await scriptedMetrics([exposition(0, undefined)]);
    servers.push(metrics.server);
    const run = await runWatcher(metrics.url, { DRAIN_TIMEOUT_SECONDS: '0.5' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('otlp_http/loki: no queue metric yet');
  });

  it('refuses to start without its settings', async () => {
    const run = await runWatcher('http://127.0.0.1:9/metrics', {
      DRAIN_EXPORTERS: '',
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('DRAIN_EXPORTERS is not set');
  });

  it('the Job builder reads the watcher from the file next to it', () => {
    expect(readFileSync(DRAIN_SCRIPT, 'utf8')).toContain("'watch-queues.mjs'");
  });
});
