/**
 * How long a client may take and how many may be connected at once — the protection every HTTP
 * server of the workspace needs against slow clients (slowloris: headers or a body trickled a
 * byte at a time, each holding a socket and a file descriptor). Node's defaults are 60 s for the
 * headers, 300 s for the whole request, checked only every 30 s, and no connection cap: a few
 * thousand slow clients exhaust the process's file descriptors and every normal request fails.
 * And against clients that send requests but do not read the answers: how long written bytes
 * may wait for them, and how many pipelined requests may wait their turn (the mechanism is
 * `guardConnections` of @otel-dice/telemetry, used by the apps and the library's Prometheus port;
 * only the numbers are read here, before the telemetry library is loaded).
 *
 * Read like every other setting (SettingsReader), with a prefix per app: APP_* for dice-api,
 * PLAYER_* for dice-player.
 */
import { readFileSync } from 'node:fs';
import type { ServerOptions } from 'node:http';
import {
  invalid,
  valid,
  type Parsed,
  type SettingsReader,
} from './settings.js';

export interface ServerLimits {
  /** The request head must be complete within this (408 and close otherwise). */
  readonly headersTimeoutMs: number;
  /** The whole request, body included, must be received within this. */
  readonly requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  readonly keepAliveTimeoutMs: number;
  /** Connections beyond this are closed as soon as they are accepted. */
  readonly maxConnections: number;
  /** A connection whose written response bytes the client does not take for this long is closed. */
  readonly sendTimeoutMs: number;
  /** Requests of one connection that may wait behind the one being handled; more close it. */
  readonly maxPipelinedRequests: number;
}

/**
 * Slow headers are cut within ~11 s, a slow body within ~26 s (both checked every second), a
 * client that stops reading within ~11 s; 32 pipelined requests leave room for the clients that
 * pipeline (benchmarks, 16 deep) and keep what one connection can queue small. The send timeout
 * and the pipelining bound are @otel-dice/telemetry's DEFAULT_CONNECTION_GUARD.
 */
export const DEFAULT_SERVER_LIMITS = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 25_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1_000,
  sendTimeoutMs: 10_000,
  maxPipelinedRequests: 32,
} as const;

/** How often Node looks for requests past their headers/request timeout (its default is 30 s). */
export const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;

/**
 * A connection cap below the open-file limit: the process needs descriptors besides its client
 * sockets (exporter connections, files, the event loop), so at most 80 % of the soft limit.
 */
export function maxConnectionsFor(fdSoftLimit: number | undefined): number {
  const fallback = DEFAULT_SERVER_LIMITS.maxConnections;
  if (fdSoftLimit === undefined) return fallback;
  return Math.max(1, Math.min(fallback, Math.floor(fdSoftLimit * 0.8)));
}

/** The soft "Max open files" limit from /proc/self/limits text; undefined if absent or unlimited. */
export function parseOpenFilesLimit(procLimits: string): number | undefined {
  const line = procLimits
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
  return soft !== undefined && /^[0-9]+$/.test(soft) ? Number(soft) : undefined;
}

/** This process's soft open-file limit (Linux), or undefined where /proc is not there. */
export function readOpenFilesLimit(): number | undefined {
  try {
    return parseOpenFilesLimit(readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    return undefined;
  }
}

function millis(max: number): (raw: string) => Parsed<number> {
  return (raw) => {
    const ms = /^[0-9]+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
    return ms >= 1 && ms <= max
      ? valid(ms)
      : invalid(
          `must be an integer number of milliseconds between 1 and ${max}`,
        );
  };
}

function count(max: number): (raw: string) => Parsed<number> {
  return (raw) => {
    const n = /^[0-9]+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
    return n >= 1 && n <= max
      ? valid(n)
      : invalid(`must be an integer between 1 and ${max}`);
  };
}

/**
 * `<PREFIX>_HEADERS_TIMEOUT_MS`, `_REQUEST_TIMEOUT_MS`, `_KEEP_ALIVE_TIMEOUT_MS`,
 * `_MAX_CONNECTIONS`, `_SEND_TIMEOUT_MS`, `_MAX_PIPELINED_REQUESTS`. The headers timeout cannot
 * exceed the request timeout (Node refuses it).
 */
export function readServerLimits(
  reader: SettingsReader,
  prefix: string,
  fdSoftLimit?: number,
): ServerLimits {
  const hour = 3_600_000;
  const headersTimeoutMs = reader.read(
    `${prefix}_HEADERS_TIMEOUT_MS`,
    millis(hour),
    DEFAULT_SERVER_LIMITS.headersTimeoutMs,
  );
  const requestTimeoutMs = reader.read(
    `${prefix}_REQUEST_TIMEOUT_MS`,
    (raw) => {
      const parsed = millis(hour)(raw);
      return parsed.ok && parsed.value < headersTimeoutMs
        ? invalid(
            `must not be shorter than ${prefix}_HEADERS_TIMEOUT_MS (${headersTimeoutMs} ms)`,
          )
        : parsed;
    },
    Math.max(DEFAULT_SERVER_LIMITS.requestTimeoutMs, headersTimeoutMs),
  );
  return {
    headersTimeoutMs,
    requestTimeoutMs,
    keepAliveTimeoutMs: reader.read(
      `${prefix}_KEEP_ALIVE_TIMEOUT_MS`,
      millis(hour),
      DEFAULT_SERVER_LIMITS.keepAliveTimeoutMs,
    ),
    maxConnections: reader.read(
      `${prefix}_MAX_CONNECTIONS`,
      count(1_000_000),
      maxConnectionsFor(fdSoftLimit),
    ),
    sendTimeoutMs: reader.read(
      `${prefix}_SEND_TIMEOUT_MS`,
      millis(hour),
      DEFAULT_SERVER_LIMITS.sendTimeoutMs,
    ),
    maxPipelinedRequests: reader.read(
      `${prefix}_MAX_PIPELINED_REQUESTS`,
      count(10_000),
      DEFAULT_SERVER_LIMITS.maxPipelinedRequests,
    ),
  };
}

/** Options for `http.createServer(options)`: the timeouts, checked every second. */
export function serverOptions(limits: ServerLimits): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS,
  };
}
