/**
 * Starting a variant: its app process and, for collector-up variants, its own receiver process
 * (one per variant, so span counts never mix): the OTLP receiver, or for dd-trace the stand-in
 * Datadog agent.
 */
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { getFreePort, startNodeApp, type NodeProcess } from '@otel-dice/test-support';
import type { DatadogAgentCounts } from '../roles/datadog-agent.js';
import { datadogEndpointEnv, endpointEnv, type VariantSpec } from '../lib/variants.js';
import { readSpanCounters } from './metrics-client.js';

export interface ReceiverProcess {
  process: NodeProcess;
  endpoint: string;
  kind: 'otlp' | 'datadog-agent';
}

export interface RunningVariant {
  spec: VariantSpec;
  app: NodeProcess;
  receiver: ReceiverProcess | undefined;
  /** For 'down': the port nothing listens on. */
  deadEndpoint: string | undefined;
  /** dd-trace with its agent: where the app serves its count of finished spans. */
  spansPort?: number;
}

export interface LaunchContext {
  /** This bundle, re-run in the receiver role. */
  benchMain: string;
  /** The bare node:http server's bundle. */
  limitServerMain: string;
  /** The getting-started setup's bundle (the "peer" variant). */
  peerServerMain: string;
  /** dd-trace on the same app (the "dd" variant). */
  datadogPeerMain: string;
  /** The built dice-api. */
  diceApiMain: string;
  /** The --baseline bundle's snapshot, when one was given. */
  baselineMain?: string;
  /** Node flags for the app, e.g. --cpu-prof. */
  nodeArgs?: string[];
}

const START_TIMEOUT_MS = 30_000;

export async function startReceiver(context: LaunchContext): Promise<ReceiverProcess> {
  const otlpPort = await getFreePort();
  const process = await startNodeApp({
    main: context.benchMain,
    args: ['serve-receiver'],
    env: { OTLP_PORT: String(otlpPort) },
    startTimeoutMs: START_TIMEOUT_MS,
  });
  return { process, endpoint: `http://127.0.0.1:${otlpPort}`, kind: 'otlp' };
}

/** The stand-in Datadog agent (roles/datadog-agent.ts) as its own process. */
export async function startDatadogAgent(context: LaunchContext): Promise<ReceiverProcess & { dogstatsdPort: number }> {
  const agentPort = await getFreePort();
  // A free TCP port number; the UDP one of the same number is as good as always free too.
  const dogstatsdPort = await getFreePort();
  const process = await startNodeApp({
    main: context.benchMain,
    args: ['serve-datadog-agent'],
    env: { AGENT_PORT: String(agentPort), DOGSTATSD_PORT: String(dogstatsdPort) },
    startTimeoutMs: START_TIMEOUT_MS,
  });
  return { process, endpoint: `http://127.0.0.1:${agentPort}`, kind: 'datadog-agent', dogstatsdPort };
}

/** Everything the stand-in agent has counted (its /count). */
export async function readAgentCounts(receiver: ReceiverProcess): Promise<DatadogAgentCounts> {
  const response = await fetch(`${receiver.process.baseUrl}/count`, { signal: AbortSignal.timeout(5_000) });
  if (response.status !== 200) throw new Error(`datadog agent /count answered ${response.status}`);
  return (await response.json()) as DatadogAgentCounts;
}

/** The dd peer's count of finished spans: one JSON line from its TCP port (datadog-peer.ts). */
export function readEndedSpans(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let text = '';
    socket.setEncoding('utf8');
    socket.setTimeout(5_000, () => socket.destroy(new Error(`no span count from 127.0.0.1:${port} within 5 s`)));
    socket.on('data', (chunk: string) => (text += chunk));
    socket.once('error', reject);
    socket.once('end', () => {
      const ended = (JSON.parse(text) as { ended?: unknown }).ended;
      if (typeof ended === 'number') resolve(ended);
      else reject(new Error(`unexpected span count ${JSON.stringify(text)} from 127.0.0.1:${port}`));
    });
  });
}

export async function readReceived(receiver: ReceiverProcess): Promise<number> {
  const response = await fetch(`${receiver.process.baseUrl}/count`, { signal: AbortSignal.timeout(5_000) });
  if (response.status !== 200) throw new Error(`receiver /count answered ${response.status}`);
  const { spans } = (await response.json()) as { spans: number };
  return spans;
}

export async function startVariant(spec: VariantSpec, context: LaunchContext): Promise<RunningVariant> {
  if (spec.program === 'limit') {
    const app = await startNodeApp({
      main: context.limitServerMain,
      env: spec.env,
      startTimeoutMs: START_TIMEOUT_MS,
    });
    return { spec, app, receiver: undefined, deadEndpoint: undefined };
  }

  let receiver: ReceiverProcess | undefined;
  let deadEndpoint: string | undefined;
  let spansPort: number | undefined;
  let endpoint: Record<string, string> = {};
  if (spec.collector === 'up' && spec.program === 'datadog') {
    const agent = await startDatadogAgent(context);
    receiver = agent;
    spansPort = await getFreePort();
    endpoint = datadogEndpointEnv(agent.endpoint, agent.dogstatsdPort, spansPort);
  } else if (spec.collector === 'up') {
    receiver = await startReceiver(context);
    endpoint = endpointEnv(receiver.endpoint);
  } else if (spec.collector === 'down') {
    const port = await getFreePort();
    deadEndpoint = `http://127.0.0.1:${port}`;
    endpoint = endpointEnv(deadEndpoint);
  }
  const main =
    spec.program === 'baseline'
      ? context.baselineMain
      : spec.program === 'peer'
        ? context.peerServerMain
        : spec.program === 'datadog'
          ? context.datadogPeerMain
          : context.diceApiMain;
  if (main === undefined) throw new Error(`variant ${spec.id} needs --baseline`);
  const app = await startNodeApp({
    main,
    env: { ...spec.env, ...endpoint },
    nodeArgs: context.nodeArgs,
    startTimeoutMs: START_TIMEOUT_MS,
  });
  return { spec, app, receiver, deadEndpoint, spansPort };
}

export async function stopVariant(variant: RunningVariant): Promise<void> {
  await Promise.all([variant.app.stop('SIGTERM', 15_000), variant.receiver?.process.stop('SIGTERM', 5_000)]);
}

/** True when something accepts TCP connections on the port of `endpoint` (it should not, for 'down'). */
export function isListening(endpoint: string): Promise<boolean> {
  const port = Number(new URL(endpoint).port);
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface SpanSnapshot {
  started: number;
  sampled: number;
  exported: number;
  droppedQueueFull: number;
  exportFailed: number;
  /** undefined: no batch processor (nothing is exported). */
  queueSize: number | undefined;
  /** Spans the variant's receiver has counted; undefined without a receiver. */
  received: number | undefined;
  /**
   * Where the counts above come from. 'otel-sdk': the app's otel_sdk_* counters, all of them.
   * 'ended': dd-trace's finished spans only (`started` = `sampled` = spans finished, since
   * dd-trace ships every trace and leaves dropping to the agent; no queue or failure counts).
   * 'receiver': nothing from the app — the getting-started peer publishes no self-metrics, nor
   * does a variant without the Prometheus endpoint: only `received` is known (the rest are 0).
   */
  source: 'otel-sdk' | 'ended' | 'receiver';
}

/**
 * Whether a variant's app publishes the SDK's span self-metrics on /metrics: not the peer, and not
 * a variant whose metrics exporters leave out the Prometheus endpoint (e.g. OTEL_METRICS_EXPORTER=none,
 * measured to see what the metrics cost).
 */
export function hasSpanCounters(spec: VariantSpec): boolean {
  if (spec.program === 'peer' || spec.program === 'datadog') return false;
  const exporters = spec.env['OTEL_METRICS_EXPORTER'];
  return (
    exporters === undefined ||
    exporters.split(',').some((name) => name.trim() === 'prometheus')
  );
}

export async function spanSnapshot(variant: RunningVariant): Promise<SpanSnapshot> {
  const none = { started: 0, sampled: 0, exported: 0, droppedQueueFull: 0, exportFailed: 0, queueSize: undefined };
  if (variant.spansPort !== undefined) {
    // Finished before received is read: every span the agent counted was finished first.
    const ended = await readEndedSpans(variant.spansPort);
    const received = variant.receiver ? await readReceived(variant.receiver) : undefined;
    return { ...none, started: ended, sampled: ended, received, source: 'ended' };
  }
  if (!hasSpanCounters(variant.spec)) {
    const received = variant.receiver ? await readReceived(variant.receiver) : undefined;
    return { ...none, received, source: 'receiver' };
  }
  const counters = await readSpanCounters(variant.app.baseUrl);
  // Read after the counters: a batch counted as exported was acknowledged by the receiver first,
  // so received ≥ exported holds for this pair of reads.
  const received = variant.receiver ? await readReceived(variant.receiver) : undefined;
  return { ...counters, received, source: 'otel-sdk' };
}

/**
 * The peer's batch processor runs with the SDK's default 5 s delay: its last batch of a round is
 * out once the receiver's count has not moved for longer than that.
 */
export const PEER_QUIET_MS = 6_000;

/**
 * Waits until every sampled span the app started has left its pipeline (exported, dropped or failed) and
 * the receiver has counted every exported one: the batch processor's 1 s delay is over and no
 * export from this variant spills into the next variant's round.
 *
 * Never throws on timeout: spans that do not arrive are a result to report, not a crash. The
 * last snapshot is returned with `settled: false`.
 */
export async function waitForDelivery(
  variant: RunningVariant,
  timeoutMs = 20_000,
): Promise<{ snapshot: SpanSnapshot; settled: boolean; waitedMs: number }> {
  const startedAt = performance.now();
  const deadline = startedAt + timeoutMs;
  if (variant.spansPort === undefined && !hasSpanCounters(variant.spec)) {
    return waitForQuietReceiver(variant, startedAt, deadline);
  }
  for (;;) {
    const snapshot = await spanSnapshot(variant);
    const processed = snapshot.exported + snapshot.droppedQueueFull + snapshot.exportFailed;
    const settled =
      snapshot.source === 'ended'
        ? (snapshot.received ?? 0) >= snapshot.sampled
        : snapshot.queueSize === undefined ||
          (snapshot.queueSize === 0 && processed >= snapshot.sampled && (snapshot.received ?? 0) >= snapshot.exported);
    const waitedMs = performance.now() - startedAt;
    if (settled || performance.now() >= deadline) return { snapshot, settled, waitedMs };
    await sleep(100);
  }
}

/**
 * Without the app's counters, delivery is judged at the receiver: settled once its count has
 * stood still for PEER_QUIET_MS (longer than the peer's batch delay).
 */
async function waitForQuietReceiver(
  variant: RunningVariant,
  startedAt: number,
  deadline: number,
): Promise<{ snapshot: SpanSnapshot; settled: boolean; waitedMs: number }> {
  let snapshot = await spanSnapshot(variant);
  let changedAt = performance.now();
  for (;;) {
    await sleep(250);
    const next = await spanSnapshot(variant);
    if (next.received !== snapshot.received) changedAt = performance.now();
    snapshot = next;
    const settled = performance.now() - changedAt >= PEER_QUIET_MS;
    if (settled || performance.now() >= deadline)
      return { snapshot, settled, waitedMs: performance.now() - startedAt };
  }
}
