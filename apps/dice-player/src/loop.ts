/**
 * The pacing loop: start a round every 1/rate seconds, one round at a time, until stopped or
 * until the configured duration has passed.
 *
 * Rounds never overlap, so "finish the in-flight round" on shutdown is simply awaiting the loop.
 * Slots are kept on a fixed grid (start + n·interval) so the rate does not drift by the round
 * time; when a round overruns its slot the next one starts right away, and missed slots are
 * dropped rather than played in a burst.
 */
import { setTimeout as delay } from 'node:timers/promises';

export type StopReason = 'signal' | 'duration';

export interface LoopOptions {
  readonly ratePerSecond: number;
  /** 0 = no time limit. */
  readonly durationMs: number;
  /** Aborting stops the loop after the round in flight (or at once while waiting). */
  readonly signal: AbortSignal;
  readonly playRound: (round: number) => Promise<void>;
  /** Monotonic milliseconds; injected by tests. */
  readonly now?: () => number;
  /** Waits `ms` or until `signal` aborts, whichever is first; never rejects. Injected by tests. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface LoopResult {
  readonly rounds: number;
  readonly stoppedBy: StopReason;
}

export async function runLoop(options: LoopOptions): Promise<LoopResult> {
  const { signal, playRound } = options;
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? abortableSleep;
  const intervalMs = 1000 / options.ratePerSecond;
  const startedAt = now();
  const endsAt =
    options.durationMs > 0 ? startedAt + options.durationMs : Infinity;

  let nextAt = startedAt;
  let rounds = 0;
  while (!signal.aborted) {
    const t = now();
    if (t >= endsAt) return { rounds, stoppedBy: 'duration' };
    if (nextAt > t) {
      await sleep(Math.min(nextAt, endsAt) - t, signal);
      continue; // re-check the signal and the clock
    }
    rounds += 1;
    await playRound(rounds);
    nextAt = Math.max(nextAt + intervalMs, now());
  }
  return { rounds, stoppedBy: 'signal' };
}

export async function abortableSleep(
  ms: number,
  signal: AbortSignal,
): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}
