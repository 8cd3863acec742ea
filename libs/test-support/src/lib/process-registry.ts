import type { ChildProcess } from 'node:child_process';

/** Something the registry can stop gracefully (stopAllProcesses) or kill synchronously (exit hook). */
export interface Stoppable {
  readonly child: ChildProcess;
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<unknown>;
}

const live = new Set<Stoppable>();

/**
 * Kills whatever is still registered when the process exits normally (plain node scripts such
 * as the benchmark). Installed only while children are alive, so listeners do not pile up.
 * Inside jest the sandbox's `process` is a copy that never emits 'exit'; there the orphan
 * watchdog (node children) and PDEATHSIG (other children) end leftovers instead.
 */
function killAllNow(): void {
  for (const entry of live) {
    if (entry.child.exitCode === null && entry.child.signalCode === null)
      entry.child.kill('SIGKILL');
  }
}

export function register(entry: Stoppable): void {
  if (live.size === 0) process.on('exit', killAllNow);
  live.add(entry);
}

export function unregister(entry: Stoppable): void {
  if (!live.delete(entry)) return;
  if (live.size === 0) process.off('exit', killAllNow);
}

export function liveProcessCount(): number {
  return live.size;
}

/**
 * Stops every child started through this library that is still running (SIGTERM, then SIGKILL
 * after `timeoutMs`). Meant for afterAll/afterEach so a failed test never leaks a process.
 */
export async function stopAllProcesses(timeoutMs = 5_000): Promise<void> {
  await Promise.all([...live].map((entry) => entry.stop('SIGTERM', timeoutMs)));
}
