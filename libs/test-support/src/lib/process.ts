import { existsSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { httpGet } from './http.js';
import {
  spawnManaged,
  untilExit,
  type ManagedProcess,
} from './managed-process.js';
import { packageAsset } from './package-asset.js';
import { getFreePort } from './ports.js';
import { waitUntil } from './wait.js';

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

/** A node app started by spawnNodeProcess/startNodeApp. */
export interface NodeProcess extends ManagedProcess {
  /** The APP_PORT it was given. */
  readonly port: number;
  /** 'http://127.0.0.1:PORT' */
  readonly baseUrl: string;
}

const DEFAULT_START_TIMEOUT_MS = 15_000;

/**
 * Spawns `node main` with a clean environment and captures its output, without waiting for
 * it to become healthy: for processes expected to fail (e.g. an invalid APP_PORT) or that
 * are not HTTP servers. The child is registered for stopAllProcesses().
 */
export async function spawnNodeProcess(
  options: SpawnNodeOptions,
): Promise<NodeProcess> {
  const main = resolvePath(options.cwd ?? process.cwd(), options.main);
  if (!existsSync(main)) {
    throw new Error(
      `spawnNodeProcess: ${main} does not exist (was the app built?)`,
    );
  }
  const port = options.port ?? (await getFreePort());
  const env = childEnv(port, options.env);
  const preload =
    options.orphanWatchdog === false
      ? []
      : ['-r', packageAsset('runtime/orphan-watchdog.cjs')];
  const managed = spawnManaged({
    command: process.execPath,
    args: [
      ...preload,
      ...(options.nodeArgs ?? []),
      main,
      ...(options.args ?? []),
    ],
    env,
    cwd: options.cwd,
  });
  // Keep the live getters (pid, exitInfo) of the managed process.
  return Object.defineProperties(
    managed as ManagedProcess & { port: number; baseUrl: string },
    {
      port: { value: port, enumerable: true },
      baseUrl: {
        value: `http://${env['APP_HOST_NAME'] || '127.0.0.1'}:${port}`,
        enumerable: true,
      },
    },
  );
}

/**
 * Spawns an HTTP app (APP_HOST_NAME=127.0.0.1, APP_PORT=port) and resolves once `healthPath`
 * answers 200. Fails fast, with the captured output, if the app exits before that; on any
 * start failure the child is stopped before rejecting.
 */
export async function startNodeApp(
  options: StartNodeAppOptions,
): Promise<NodeProcess> {
  const app = await spawnNodeProcess(options);
  const healthUrl = `${app.baseUrl}${options.healthPath ?? '/healthz'}`;
  const timeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  try {
    await untilExit(
      (signal) =>
        waitUntil(
          async () => {
            const response = await httpGet(healthUrl, { timeoutMs: 1_000 });
            if (response.status !== 200)
              throw new Error(
                `HTTP ${response.status}: ${response.body.slice(0, 200)}`,
              );
            return true;
          },
          {
            timeoutMs,
            intervalMs: 100,
            signal,
            what: `${healthUrl} to answer 200`,
          },
        ),
      app.exited,
    );
  } catch (error) {
    await app.stop('SIGKILL', 2_000);
    throw new Error(
      `startNodeApp(${options.main}) failed: ${(error as Error).message}\n--- output ---\n${app.outputTail()}`,
      {
        cause: error,
      },
    );
  }
  return app;
}

/** Only PATH/HOME are inherited: the app must behave the same on any developer's machine. */
function childEnv(
  port: number,
  extra: Record<string, string | undefined> = {},
): NodeJS.ProcessEnv {
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
  for (const key of Object.keys(env))
    if (env[key] === undefined) delete env[key];
  return env;
}
