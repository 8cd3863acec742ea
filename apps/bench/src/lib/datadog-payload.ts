/**
 * What the stand-in Datadog agent reads from dd-trace: the trace intake's msgpack payloads
 * (`/v0.4/traces` and `/v0.5/traces`, the two formats dd-trace's agent exporter writes, see
 * `packages/dd-trace/src/encode/0.4.js` and `0.5.js`) and DogStatsD lines. Pure: bytes in,
 * counts out, or a DatadogPayloadError naming what is wrong. Decoding uses @msgpack/msgpack
 * with 64-bit integers as bigint (trace and span ids are uint64 on the wire).
 *
 * v0.4: an array of traces; a trace is an array of spans; a span is a map with at least
 * `trace_id`, `span_id`, `parent_id` (uint64), `name`, `service`, `resource` (str), `start`,
 * `duration` (int64 ns), `error` (int), `meta` (str → str), `metrics` (str → number).
 *
 * v0.5: `[strings, traces]`; every string of a span is an index into `strings`, and a span is a
 * 12-element array `[service, name, resource, trace_id, span_id, parent_id, start, duration,
 * error, meta, metrics, type]`.
 */
import { decode } from '@msgpack/msgpack';

export type TraceIntakeVersion = '0.4' | '0.5';

export class DatadogPayloadError extends Error {
  override readonly name = 'DatadogPayloadError';
}

/** One payload's worth of traces. */
export interface TracePayloadSummary {
  traces: number;
  spans: number;
  /**
   * Spans of traces whose sampling priority (`_sampling_priority_v1`, set by dd-trace on its
   * spans) is above 0: the ones a real agent keeps. dd-trace ships every trace it finishes and
   * leaves dropping to the agent, so `spans` is what left the tracer.
   */
  keptSpans: number;
  /** Spans by operation name (`web.request`, `express.request`, `do_roll`, …). */
  byName: Map<string, number>;
}

/** The intake version of a request path, or undefined for any other path. */
export function traceIntakeVersion(path: string): TraceIntakeVersion | undefined {
  if (path === '/v0.4/traces') return '0.4';
  if (path === '/v0.5/traces') return '0.5';
  return undefined;
}

/**
 * Decodes and checks one trace payload. `declaredTraces` is the `X-Datadog-Trace-Count` header
 * dd-trace sends with it, when present: a payload holding another number of traces is refused.
 */
export function decodeTracePayload(
  version: TraceIntakeVersion,
  body: Uint8Array,
  declaredTraces?: number,
): TracePayloadSummary {
  let decoded: unknown;
  try {
    decoded = decode(body, { useBigInt64: true });
  } catch (error) {
    throw new DatadogPayloadError(`not msgpack: ${(error as Error).message}`);
  }
  const summary =
    version === '0.4' ? summariseV04(decoded) : summariseV05(decoded);
  if (declaredTraces !== undefined && declaredTraces !== summary.traces) {
    throw new DatadogPayloadError(
      `X-Datadog-Trace-Count says ${declaredTraces} trace(s), the payload holds ${summary.traces}`,
    );
  }
  return summary;
}

function summariseV04(decoded: unknown): TracePayloadSummary {
  const traces = arrayOf(decoded, 'payload');
  const summary = emptySummary(traces.length);
  traces.forEach((trace, t) => {
    const spans = arrayOf(trace, `trace ${t}`);
    let priority: number | undefined;
    spans.forEach((span, s) => {
      const where = `trace ${t} span ${s}`;
      const fields = mapOf(span, where);
      for (const key of ['trace_id', 'span_id', 'parent_id'] as const) {
        requireId(fields.get(key), `${where} ${key}`);
      }
      const name = requireString(fields.get('name'), `${where} name`);
      requireString(fields.get('service'), `${where} service`);
      requireString(fields.get('resource'), `${where} resource`);
      requireInteger(fields.get('start'), `${where} start`);
      requireInteger(fields.get('duration'), `${where} duration`);
      const meta = fields.get('meta');
      if (meta !== undefined) mapOf(meta, `${where} meta`);
      const metrics = fields.get('metrics');
      const metricMap =
        metrics === undefined ? undefined : mapOf(metrics, `${where} metrics`);
      priority ??= samplingPriority(metricMap?.get('_sampling_priority_v1'));
      count(summary.byName, name);
    });
    summary.spans += spans.length;
    if (priority !== undefined && priority > 0) summary.keptSpans += spans.length;
  });
  return summary;
}

function summariseV05(decoded: unknown): TracePayloadSummary {
  const top = arrayOf(decoded, 'payload');
  if (top.length !== 2) {
    throw new DatadogPayloadError(
      `payload: expected [strings, traces], got an array of ${top.length}`,
    );
  }
  const strings = arrayOf(top[0], 'string table').map((value, i) =>
    requireString(value, `string ${i}`),
  );
  const string = (index: unknown, where: string): string => {
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= strings.length) {
      throw new DatadogPayloadError(
        `${where}: expected an index into the ${strings.length} strings, got ${describe(index)}`,
      );
    }
    return strings[index] as string;
  };
  const traces = arrayOf(top[1], 'traces');
  const summary = emptySummary(traces.length);
  traces.forEach((trace, t) => {
    const spans = arrayOf(trace, `trace ${t}`);
    let priority: number | undefined;
    spans.forEach((span, s) => {
      const where = `trace ${t} span ${s}`;
      const fields = arrayOf(span, where);
      if (fields.length !== 12) {
        throw new DatadogPayloadError(`${where}: expected 12 fields, got ${fields.length}`);
      }
      string(fields[0], `${where} service`);
      const name = string(fields[1], `${where} name`);
      string(fields[2], `${where} resource`);
      requireId(fields[3], `${where} trace_id`);
      requireId(fields[4], `${where} span_id`);
      requireId(fields[5], `${where} parent_id`);
      requireInteger(fields[6], `${where} start`);
      requireInteger(fields[7], `${where} duration`);
      requireInteger(fields[8], `${where} error`);
      for (const [key, value] of mapOf(fields[9], `${where} meta`)) {
        string(indexKey(key), `${where} meta key`);
        string(value, `${where} meta value`);
      }
      for (const [key, value] of mapOf(fields[10], `${where} metrics`)) {
        const metric = string(indexKey(key), `${where} metrics key`);
        if (metric === '_sampling_priority_v1') priority ??= samplingPriority(value);
      }
      string(fields[11], `${where} type`);
      count(summary.byName, name);
    });
    summary.spans += spans.length;
    if (priority !== undefined && priority > 0) summary.keptSpans += spans.length;
  });
  return summary;
}

/**
 * DogStatsD lines (`name:value|type|#tags…`, newline-separated, as dd-trace sends them over UDP
 * or to the agent's `/dogstatsd/v2/proxy`), counted by metric name. Blank lines are skipped; a
 * line without `name:value|type` is refused.
 */
export function countDogStatsdLines(text: string): Map<string, number> {
  const byName = new Map<string, number>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const match = /^([^:|#\s]+):[^|]*\|[a-z]+(\||$)/.exec(line);
    if (!match) {
      throw new DatadogPayloadError(`DogStatsD line ${i + 1} is not name:value|type: ${JSON.stringify(line.slice(0, 80))}`);
    }
    count(byName, match[1] as string);
  });
  return byName;
}

/**
 * The decoder builds maps as plain objects, so v0.5's integer keys (string-table indexes) come
 * back as property names: "12" → 12; anything else stays as it is and fails the index check.
 */
function indexKey(key: unknown): unknown {
  return typeof key === 'string' && /^(0|[1-9]\d{0,9})$/.test(key) ? Number(key) : key;
}

function emptySummary(traces: number): TracePayloadSummary {
  return { traces, spans: 0, keptSpans: 0, byName: new Map() };
}

function count(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

function samplingPriority(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

function arrayOf(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new DatadogPayloadError(`${where}: expected an array, got ${describe(value)}`);
  return value;
}

function mapOf(value: unknown, where: string): Map<unknown, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) {
    throw new DatadogPayloadError(`${where}: expected a map, got ${describe(value)}`);
  }
  return new Map(Object.entries(value));
}

function requireString(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new DatadogPayloadError(`${where}: expected a string, got ${describe(value)}`);
  return value;
}

function requireInteger(value: unknown, where: string): void {
  if (typeof value === 'bigint') return;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new DatadogPayloadError(`${where}: expected an integer, got ${describe(value)}`);
  }
}

/** uint64 ids: bigint past 2^63 (msgpack uint64), a plain number when small; 0 = no parent. */
function requireId(value: unknown, where: string): void {
  requireInteger(value, where);
  if ((typeof value === 'bigint' && value < 0n) || (typeof value === 'number' && value < 0)) {
    throw new DatadogPayloadError(`${where}: expected an unsigned id, got ${describe(value)}`);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'nil';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value instanceof Uint8Array) return `${value.length} bytes of bin`;
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40));
  if (typeof value === 'object') return 'a map';
  return `${typeof value} ${String(value)}`;
}
