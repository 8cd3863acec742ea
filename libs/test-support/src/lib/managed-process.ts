import { spawn } from 'node:child_process';
import {
  CapturedOutput,
  parseJsonObject,
  type OutputLine,
} from './process-output.js';
import { register, unregister, type Stoppable } from './process-registry.js';
import { waitUntil, type WaitOptions } from './wait.js';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StopResult extends ExitInfo {
  /** Time from sending the signal to the process having exited (0 if it had already exited). */
  durationMs: number;
  /** True when the process ignored `signal` for `timeoutMs` and had to be SIGKILLed. */
  forcedKill: boolean;
}

/** A child process started by this library: output captured, exit observed, stoppable. */
export interface ManagedProcess {
  readonly pid: number;
  readonly stdoutLines: readonly string[];
  readonly stderrLines: readonly string[];
  /** Both streams, in arrival order. */
  readonly lines: readonly OutputLine[];
  /** Output lines that are JSON objects (structured logs), from both streams, in order. */
  jsonLines(): Record<string, unknown>[];
  /** Resolves with the first JSON log line matching `predicate` (fails early if the process exits). */
  waitForJsonLine(
    predicate: (line: Record<string, unknown>) => boolean,
    options?: WaitOptions,
  ): Promise<Record<string, unknown>>;
  /** The last output lines, for assertion messages. */
  outputTail(max?: number): string;
  /** Resolves when the process has exited and its output is fully read. Never rejects. */
  readonly exited: Promise<ExitInfo>;
  /** Set once the process has exited. */
  readonly exitInfo: ExitInfo | undefined;
  /** Sends `signal` (default SIGTERM), SIGKILLs after `timeoutMs` (default 10 000). Idempotent. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<StopResult>;
}

const DEFAULT_STOP_TIMEOUT_MS = 10_000;

export interface SpawnManagedOptions {
  command: string;
  args: string[];
  /** The COMPLETE environment of the child (nothing is inherited implicitly). */
  env: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * Spawns `command`, captures stdout/stderr line by line and registers the child for
 * stopAllProcesses() and the exit hook. The building block of the node and Prometheus helpers.
 */
export function spawnManaged(options: SpawnManagedOptions): ManagedProcess {
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = new CapturedOutput();
  output.attach('stdout', child.stdout);
  output.attach('stderr', child.stderr);

  let exitInfo: ExitInfo | undefined;
  const settle = (info: ExitInfo, resolve: (info: ExitInfo) => void) => {
    exitInfo ??= info;
    unregister(handle);
    resolve(exitInfo);
  };
  const exited = new Promise<ExitInfo>((resolve) => {
    // 'close' (not 'exit') fires after stdio ended, so all output is captured by then.
    child.once('close', (code, signal) => settle({ code, signal }, resolve));
    child.once('error', (error) => {
      output.lines.push({
        stream: 'stderr',
        text: `[test-support] ${options.command}: ${error.message}`,
      });
      if (child.pid === undefined)
        settle({ code: null, signal: null }, resolve);
    });
  });

  let stopping: Promise<StopResult> | undefined;
  const handle: ManagedProcess & Stoppable = {
    child,
    get pid() {
      return child.pid ?? -1;
    },
    stdoutLines: output.stdoutLines,
    stderrLines: output.stderrLines,
    lines: output.lines,
    jsonLines: () => output.jsonLines(),
    waitForJsonLine: (predicate, waitOptions = {}) =>
      withOutputOnError(
        untilExit(
          (signal) =>
            waitUntil(() => findJsonLine(output.lines, predicate), {
              ...waitOptions,
              signal,
              what: waitOptions.what ?? 'a matching JSON log line',
            }),
          exited,
        ),
        output,
      ),
    outputTail: (max) => output.tail(max),
    exited,
    get exitInfo() {
      return exitInfo;
    },
    stop(signal = 'SIGTERM', timeoutMs = DEFAULT_STOP_TIMEOUT_MS) {
      stopping ??= stopChild(child, exited, signal, timeoutMs);
      return stopping;
    },
  };
  register(handle);
  return handle;
}

/**
 * Runs `work` but gives up as soon as the process exits, so a crash surfaces at once (with its
 * output) instead of at the deadline; the abort signal stops work's polling in that case.
 */
export async function untilExit<T>(
  work: (signal: AbortSignal) => Promise<T>,
  exited: Promise<ExitInfo>,
): Promise<T> {
  const controller = new AbortController();
  let settled = false;
  const exitedFirst = exited.then((info): never => {
    const error = new Error(
      `process exited early (code ${info.code}, signal ${info.signal})`,
    );
    if (!settled) controller.abort(error);
    throw error;
  });
  exitedFirst.catch(() => undefined); // only meaningful while racing below
  try {
    return await Promise.race([work(controller.signal), exitedFirst]);
  } finally {
    settled = true;
  }
}

async function withOutputOnError<T>(
  work: Promise<T>,
  output: CapturedOutput,
): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw new Error(
      `${(error as Error).message}\n--- output ---\n${output.tail()}`,
      { cause: error },
    );
  }
}

function findJsonLine(
  lines: readonly OutputLine[],
  predicate: (line: Record<string, unknown>) => boolean,
): Record<string, unknown> | undefined {
  for (const { text } of lines) {
    const json = parseJsonObject(text);
    if (json && predicate(json)) return json;
  }
  return undefined;
}

async function stopChild(
  child: Stoppable['child'],
  exited: Promise<ExitInfo>,
  signal: NodeJS.Signals,
  timeoutMs: number,
): Promise<StopResult> {
  if (
    child.exitCode !== null ||
    child.signalCode !== null ||
    child.pid === undefined
  ) {
    return { ...(await exited), durationMs: 0, forcedKill: false };
  }
  const startedAt = performance.now();
  child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const first = await Promise.race([exited, graceOver]);
  clearTimeout(timer);
  let forcedKill = false;
  if (first === 'timeout') {
    forcedKill = true;
    child.kill('SIGKILL');
  }
  const info = await exited;
  return {
    ...info,
    durationMs: Math.round(performance.now() - startedAt),
    forcedKill,
  };
}
