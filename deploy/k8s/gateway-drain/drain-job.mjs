#!/usr/bin/env node
// Builds the Job that drains the retained queue volume of a gateway that was scaled away.
//
//   kubectl -n otel-dice get statefulset otel-gateway -o json \
//     | node deploy/k8s/gateway-drain/drain-job.mjs --ordinal 5 \
//     | kubectl apply -f -
//   kubectl -n otel-dice wait --for=condition=complete --timeout=6h job/otel-gateway-drain-5
//   kubectl -n otel-dice delete pvc queue-otel-gateway-5
//
// Why: a scaled-down StatefulSet keeps the removed pod's claim (whenScaled: Retain), and with it the
// spans and log records still queued for Jaeger and Loki; nothing reads them until that ordinal
// comes back. The Job runs the gateway's own collector, exactly as the live StatefulSet runs it
// (image, arguments, configuration, environment, Secrets: copied from the object on stdin), on that
// claim, as a native sidecar; its exporters resume the queues and send them. It takes no traffic:
// its pods carry app.kubernetes.io/component=gateway-drain, which neither the agents' ring (the
// headless Service) nor the gateways' PodDisruptionBudget selects, and its NetworkPolicy admits
// only the scrape. The main container (watch-queues.mjs, in a pinned Node image) watches the
// collector's queue metrics and exits 0 once every queue has been empty for a while: the Job
// completes and the kubelet stops the collector. If the queues never empty, it fails after the
// timeout and the claim is kept.
//
// Options: --ordinal N (required), --timeout SECONDS (default 21600), --watcher-image IMAGE
// (default below: the pinned Node release the apps are built on; use your registry's copy).
// Output: the Job as JSON on stdout. Reads nothing but stdin and watch-queues.mjs next to it.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The root .env's NODE_IMAGE (the stack-e2e suite checks they are equal). */
export const WATCHER_IMAGE = 'node:24.21.0-bookworm-slim';
/** The exporters whose durable queues live on the gateway's volume (gateway-config.yaml). */
export const DRAIN_EXPORTERS = ['otlp_grpc/jaeger', 'otlp_http/loki'];
const QUEUE_VOLUME = 'queue';
const TELEMETRY_PORT = 8888;

function fail(message) {
  console.error(`drain-job: ${message}`);
  process.exit(2);
}

function options(argv) {
  const out = { timeout: 21600, watcherImage: WATCHER_IMAGE };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].split('=', 2);
    const value = inline ?? argv[++i];
    if (name === '--ordinal') out.ordinal = value;
    else if (name === '--timeout') out.timeout = value;
    else if (name === '--watcher-image') out.watcherImage = value;
    else
      fail(
        `unknown option ${argv[i]} (options: --ordinal N, --timeout SECONDS, --watcher-image IMAGE)`,
      );
  }
  if (out.ordinal === undefined || !/^\d+$/.test(out.ordinal))
    fail(
      '--ordinal N is required: the ordinal of the removed gateway pod (otel-gateway-N)',
    );
  if (!/^\d+$/.test(String(out.timeout)) || Number(out.timeout) < 60)
    fail(
      `--timeout must be a whole number of seconds, at least 60: ${out.timeout}`,
    );
  return {
    ordinal: Number(out.ordinal),
    timeout: Number(out.timeout),
    watcherImage: out.watcherImage,
  };
}

function readStdin() {
  try {
    return JSON.parse(readFileSync(0, 'utf8'));
  } catch (error) {
    fail(
      `stdin is not the StatefulSet as JSON (kubectl get statefulset otel-gateway -o json): ${error.message}`,
    );
  }
}

export function drainJob(
  statefulSet,
  { ordinal, timeout, watcherImage },
  watcherSource,
) {
  if (statefulSet?.kind !== 'StatefulSet')
    fail(`expected a StatefulSet on stdin, got ${statefulSet?.kind}`);
  const name = statefulSet.metadata.name;
  const replicas = statefulSet.spec.replicas ?? 1;
  if (ordinal < replicas)
    fail(
      `${name}-${ordinal} is one of the ${replicas} running gateways: its volume is in use. Scale down first (replicas <= ${ordinal}).`,
    );
  const template = structuredClone(statefulSet.spec.template);
  const claimTemplate = (statefulSet.spec.volumeClaimTemplates ?? []).find(
    (t) => t.metadata.name === QUEUE_VOLUME,
  );
  if (!claimTemplate)
    fail(`${name} has no volumeClaimTemplate named ${QUEUE_VOLUME}`);
  const claimName = `${QUEUE_VOLUME}-${name}-${ordinal}`;
  const [collector, ...others] = template.spec.containers;
  if (others.length > 0)
    fail(`${name} has more than one container; this tool copies exactly one`);

  const labels = {
    ...template.metadata.labels,
    'app.kubernetes.io/component': 'gateway-drain',
  };
  const jobName = `${name}-drain-${ordinal}`;
  const spec = template.spec;
  delete spec.affinity; // anti-affinity among live gateways: not this pod's concern
  spec.restartPolicy = 'Never';
  spec.volumes = [
    ...(spec.volumes ?? []).filter((v) => v.name !== QUEUE_VOLUME),
    { name: QUEUE_VOLUME, persistentVolumeClaim: { claimName } },
  ];
  // The collector as a native sidecar: started first, stopped by the kubelet once the watcher exits.
  spec.initContainers = [
    {
      ...collector,
      // It takes no traffic: only its own telemetry and health ports are declared (so Prometheus
      // scrapes it as job otel-collector, component gateway-drain, and not for span metrics).
      ports: (collector.ports ?? []).filter((p) =>
        ['metrics', 'health'].includes(p.name),
      ),
      restartPolicy: 'Always',
      startupProbe: {
        ...(collector.readinessProbe ?? {}),
        periodSeconds: 5,
        failureThreshold: 60,
      },
    },
  ];
  spec.containers = [
    {
      name: 'watch-queues',
      image: watcherImage,
      imagePullPolicy: 'IfNotPresent',
      command: ['node', '--input-type=module', '--eval', watcherSource],
      env: [
        {
          name: 'K8S_POD_IP',
          valueFrom: { fieldRef: { fieldPath: 'status.podIP' } },
        },
        {
          name: 'METRICS_URL',
          value: `http://$(K8S_POD_IP):${TELEMETRY_PORT}/metrics`,
        },
        { name: 'DRAIN_EXPORTERS', value: DRAIN_EXPORTERS.join(',') },
        { name: 'DRAIN_TIMEOUT_SECONDS', value: String(timeout) },
      ],
      resources: {
        requests: { cpu: '10m', memory: '48Mi' },
        limits: { cpu: '200m', memory: '96Mi' },
      },
      securityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        privileged: false,
        capabilities: { drop: ['ALL'] },
      },
    },
  ];
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName,
      namespace: statefulSet.metadata.namespace,
      labels: { ...labels, 'otel-dice.io/drains': claimName },
    },
    spec: {
      // A failed watcher (timeout) means a store problem, not a flaky pod: report, do not loop.
      backoffLimit: 0,
      activeDeadlineSeconds: timeout + 600,
      ttlSecondsAfterFinished: 7 * 24 * 3600,
      template: {
        metadata: { labels, annotations: template.metadata.annotations ?? {} },
        spec,
      },
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const opts = options(process.argv.slice(2));
  const source = readFileSync(
    join(dirname(fileURLToPath(import.meta.url)), 'watch-queues.mjs'),
    'utf8',
  );
  const job = drainJob(readStdin(), opts, source);
  process.stdout.write(`${JSON.stringify(job, null, 2)}\n`);
  const claim = job.spec.template.spec.volumes.find(
    (v) => v.name === QUEUE_VOLUME,
  ).persistentVolumeClaim.claimName;
  console.error(
    `drain-job: then: kubectl -n ${job.metadata.namespace} wait --for=condition=complete --timeout=${opts.timeout}s job/${job.metadata.name} && kubectl -n ${job.metadata.namespace} delete pvc ${claim}`,
  );
}
