import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { httpGet } from './http.js';
import { packageAsset } from './package-asset.js';
import { getFreePort } from './ports.js';
import { CapturedOutput, parseJsonObject, type OutputLine } from './process-output.js';
import { register, unregister, type Stoppable } from './process-registry.js';
import { waitUntil, type WaitOptions } from './wait.js';

export interface SpawnNodeOptions {
  /** Script to run with the current Node binary (process.execPath). */
  main: string;
  /** Arguments after the script. */
  args?: string[];
  /** Node flags before the script, e.g. ['--enable-source-maps']. */
  nodeArgs?: string[];
  /**
   * Extra environment. The child gets ONLY PATH and HOME from the test process plus
   * APP_HOST_NAME=127.0.0.1, APP_PORT=<port> and this object (which wins; undefined deletes),
   * so no OTEL_* or other ambient configuration leaks into the app under test.
   */
  env?: Record<string, string | undefined>;
  /** Port for APP_PORT; a free one is picked when omitted. */
  port?: number;
  cwd?: string;
  /** Preload a tiny watchdog that ends the child if the test process dies first (default true). */
  orphanWatchdog?: boolean;
}

export interface StartNodeAppOptions extends SpawnNodeOptions {
  /** Path polled until it answers HTTP 200 (default '/healthz'). */
  healthPath?: string;
  /** Deadline for the health check (default 15 000 ms). */
  startTimeoutMs?: number;
}

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

export interface NodeProcess {
  readonly pid: number;
  readonly port: number;
  /** 'http://127.0.0.1:PORT' */
  readonly baseUrl: string;
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

const DEFAULT_START_TIMEOUT_MS = 15_000;
const DEFAULT_STOP_TIMEOUT_MS = 10_000;

/**
 * Spawns `node main` with a clean environment and captures its output, without waiting for
 * it to become healthy: for processes expected to fail (e.g. an invalid APP_PORT) or that
 * are not HTTP servers. The child is registered for stopAllProcesses().
 */
export async function spawnNodeProcess(options: SpawnNodeOptions): Promise<NodeProcess> {
  const main = resolvePath(options.cwd ?? process.cwd(), options.main);
  if (!existsSync(main)) {
    throw new Error(`spawnNodeProcess: ${main} does not exist (was the app built?)`);
  }
  const port = options.port ?? (await getFreePort());
  const env = childEnv(port, options.env);
  const preload = options.orphanWatchdog === false ? [] : ['-r', packageAsset('runtime/orphan-watchdog.cjs')];

  const child = spawn(process.execPath, [...preload, ...(options.nodeArgs ?? []), main, ...(options.args ?? [])], {
    cwd: options.cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = new CapturedOutput();
  output.attach('stdout', child.stdout);
  output.attach('stderr', child.stderr);

  let exitInfo: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    // 'close' (not 'exit') fires after stdio ended, so all output is captured by then.
    child.once('close', (code, signal) => {
      exitInfo = { code, signal };
      unregister(handle);
      resolve(exitInfo);
    });
    child.once('error', (error) => {
      output.lines.push({ stream: 'stderr', text: `[test-support] spawn failed: ${error.message}` });
      if (child.pid === undefined) {
        exitInfo = { code: null, signal: null };
        unregister(handle);
        resolve(exitInfo);
      }
    });
  });

  let stopping: Promise<StopResult> | undefined;
  const handle: NodeProcess & Stoppable = {
    child,
    get pid() {
      return child.pid ?? -1;
    },
    port,
    baseUrl: `http://${env['APP_HOST_NAME'] || '127.0.0.1'}:${port}`,
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
 * Spawns an HTTP app (APP_HOST_NAME=127.0.0.1, APP_PORT=port) and resolves once `healthPath`
 * answers 200. Fails fast, with the captured output, if the app exits before that; on any
 * start failure the child is stopped before rejecting.
 */
export async function startNodeApp(options: StartNodeAppOptions): Promise<NodeProcess> {
  const app = await spawnNodeProcess(options);
  const healthUrl = `${app.baseUrl}${options.healthPath ?? '/healthz'}`;
  const timeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  try {
    await untilExit(
      (signal) =>
        waitUntil(
          async () => {
            const response = await httpGet(healthUrl, { timeoutMs: 1_000 });
            if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${response.body.slice(0, 200)}`);
            return true;
          },
          { timeoutMs, intervalMs: 100, signal, what: `${healthUrl} to answer 200` },
        ),
      app.exited,
    );
  } catch (error) {
    await app.stop('SIGKILL', 2_000);
    throw new Error(`startNodeApp(${options.main}) failed: ${(error as Error).message}\n--- output ---\n${app.outputTail()}`, {
      cause: error,
    });
  }
  return app;
}

/** Only PATH/HOME are inherited: the app must behave the same on any developer's machine. */
function childEnv(port: number, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    APP_HOST_NAME: '127.0.0.1',
    APP_PORT: String(port),
  };
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  return env;
}

/**
 * Runs `work` but gives up as soon as the process exits, so a crash surfaces at once (with its
 * output) instead of at the deadline; the abort signal stops work's polling in that case.
 */
async function untilExit<T>(work: (signal: AbortSignal) => Promise<T>, exited: Promise<ExitInfo>): Promise<T> {
  const controller = new AbortController();
  let settled = false;
  const exitedFirst = exited.then((info): never => {
    const error = new Error(`process exited early (code ${info.code}, signal ${info.signal})`);
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

async function withOutputOnError<T>(work: Promise<T>, output: CapturedOutput): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- output ---\n${output.tail()}`, { cause: error });
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
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
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
  return { ...info, durationMs: Math.round(performance.now() - startedAt), forcedKill };
}
