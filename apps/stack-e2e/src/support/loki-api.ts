import { httpGet } from '@otel-dice/test-support';
import { isMap } from './yaml-file.js';

/** Loki's HTTP query API (/loki/api/v1/query_range), log queries only. */

export interface LogEntry {
  /**
   * The entry's labels: stream labels plus structured metadata. Without the categorize-labels
   * encoding flag (not sent here), Loki 3.x merges an entry's structured metadata into the labels
   * of the stream it returns the entry in.
   */
  readonly labels: Record<string, string>;
  readonly line: string;
  readonly timestampNs: bigint;
}

export async function queryLogs(
  baseUrl: string,
  query: string,
  from: Date,
  to: Date,
  limit = 5000,
): Promise<LogEntry[]> {
  const params = new URLSearchParams({
    query,
    // Nanoseconds since the epoch, as Loki takes them.
    start: `${from.getTime()}000000`,
    end: `${to.getTime()}000000`,
    limit: String(limit),
    direction: 'forward',
  });
  const response = await httpGet(
    `${baseUrl}/loki/api/v1/query_range?${params}`,
    { timeoutMs: 10_000 },
  );
  if (response.status !== 200)
    throw new Error(
      `Loki answered ${response.status} to ${query}: ${response.body.slice(0, 300)}`,
    );
  const body: unknown = JSON.parse(response.body);
  const data = isMap(body) ? body['data'] : undefined;
  if (
    !isMap(data) ||
    data['resultType'] !== 'streams' ||
    !Array.isArray(data['result'])
  )
    throw new Error(
      `unexpected Loki response to ${query}: ${response.body.slice(0, 300)}`,
    );
  return data['result'].filter(isMap).flatMap((stream) => {
    const labels = isMap(stream['stream'])
      ? (stream['stream'] as Record<string, string>)
      : {};
    const values = Array.isArray(stream['values']) ? stream['values'] : [];
    return values
      .filter((v): v is [string, string] => Array.isArray(v) && v.length >= 2)
      .map(([ts, line]) => ({
        labels,
        line: String(line),
        timestampNs: BigInt(ts),
      }));
  });
}
