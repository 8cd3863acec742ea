/**
 * Starting a variant: its app process and, for collector-up variants, its own OTLP receiver
 * process (one per variant, so span counts never mix).
 */
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  getFreePort,
  startNodeApp,
  type NodeProcess,
} from '@otel-dice/test-support';
import { endpointEnv, type VariantSpec } from '../lib/variants.js';
import { readSpanCounters } from './metrics-client.js';

export interface ReceiverProcess {
  process: NodeProcess;
  endpoint: string;
}

export interface RunningVariant {
  spec: VariantSpec;
  app: NodeProcess;
  receiver: ReceiverProcess | undefined;
  /** For 'down': the port nothing listens on. */
  deadEndpoint: string | undefined;
}

export interface LaunchContext {
  /** This bundle, re-run in the receiver role. */
  benchMain: string;
  /** The bare node:http server's bundle. */
  limitServerMain: string;
  /** The getting-started setup's bundle (the "peer" variant). */
  peerServerMain: string;
  /** The built dice-api. */
  diceApiMain: string;
  /** The --baseline bundle's snapshot, when one was given. */
  baselineMain?: string;
  /** Node flags for the app, e.g. --cpu-prof. */
  nodeArgs?: string[];
}

const START_TIMEOUT_MS = 30_000;

export async function startReceiver(
  context: LaunchContext,
): Promise<ReceiverProcess> {
  const otlpPort = await getFreePort();
  const process = await startNodeApp({
    main: context.benchMain,
    args: ['serve-receiver'],
    env: { OTLP_PORT: String(otlpPort) },
    startTimeoutMs: START_TIMEOUT_MS,
  });
  return { process, endpoint: `http://127.0.0.1:${otlpPort}` };
}

export async function readReceived(receiver: ReceiverProcess): Promise<number> {
  const response = await fetch(`${receiver.process.baseUrl}/count`, {
    signal: AbortSignal.timeout(5_000),
  });
  if (response.status !== 200)
    throw new Error(`receiver /count answered ${response.status}`);
  const { spans } = (await response.json()) as { spans: number };
  return spans;
}

export async function startVariant(
  spec: VariantSpec,
  context: LaunchContext,
): Promise<RunningVariant> {
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
  let endpoint: Record<string, string> = {};
  if (spec.collector === 'up') {
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
        : context.diceApiMain;
  if (main === undefined)
    throw new Error(`variant ${spec.id} needs --baseline`);
  const app = await startNodeApp({
    main,
    env: { ...spec.env, ...endpoint },
    nodeArgs: context.nodeArgs,
    startTimeoutMs: START_TIMEOUT_MS,
  });
  return { spec, app, receiver, deadEndpoint };
}

export async function stopVariant(variant: RunningVariant): Promise<void> {
  await Promise.all([
    variant.app.stop('SIGTERM', 15_000),
    variant.receiver?.process.stop('SIGTERM', 5_000),
  ]);
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
   * False for the "peer" (the getting-started setup publishes no otel.sdk.* self-metrics) and for
   * variants without the Prometheus endpoint: only `received` is known (the counters above are 0).
   */
  appCounters: boolean;
}

/**
 * Whether a variant's app publishes the SDK's span self-metrics on /metrics: not the peer, and not
 * a variant whose metrics exporters leave out the Prometheus endpoint (e.g. OTEL_METRICS_EXPORTER=none,
 * measured to see what the metrics cost).
 */
export function hasSpanCounters(spec: VariantSpec): boolean {
  if (spec.program === 'peer') return false;
  const exporters = spec.env['OTEL_METRICS_EXPORTER'];
  return (
    exporters === undefined ||
    exporters.split(',').some((name) => name.trim() === 'prometheus')
  );
}

export async function spanSnapshot(
  variant: RunningVariant,
): Promise<SpanSnapshot> {
  if (!hasSpanCounters(variant.spec)) {
    const received = variant.receiver
      ? await readReceived(variant.receiver)
      : undefined;
    return {
      started: 0,
      sampled: 0,
      exported: 0,
      droppedQueueFull: 0,
      exportFailed: 0,
      queueSize: undefined,
      received,
      appCounters: false,
    };
  }
  const counters = await readSpanCounters(variant.app.baseUrl);
  // Read after the counters: a batch counted as exported was acknowledged by the receiver first,
  // so received ≥ exported holds for this pair of reads.
  const received = variant.receiver
    ? await readReceived(variant.receiver)
    : undefined;
  return { ...counters, received, appCounters: true };
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
  if (!hasSpanCounters(variant.spec))
    return waitForQuietReceiver(variant, startedAt, deadline);
  for (;;) {
    const snapshot = await spanSnapshot(variant);
    const processed =
      snapshot.exported + snapshot.droppedQueueFull + snapshot.exportFailed;
    const settled =
      snapshot.queueSize === undefined ||
      (snapshot.queueSize === 0 &&
        processed >= snapshot.sampled &&
        (snapshot.received ?? 0) >= snapshot.exported);
    const waitedMs = performance.now() - startedAt;
    if (settled || performance.now() >= deadline)
      return { snapshot, settled, waitedMs };
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
