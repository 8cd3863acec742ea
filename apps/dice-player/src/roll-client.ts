/**
 * One GET /rolldice over node:http (or node:https), on purpose not fetch(): @otel-dice/telemetry
 * instruments node:http, so every call gets an HTTP client span and carries the W3C
 * `traceparent` of the current context. fetch() runs on undici, which that instrumentation does
 * not see — the trace would stop at the player.
 *
 * This module must be loaded after startTelemetry() (main.ts requires it late), so that
 * `node:http` is already patched when it is imported.
 */
import * as http from 'node:http';
import * as https from 'node:https';

export interface RollResponse {
  readonly status: number;
  readonly body: string;
}

/** dice-api answers a digit or a short message; anything longer is cut off, not buffered. */
export const MAX_BODY_BYTES = 4_096;

export class RollRequestError extends Error {
  override readonly name = 'RollRequestError';
  constructor(
    message: string,
    /** True when the request was abandoned because `timeoutMs` passed. */
    readonly timedOut: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface RollClient {
  roll(): Promise<RollResponse>;
  /** Closes pooled keep-alive connections; later calls open new ones. */
  close(): void;
}

export function createRollClient(url: URL, timeoutMs: number): RollClient {
  const transport = url.protocol === 'https:' ? https : http;
  // Keep-alive like a real client; one socket is enough for a player that plays one round at a time.
  const agent = new transport.Agent({ keepAlive: true, maxSockets: 1 });
  return {
    roll: () => get(transport, url, agent, timeoutMs),
    close: () => agent.destroy(),
  };
}

function get(
  transport: typeof http | typeof https,
  url: URL,
  agent: http.Agent,
  timeoutMs: number,
): Promise<RollResponse> {
  return new Promise((resolve, reject) => {
    // One deadline for connect + response + body, unlike the socket idle timeout of `timeout`.
    const deadline = AbortSignal.timeout(timeoutMs);
    const req = transport.get(
      url,
      { agent, signal: deadline, headers: { accept: 'text/plain' } },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size >= MAX_BODY_BYTES) return;
          chunks.push(chunk);
          size += chunk.length;
        });
        res.on('error', (error) => reject(wrap(error, deadline)));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks)
              .subarray(0, MAX_BODY_BYTES)
              .toString('utf8'),
          }),
        );
      },
    );
    req.on('error', (error) => reject(wrap(error, deadline)));
  });
}

function wrap(error: Error, deadline: AbortSignal): RollRequestError {
  const timedOut = deadline.aborted;
  const message = timedOut
    ? `timed out (${describeReason(deadline.reason)})`
    : error.message || describeCode(error);
  return new RollRequestError(message, timedOut, { cause: error });
}

function describeReason(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

/** ECONNREFUSED and friends sometimes come with an empty message (e.g. AggregateError). */
function describeCode(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ? code : error.name;
}
