import { spawnSync } from 'node:child_process';
import { repoPath } from '../paths.js';
import { findObject, isK8sObject, type K8sObject } from './render.js';

/**
 * Runs deploy/k8s/gateway-drain/drain-job.mjs the way its usage line does — the StatefulSet as
 * JSON on stdin, the Job as JSON on stdout — here on the StatefulSet a rendered overlay holds.
 */
export const DRAIN_SCRIPT = repoPath('deploy/k8s/gateway-drain/drain-job.mjs');
export const WATCHER_SCRIPT = repoPath(
  'deploy/k8s/gateway-drain/watch-queues.mjs',
);

export interface DrainRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runDrainScript(
  stdin: string,
  args: readonly string[],
): DrainRun {
  const result = spawnSync(process.execPath, [DRAIN_SCRIPT, ...args], {
    input: stdin,
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (result.error) throw result.error;
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
  };
}

/** The drain Job for `ordinal`, from the overlay's gateway StatefulSet (namespace as rendered). */
export function drainJobFor(
  objects: readonly K8sObject[],
  ordinal: number,
): K8sObject {
  const statefulSet = findObject(objects, 'StatefulSet', 'otel-gateway');
  const run = runDrainScript(JSON.stringify(statefulSet), [
    '--ordinal',
    String(ordinal),
  ]);
  if (run.status !== 0)
    throw new Error(`drain-job.mjs exited ${run.status}: ${run.stderr}`);
  const job: unknown = JSON.parse(run.stdout);
  if (!isK8sObject(job)) throw new Error('drain-job.mjs printed no object');
  return job;
}
