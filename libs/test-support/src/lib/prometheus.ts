import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findExecutable,
  isExecutable,
  withParentDeathSignal,
} from './executables.js';
import { httpGet } from './http.js';
import {
  spawnManaged,
  untilExit,
  type ManagedProcess,
  type StopResult,
} from './managed-process.js';
import { getFreePort } from './ports.js';
import { waitUntil, type WaitOptions } from './wait.js';

export interface StartPrometheusOptions {
  /** Scrape targets as 'host:port', e.g. ['127.0.0.1:8080']. */
  targets: string[];
  metricsPath?: string;
  scrapeIntervalSeconds?: number;
  jobName?: string;
  /** Deadline for /-/ready (default 30 000 ms). */
  startTimeoutMs?: number;
}

/** One element of an instant-query result. */
export interface PrometheusSample {
  metric: Record<string, string>;
  /** Parsed sample value (NaN/±Inf included as JS numbers). */
  value: number;
  /** Evaluation timestamp, seconds since the epoch. */
  timestamp: number;
}

export interface RunningPrometheus {
  readonly port: number;
  /** 'http://127.0.0.1:PORT' */
  readonly baseUrl: string;
  readonly process: ManagedProcess;
  /** Directory holding prometheus.yml and the TSDB; removed by stop(). */
  readonly workDir: string;
  /** Instant query (GET /api/v1/query); a scalar result comes back as one sample with no labels. */
  query(expr: string): Promise<PrometheusSample[]>;
  /** Polls query(expr) until predicate(samples) holds; returns those samples. */
  waitForQuery(
    expr: string,
    predicate: (samples: PrometheusSample[]) => boolean,
    options?: WaitOptions,
  ): Promise<PrometheusSample[]>;
  stop(): Promise<StopResult>;
}

/** The prometheus executable: $PROMETHEUS_BINARY if set, else the first `prometheus` on PATH. */
export function findPrometheusBinary(
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const explicit = env['PROMETHEUS_BINARY'];
  if (explicit) return isExecutable(explicit) ? explicit : undefined;
  return findExecutable('prometheus', env['PATH']);
}

/**
 * Why a Prometheus-backed test should be skipped, or undefined when it should run. With
 * CI=true a missing binary is NOT a reason to skip: the test runs and startPrometheus fails
 * loudly, so CI cannot go green without having exercised real Prometheus.
 */
export function prometheusSkipReason(
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (findPrometheusBinary(env) || env['CI'] === 'true') return undefined;
  const where = env['PROMETHEUS_BINARY']
    ? `PROMETHEUS_BINARY=${env['PROMETHEUS_BINARY']} is not executable`
    : 'no `prometheus` on PATH';
  return `${where} (apt-get install prometheus); with CI=true this is a failure instead`;
}

/**
 * Starts a real Prometheus that scrapes `targets` and listens on 127.0.0.1 only, with config
 * and TSDB in a fresh temp dir. Resolves once /-/ready answers 200.
 */
export async function startPrometheus(
  options: StartPrometheusOptions,
): Promise<RunningPrometheus> {
  validateTargets(options.targets);
  const binary = findPrometheusBinary();
  if (!binary) {
    throw new Error(
      'startPrometheus: no `prometheus` executable on PATH (install it: apt-get install prometheus, ' +
        'or point PROMETHEUS_BINARY at one)',
    );
  }
  const workDir = await mkdtemp(join(tmpdir(), 'otel-dice-prometheus-'));
  let proc: ManagedProcess | undefined;
  try {
    const configFile = join(workDir, 'prometheus.yml');
    await writeFile(configFile, renderPrometheusConfig(options));
    const port = await getFreePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    proc = spawnManaged({
      ...withParentDeathSignal(binary, [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(workDir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ]),
      env: { PATH: process.env['PATH'], HOME: workDir },
      cwd: workDir,
    });
    const running = proc;
    await untilExit(
      (signal) =>
        waitUntil(
          async () =>
            (await httpGet(`${baseUrl}/-/ready`, { timeoutMs: 1_000 }))
              .status === 200,
          {
            timeoutMs: options.startTimeoutMs ?? 30_000,
            intervalMs: 100,
            signal,
            what: `Prometheus ${baseUrl}/-/ready`,
          },
        ),
      running.exited,
    );
    return prometheusHandle(baseUrl, port, running, workDir);
  } catch (error) {
    await proc?.stop('SIGKILL', 2_000);
    await rm(workDir, { recursive: true, force: true });
    const output = proc
      ? `\n--- prometheus output ---\n${proc.outputTail()}`
      : '';
    throw new Error(
      `startPrometheus failed: ${(error as Error).message}${output}`,
      { cause: error },
    );
  }
}

/**
 * prometheus.yml for the given targets. Written as JSON, which is valid YAML, so no YAML
 * library is needed and the file stays exact.
 */
export function renderPrometheusConfig(
  options: StartPrometheusOptions,
): string {
  const interval = `${options.scrapeIntervalSeconds ?? 1}s`;
  return `${JSON.stringify(
    {
      global: {
        scrape_interval: interval,
        scrape_timeout: interval,
        evaluation_interval: interval,
      },
      scrape_configs: [
        {
          job_name: options.jobName ?? 'test',
          metrics_path: options.metricsPath ?? '/metrics',
          static_configs: [{ targets: options.targets }],
        },
      ],
    },
    null,
    2,
  )}\n`;
}

function prometheusHandle(
  baseUrl: string,
  port: number,
  proc: ManagedProcess,
  workDir: string,
): RunningPrometheus {
  const query = async (expr: string) => {
    const response = await httpGet(
      `${baseUrl}/api/v1/query?query=${encodeURIComponent(expr)}`,
    );
    return parseQueryResponse(expr, response.status, response.body);
  };
  let stopped: Promise<StopResult> | undefined;
  return {
    port,
    baseUrl,
    process: proc,
    workDir,
    query,
    async waitForQuery(expr, predicate, options = {}) {
      let last: PrometheusSample[] | undefined;
      try {
        return await waitUntil(
          async () => {
            last = await query(expr);
            return predicate(last) ? last : undefined;
          },
          {
            timeoutMs: 30_000,
            intervalMs: 250,
            ...options,
            what: options.what ?? `query ${expr}`,
          },
        );
      } catch (error) {
        throw new Error(
          `${(error as Error).message}\nlast result of ${expr}: ${JSON.stringify(last)}`,
          {
            cause: error,
          },
        );
      }
    },
    stop() {
      stopped ??= proc
        .stop('SIGTERM', 10_000)
        .finally(() => rm(workDir, { recursive: true, force: true }));
      return stopped;
    },
  };
}

interface QueryResponseBody {
  status: 'success' | 'error';
  error?: string;
  errorType?: string;
  data?: { resultType: string; result: unknown };
}

/** Parses a /api/v1/query answer into samples; any non-success answer becomes a clear Error. */
export function parseQueryResponse(
  expr: string,
  httpStatus: number,
  body: string,
): PrometheusSample[] {
  let parsed: QueryResponseBody;
  try {
    parsed = JSON.parse(body) as QueryResponseBody;
  } catch {
    throw new Error(
      `Prometheus query ${expr}: HTTP ${httpStatus}, non-JSON body: ${body.slice(0, 200)}`,
    );
  }
  if (parsed.status !== 'success' || !parsed.data) {
    throw new Error(
      `Prometheus query ${expr} failed (HTTP ${httpStatus}): ${parsed.errorType}: ${parsed.error}`,
    );
  }
  const { resultType, result } = parsed.data;
  if (resultType === 'vector') {
    return (
      result as { metric: Record<string, string>; value: [number, string] }[]
    ).map(({ metric, value }) => ({
      metric,
      timestamp: value[0],
      value: Number(value[1]),
    }));
  }
  if (resultType === 'scalar') {
    const [timestamp, value] = result as [number, string];
    return [{ metric: {}, timestamp, value: Number(value) }];
  }
  throw new Error(
    `Prometheus query ${expr}: unsupported result type ${resultType} for an instant query`,
  );
}

function validateTargets(targets: readonly string[]): void {
  if (targets.length === 0)
    throw new Error('startPrometheus: at least one target is required');
  for (const target of targets) {
    if (!/^[^\s:/]+:\d{1,5}$/.test(target)) {
      throw new Error(
        `startPrometheus: target must look like host:port, got ${JSON.stringify(target)}`,
      );
    }
  }
}
