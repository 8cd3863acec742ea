import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  /** Overall deadline (default 10 000 ms). */
  timeoutMs?: number;
  /** Pause between attempts (default 50 ms). */
  intervalMs?: number;
  /** Human-readable description of the awaited condition, used in the timeout error. */
  what?: string;
  /** Stops polling early; the returned promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_INTERVAL_MS = 50;

/**
 * Polls `fn` until it returns (or resolves to) a truthy value and returns that value.
 * A throwing/rejecting attempt counts as "not yet". When the deadline passes, the returned
 * promise rejects with an Error naming `what` and the last error or value seen, so a failing
 * test says what it was waiting for instead of just "timeout".
 *
 * Each attempt is itself bounded by the remaining time, so a hanging attempt (e.g. a fetch
 * to a wedged server) cannot stretch the deadline.
 */
export async function waitUntil<T>(
  fn: () => T | Promise<T>,
  options: WaitOptions = {},
): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  const what = options.what ?? 'condition';
  const deadline = Date.now() + timeoutMs;
  let last:
    | { kind: 'none' }
    | { kind: 'value'; value: unknown }
    | { kind: 'error'; error: unknown } = {
    kind: 'none',
  };

  const { signal } = options;

  for (;;) {
    signal?.throwIfAborted();
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    try {
      const value = await withDeadline(
        Promise.resolve().then(fn),
        remaining,
        signal,
      );
      if (value) return value as NonNullable<T>;
      last = { kind: 'value', value };
    } catch (error) {
      signal?.throwIfAborted();
      // An attempt the deadline cut short tells less than the answer before it (an app that
      // kept answering 404 should be reported as such, not as "still pending" on a busy machine).
      if (!(error instanceof AttemptPendingError) || last.kind === 'none')
        last = { kind: 'error', error };
    }
    const pause = Math.min(intervalMs, deadline - Date.now());
    if (pause > 0)
      await sleep(pause, undefined, { signal }).catch(() =>
        signal?.throwIfAborted(),
      );
  }

  throw new Error(
    `Timed out after ${timeoutMs} ms waiting for ${what}; ${describeLast(last)}`,
    {
      cause: last.kind === 'error' ? last.error : undefined,
    },
  );
}

const ATTEMPT_TIMED_OUT = Symbol('attempt timed out');

/** An attempt still running when its share of the deadline ran out. */
class AttemptPendingError extends Error {}

/** Resolves like `promise`, or rejects once `ms` elapse or `signal` aborts; never leaves a timer behind. */
async function withDeadline<T>(
  promise: Promise<T>,
  ms: number,
  signal?: AbortSignal,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const expired = new Promise<typeof ATTEMPT_TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(ATTEMPT_TIMED_OUT), ms);
    onAbort = () => resolve(ATTEMPT_TIMED_OUT);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const result = await Promise.race([promise, expired]);
    if (result === ATTEMPT_TIMED_OUT) {
      signal?.throwIfAborted();
      throw new AttemptPendingError(`attempt still pending after ${ms} ms`);
    }
    return result;
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

function describeLast(
  last:
    | { kind: 'none' }
    | { kind: 'value'; value: unknown }
    | { kind: 'error'; error: unknown },
): string {
  switch (last.kind) {
    case 'none':
      return 'no attempt completed';
    case 'error':
      return `last error: ${last.error instanceof Error ? last.error.message : String(last.error)}`;
    case 'value':
      return `last value: ${safeStringify(last.value)}`;
  }
}

function safeStringify(value: unknown): string {
  try {
    const text = JSON.stringify(value, (_key, v: unknown) =>
      typeof v === 'bigint' ? `${v}n` : v,
    );
    return text === undefined ? String(value) : truncate(text, 500);
  } catch {
    return String(value);
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max
    ? text
    : `${text.slice(0, max)}… (${text.length} chars)`;
}
