/**
 * Reading the traces the OTLP receiver collected: which span is the HTTP server span, whether a
 * span hangs under another, and one-line summaries for assertion messages. Pure.
 */
import { SpanKindNumber, type ReceivedSpan } from '@otel-dice/test-support';

export const SERVER_KIND = SpanKindNumber.SERVER;
/** OTLP status codes. */
export const STATUS_UNSET = 0;
export const STATUS_ERROR = 2;

/** Spans grouped by trace id. */
export function groupByTrace(
  spans: readonly ReceivedSpan[],
): Map<string, ReceivedSpan[]> {
  const traces = new Map<string, ReceivedSpan[]>();
  for (const span of spans) {
    const trace = traces.get(span.traceId);
    if (trace) trace.push(span);
    else traces.set(span.traceId, [span]);
  }
  return traces;
}

export function serverSpans(spans: readonly ReceivedSpan[]): ReceivedSpan[] {
  return spans.filter((span) => span.kind === SERVER_KIND);
}

export function spansNamed(
  spans: readonly ReceivedSpan[],
  name: string,
): ReceivedSpan[] {
  return spans.filter((span) => span.name === name);
}

/**
 * True when `span` hangs (directly or through intermediate spans, e.g. Express's request-handler
 * span) under `ancestor`, following parent ids inside `trace`. A broken chain is false.
 */
export function isDescendantOf(
  span: ReceivedSpan,
  ancestor: ReceivedSpan,
  trace: readonly ReceivedSpan[],
): boolean {
  const byId = new Map(trace.map((s) => [s.spanId, s]));
  const seen = new Set<string>();
  let parentId = span.parentSpanId;
  while (parentId !== undefined && !seen.has(parentId)) {
    if (parentId === ancestor.spanId) return true;
    seen.add(parentId);
    parentId = byId.get(parentId)?.parentSpanId;
  }
  return false;
}

/**
 * A request's trace is complete once its server span and both app spans arrived (they may come
 * in different export batches).
 */
export function isCompleteRollTrace(trace: readonly ReceivedSpan[]): boolean {
  return (
    serverSpans(trace).length === 1 &&
    spansNamed(trace, 'do_roll').length >= 1 &&
    spansNamed(trace, 'do_important_job').length === 1
  );
}

/** Traces holding a complete /rolldice request. */
export function completeRollTraces(
  spans: readonly ReceivedSpan[],
): Map<string, ReceivedSpan[]> {
  return new Map(
    [...groupByTrace(spans)].filter(([, trace]) => isCompleteRollTrace(trace)),
  );
}

/** "GET /rolldice <- request handler <- do_roll …" style summary for failure messages. */
export function describeTrace(trace: readonly ReceivedSpan[]): string {
  return trace
    .map(
      (s) =>
        `${s.name}[kind=${s.kind} id=${s.spanId} parent=${s.parentSpanId ?? '-'} status=${s.status.code}]`,
    )
    .join(', ');
}

/**
 * Everything wrong with one single-roll /rolldice trace, as readable lines (empty = as the seed
 * promises): one root HTTP server span for GET /rolldice; exactly one do_roll with an integer
 * roll.value in 1..7 and one do_important_job, both direct children of the server span; a 7 answered 500 with
 * an ERROR server span, anything else 200 and not ERROR.
 */
export function singleRollTraceProblems(
  trace: readonly ReceivedSpan[],
): string[] {
  const problems: string[] = [];
  const servers = serverSpans(trace);
  const rolls = spansNamed(trace, 'do_roll');
  const jobs = spansNamed(trace, 'do_important_job');
  const server = servers[0];
  if (servers.length !== 1 || !server)
    return [`expected 1 server span, got ${servers.length}`];
  if (rolls.length !== 1)
    problems.push(`expected 1 do_roll, got ${rolls.length}`);
  if (jobs.length !== 1)
    problems.push(`expected 1 do_important_job, got ${jobs.length}`);

  if (server.parentSpanId !== undefined)
    problems.push(`server span has a parent (${server.parentSpanId})`);
  for (const span of trace) {
    if (span.traceId !== server.traceId)
      problems.push(`${span.name} has trace id ${span.traceId}`);
    if (span !== server && !isDescendantOf(span, server, trace))
      problems.push(`${span.name} is not under the server span`);
  }
  for (const span of [...rolls, ...jobs]) {
    if (span.parentSpanId !== server.spanId)
      problems.push(`${span.name} is not a direct child of the server span`);
  }

  const { attributes } = server;
  if (server.name !== 'GET /rolldice')
    problems.push(`server span named ${JSON.stringify(server.name)}`);
  if (attributes['http.route'] !== '/rolldice')
    problems.push(`http.route ${JSON.stringify(attributes['http.route'])}`);
  if (attributes['http.request.method'] !== 'GET')
    problems.push(
      `http.request.method ${String(attributes['http.request.method'])}`,
    );

  const value = rolls[0]?.attributes['roll.value'];
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < 1 ||
    value > 7
  ) {
    problems.push(`roll.value ${String(value)} is not an integer in 1..7`);
  }
  const status = attributes['http.response.status_code'];
  const expected =
    value === 7
      ? { status: 500, code: STATUS_ERROR }
      : { status: 200, code: STATUS_UNSET };
  if (status !== expected.status)
    problems.push(
      `roll ${String(value)} answered ${String(status)}, expected ${expected.status}`,
    );
  if (server.status.code !== expected.code) {
    problems.push(
      `roll ${String(value)}: server span status ${server.status.code}, expected ${expected.code}`,
    );
  }
  for (const span of [...rolls, ...jobs]) {
    if (span.status.code === STATUS_ERROR)
      problems.push(`${span.name} is ERROR`);
  }
  return problems.map((problem) => `${problem} — ${describeTrace(trace)}`);
}
