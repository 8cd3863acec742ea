/**
 * Reading dice-api traces out of what a receiver recorded: one service's traces, and what is wrong
 * with a /rolldice trace compared with the seed's shape. Pure.
 */
import { SpanKindNumber, type ReceivedSpan } from '@otel-dice/test-support';

const STATUS_UNSET = 0;
const STATUS_ERROR = 2;

/** Spans whose resource says service.name = `service`, grouped by trace id. */
export function tracesOf(
  spans: readonly ReceivedSpan[],
  service: string,
): Map<string, ReceivedSpan[]> {
  const traces = new Map<string, ReceivedSpan[]>();
  for (const span of spans) {
    if (span.resource['service.name'] !== service) continue;
    const trace = traces.get(span.traceId);
    if (trace) trace.push(span);
    else traces.set(span.traceId, [span]);
  }
  return traces;
}

export const serverSpanOf = (
  trace: readonly ReceivedSpan[],
): ReceivedSpan | undefined =>
  trace.find((s) => s.kind === SpanKindNumber.SERVER);

/** A /rolldice trace is complete once its server span and both app spans arrived. */
export function isCompleteRollTrace(trace: readonly ReceivedSpan[]): boolean {
  return (
    serverSpanOf(trace) !== undefined &&
    trace.some((s) => s.name === 'do_roll') &&
    trace.some((s) => s.name === 'do_important_job')
  );
}

export function completeRollTraces(
  spans: readonly ReceivedSpan[],
  service: string,
): ReceivedSpan[][] {
  return [...tracesOf(spans, service).values()].filter(isCompleteRollTrace);
}

export interface ExpectedRoll {
  /** HTTP status the request got: 200, or 500 for the impossible 7. */
  status: 200 | 500;
  /** Faces the roll may show. */
  faces: readonly number[];
}

/**
 * Everything wrong with a single-roll /rolldice trace, as readable lines (empty = the seed's shape):
 * one root SERVER span `GET /rolldice` with http.route, method and status code, ERROR exactly on a
 * 500; one `do_roll` carrying an integer `roll.value` among `faces` and one `do_important_job`, both
 * direct children of the server span.
 */
export function rollTraceProblems(
  trace: readonly ReceivedSpan[],
  expected: ExpectedRoll,
): string[] {
  const servers = trace.filter((s) => s.kind === SpanKindNumber.SERVER);
  const server = servers[0];
  if (servers.length !== 1 || !server)
    return [`expected 1 SERVER span, got ${servers.length}`];
  const problems: string[] = [];
  const rolls = trace.filter((s) => s.name === 'do_roll');
  const jobs = trace.filter((s) => s.name === 'do_important_job');

  if (server.name !== 'GET /rolldice')
    problems.push(`server span named ${JSON.stringify(server.name)}`);
  if (server.parentSpanId !== undefined)
    problems.push(`server span has a parent ${server.parentSpanId}`);
  const attrs = server.attributes;
  if (attrs['http.route'] !== '/rolldice')
    problems.push(`http.route ${JSON.stringify(attrs['http.route'])}`);
  if (attrs['http.request.method'] !== 'GET')
    problems.push(
      `http.request.method ${JSON.stringify(attrs['http.request.method'])}`,
    );
  if (attrs['http.response.status_code'] !== expected.status)
    problems.push(
      `http.response.status_code ${String(attrs['http.response.status_code'])}, expected ${expected.status}`,
    );
  const code = expected.status >= 500 ? STATUS_ERROR : STATUS_UNSET;
  if (server.status.code !== code)
    problems.push(`server span status ${server.status.code}, expected ${code}`);

  if (rolls.length !== 1)
    problems.push(`expected 1 do_roll, got ${rolls.length}`);
  if (jobs.length !== 1)
    problems.push(`expected 1 do_important_job, got ${jobs.length}`);
  for (const span of [...rolls, ...jobs])
    if (span.parentSpanId !== server.spanId)
      problems.push(`${span.name} is not a direct child of the server span`);
  const value = rolls[0]?.attributes['roll.value'];
  if (typeof value !== 'number' || !expected.faces.includes(value))
    problems.push(
      `roll.value ${JSON.stringify(value)} is not one of ${expected.faces.join(', ')}`,
    );
  return problems;
}

export function rollValueOf(trace: readonly ReceivedSpan[]): unknown {
  return trace.find((s) => s.name === 'do_roll')?.attributes['roll.value'];
}

/** "GET /rolldice[SERVER 2], do_roll[…]" style summary for failure messages. */
export function describeTraces(traces: readonly ReceivedSpan[][]): string {
  return traces
    .map((trace) =>
      trace
        .map((s) => `${s.name}[kind=${s.kind} status=${s.status.code}]`)
        .join(', '),
    )
    .join('\n');
}
