import { httpGet } from '@otel-dice/test-support';
import { isMap } from './yaml-file.js';

/** Prometheus HTTP API, instant queries only. */

export interface Sample {
  readonly labels: Record<string, string>;
  readonly value: number;
}

export async function instantQuery(
  baseUrl: string,
  expr: string,
): Promise<Sample[]> {
  const response = await httpGet(
    `${baseUrl}/api/v1/query?${new URLSearchParams({ query: expr })}`,
    { timeoutMs: 5_000 },
  );
  if (response.status !== 200)
    throw new Error(
      `Prometheus answered ${response.status} to ${expr}: ${response.body.slice(0, 300)}`,
    );
  const body: unknown = JSON.parse(response.body);
  const data = isMap(body) ? body['data'] : undefined;
  if (
    !isMap(data) ||
    data['resultType'] !== 'vector' ||
    !Array.isArray(data['result'])
  ) {
    throw new Error(
      `unexpected Prometheus response to ${expr}: ${response.body.slice(0, 300)}`,
    );
  }
  return data['result'].filter(isMap).map((entry) => ({
    labels: isMap(entry['metric'])
      ? (entry['metric'] as Record<string, string>)
      : {},
    value: Array.isArray(entry['value'])
      ? Number(entry['value'][1])
      : Number.NaN,
  }));
}
