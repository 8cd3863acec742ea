import { httpGet } from '@otel-dice/test-support';
import { isMap } from './yaml-file.js';

/** Jaeger's api_v3 HTTP gateway (query on 16686): traces as OTLP JSON. */

export interface FoundSpan {
  readonly traceId: string;
  readonly name: string;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  readonly statusCode: number;
}

/** OTLP JSON encodes enums as numbers; accept the proto names as well. */
function statusCodeOf(span: Record<string, unknown>): number {
  const status = span['status'];
  const code = isMap(status) ? status['code'] : undefined;
  if (typeof code === 'number') return code;
  if (code === 'STATUS_CODE_OK') return 1;
  if (code === 'STATUS_CODE_ERROR') return 2;
  return 0;
}

/** Flattens `{result: {resourceSpans: [{scopeSpans: [{spans: [...]}]}]}}`. */
export function spansInResponse(body: unknown): FoundSpan[] {
  const result = isMap(body) ? body['result'] : undefined;
  const resourceSpans =
    isMap(result) && Array.isArray(result['resourceSpans'])
      ? result['resourceSpans']
      : [];
  return resourceSpans.filter(isMap).flatMap((rs) =>
    (Array.isArray(rs['scopeSpans']) ? rs['scopeSpans'] : [])
      .filter(isMap)
      .flatMap((ss) =>
        (Array.isArray(ss['spans']) ? ss['spans'] : [])
          .filter(isMap)
          .map((span) => ({
            traceId: String(span['traceId']),
            name: String(span['name']),
            statusCode: statusCodeOf(span),
          })),
      ),
  );
}

/**
 * Spans of `service`'s traces that started in [from, to]. Jaeger answers 404 while it has none,
 * which is "not yet", not an error.
 */
export async function findSpans(
  baseUrl: string,
  service: string,
  from: Date,
  to: Date,
): Promise<FoundSpan[]> {
  const query = new URLSearchParams({
    'query.service_name': service,
    'query.start_time_min': from.toISOString(),
    'query.start_time_max': to.toISOString(),
  });
  const response = await httpGet(`${baseUrl}/api/v3/traces?${query}`, {
    timeoutMs: 5_000,
  });
  if (response.status === 404) return [];
  if (response.status !== 200)
    throw new Error(
      `Jaeger api_v3 answered ${response.status}: ${response.body.slice(0, 300)}`,
    );
  return spansInResponse(JSON.parse(response.body));
}

export function groupByTrace(
  spans: readonly FoundSpan[],
): Map<string, FoundSpan[]> {
  const traces = new Map<string, FoundSpan[]>();
  for (const span of spans)
    traces.set(span.traceId, [...(traces.get(span.traceId) ?? []), span]);
  return traces;
}
