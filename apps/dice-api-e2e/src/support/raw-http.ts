/**
 * One HTTP/1.x request on a connection of its own, written byte for byte: the method, the
 * request target (dot segments and all), the protocol version and exactly the headers given —
 * no Host, User-Agent or Accept added behind the test's back. The connection's local port is
 * returned with the answer, so a test can find the server span that names it as
 * `network.peer.port`. 127.0.0.1 only.
 */
import { connect } from 'node:net';

export interface RawRequest {
  method: string;
  /** The request target as sent, e.g. `/rolldice?rolls=3`. */
  target: string;
  /** Header lines in order; nothing else is sent (`Connection: close` is added). */
  headers?: readonly (readonly [string, string])[];
  /** `1.1` (default) or `1.0`. */
  version?: '1.0' | '1.1';
}

export interface RawResponse {
  status: number;
  /** Everything after the status line, headers and body. */
  rest: string;
  /** The client side's port: the server sees it as the peer port. */
  localPort: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** The bytes of a request. Pure. */
export function formatRawRequest({
  method,
  target,
  headers = [],
  version = '1.1',
}: RawRequest): string {
  const lines = [`${method} ${target} HTTP/${version}`];
  for (const [name, value] of headers) lines.push(`${name}: ${value}`);
  lines.push('Connection: close', '', '');
  return lines.join('\r\n');
}

/** `HTTP/1.1 404 Not Found…` → 404; throws on anything else. Pure. */
export function parseStatusLine(answer: string): number {
  const match = /^HTTP\/1\.[01] (\d{3})[ \r]/.exec(answer);
  if (!match?.[1])
    throw new Error(
      `not an HTTP/1.x answer: ${JSON.stringify(answer.slice(0, 80))}`,
    );
  return Number(match[1]);
}

/** Sends `request` to 127.0.0.1:`port` and reads the answer until the server closes. */
export function sendRaw(
  port: number,
  request: RawRequest,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let localPort = 0;
    socket.setTimeout(timeoutMs, () =>
      socket.destroy(
        new Error(
          `${request.method} ${request.target}: no complete answer within ${timeoutMs} ms`,
        ),
      ),
    );
    socket.once('connect', () => {
      localPort = socket.localPort ?? 0;
      socket.write(formatRawRequest(request));
    });
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.once('error', reject);
    socket.once('close', (hadError) => {
      if (hadError) return; // 'error' rejected already
      const answer = Buffer.concat(chunks).toString('latin1');
      try {
        const status = parseStatusLine(answer);
        resolve({
          status,
          rest: answer.slice(answer.indexOf('\r\n') + 2),
          localPort,
        });
      } catch (error) {
        reject(error as Error);
      }
    });
  });
}
