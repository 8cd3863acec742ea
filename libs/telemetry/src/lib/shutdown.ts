export interface ShutdownResult {
  /** False when the deadline passed before every step settled. */
  completed: boolean;
  /** Errors thrown or rejected by the steps (a failing flush must not stop the others). */
  errors: Error[];
}

/**
 * Makes an idempotent, time-bounded shutdown out of independent steps. Every call returns the
 * same promise; the steps run concurrently and the promise settles when all have, or when
 * `timeoutMs` passes, whichever is first. It never rejects, so a process can always exit.
 */
export function createShutdown(
  steps: ReadonlyArray<() => Promise<unknown>>,
  timeoutMs: number,
): () => Promise<ShutdownResult> {
  let running: Promise<ShutdownResult> | undefined;
  return () => {
    running ??= run(steps, timeoutMs);
    return running;
  };
}

async function run(
  steps: ReadonlyArray<() => Promise<unknown>>,
  timeoutMs: number,
): Promise<ShutdownResult> {
  const errors: Error[] = [];
  const all = Promise.all(
    steps.map(async (step) => {
      try {
        await step();
      } catch (error) {
        errors.push(error instanceof Error ? error : new Error(String(error)));
      }
    }),
  ).then(() => true);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
    timer.unref();
  });
  const completed = await Promise.race([all, deadline]);
  clearTimeout(timer);
  return { completed, errors };
}
