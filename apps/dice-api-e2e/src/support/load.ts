/**
 * A bounded load generator: exactly `total` GET requests, at most `concurrency` in flight, to a
 * 127.0.0.1 URL only. Plain node:http with a keep-alive agent, so the test process spends little
 * CPU per request (the machine is shared with the app under test) and the count is exact.
 */
import { Agent, request } from 'node:http';

export interface LoadOptions {
  /** Full URL of the target; must be on 127.0.0.1 (the suite never sends traffic elsewhere). */
  url: string;
  total: number;
  concurrency?: number;
  /** Per-request deadline (default 10 s): a hung request fails the run instead of stalling it. */
  requestTimeoutMs?: number;
}

export interface LoadResult {
  /** Responses by HTTP status. */
  statuses: Map<number, number>;
  /** Requests that got no HTTP response at all (refused, reset, timed out), with the reason. */
  failures: string[];
  durationMs: number;
}

export interface RunningLoad {
  /** Requests finished so far (with or without a response). */
  readonly completed: number;
  readonly done: Promise<LoadResult>;
}

export function startLoad({
  url,
  total,
  concurrency = 16,
  requestTimeoutMs = 10_000,
}: LoadOptions): RunningLoad {
  assertLoopback(url);
  if (!Number.isInteger(total) || total < 0)
    throw new Error(`startLoad: total must be a whole number, got ${total}`);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const statuses = new Map<number, number>();
  const failures: string[] = [];
  let started = 0;
  let completed = 0;
  const startedAt = performance.now();

  const worker = async () => {
    while (started < total) {
      started += 1;
      try {
        const status = await getStatus(url, agent, requestTimeoutMs);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      } catch (error) {
        failures.push((error as Error).message);
      }
      completed += 1;
    }
  };

  const done = Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, worker),
  )
    .then(() => ({
      statuses,
      failures,
      durationMs: Math.round(performance.now() - startedAt),
    }))
    .finally(() => agent.destroy());

  return {
    get completed() {
      return completed;
    },
    done,
  };
}

/** startLoad and wait for it. */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  return startLoad(options).done;
}

/** Total responses with `status` (0 when none). */
export function countStatus(result: LoadResult, status: number): number {
  return result.statuses.get(status) ?? 0;
}

function getStatus(
  url: string,
  agent: Agent,
  timeoutMs: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, timeout: timeoutMs }, (res) => {
      res.resume(); // the body is irrelevant here; drain it so the socket is reused
      res.once('end', () => resolve(res.statusCode ?? 0));
      res.once('error', reject);
    });
    req.once('timeout', () =>
      req.destroy(new Error(`no response within ${timeoutMs} ms`)),
    );
    req.once('error', reject);
    req.end();
  });
}

function assertLoopback(url: string): void {
  const { hostname } = new URL(url);
  if (hostname !== '127.0.0.1')
    throw new Error(`load is only ever sent to 127.0.0.1, not ${hostname}`);
}
