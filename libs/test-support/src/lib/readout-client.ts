import { httpGet } from './http.js';
import { parseReadout, type Readout } from './readout-json.js';

/**
 * Reads what a containerized OTLP receiver recorded, through its read-out (`GET <baseUrl>/received`).
 * Rejects on a non-200 answer or a malformed body, naming the URL.
 */
export async function fetchReadout(
  baseUrl: string,
  { timeoutMs = 5_000 }: { timeoutMs?: number } = {},
): Promise<Readout> {
  const url = `${baseUrl.replace(/\/+$/, '')}/received`;
  const response = await httpGet(url, { timeoutMs });
  if (response.status !== 200)
    throw new Error(
      `GET ${url} answered ${response.status}: ${response.body.slice(0, 200)}`,
    );
  return parseReadout(response.body);
}
