/**
 * The Jaeger propagation format (`uber-trace-id: {trace-id}:{span-id}:{parent-span-id}:{flags}`
 * and `uberctx-{key}` baggage headers), for OTEL_PROPAGATORS=jaeger.
 *
 * Why it lives here: the specification deprecated this format in favour of W3C Trace Context and
 * OpenTelemetry JS 3 removed @opentelemetry/propagator-jaeger; its last release (2.12) requires
 * @opentelemetry/api < 1.10 and cannot be installed next to this SDK without forcing npm. Services
 * still running Jaeger clients only join a trace through this header, so a team migrating needs
 * it until the last of them is gone. Written from the format's description
 * (jaegertracing.io, "Propagation Format"), not copied.
 */
import {
  isSpanContextValid,
  propagation,
  trace,
  TraceFlags,
  type Context,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';

export const UBER_TRACE_ID_HEADER = 'uber-trace-id';
export const UBER_BAGGAGE_PREFIX = 'uberctx-';

const HEX = /^[0-9a-f]+$/i;
const ZERO_ID = /^0+$/;

/** Parses an `uber-trace-id` value; undefined when it is not a valid one. Pure. */
export function parseUberTraceId(
  raw: string,
): { traceId: string; spanId: string; sampled: boolean } | undefined {
  let value: string;
  try {
    value = decodeURIComponent(raw.trim());
  } catch {
    return undefined;
  }
  const parts = value.split(':');
  if (parts.length !== 4) return undefined;
  const [traceId, spanId, , flags] = parts;
  if (!HEX.test(traceId) || traceId.length > 32) return undefined;
  if (!HEX.test(spanId) || spanId.length > 16) return undefined;
  if (!HEX.test(flags) || flags.length > 2) return undefined;
  if (ZERO_ID.test(traceId) || ZERO_ID.test(spanId)) return undefined;
  return {
    traceId: traceId.toLowerCase().padStart(32, '0'),
    spanId: spanId.toLowerCase().padStart(16, '0'),
    // bit 0: sampled; bit 1 (debug) implies sampled for Jaeger clients
    sampled: (parseInt(flags, 16) & 0b11) !== 0,
  };
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export class JaegerPropagator implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    if (isTracingSuppressed(context)) return;
    const spanContext = trace.getSpanContext(context);
    if (spanContext && isSpanContextValid(spanContext)) {
      const flags = spanContext.traceFlags & TraceFlags.SAMPLED ? '01' : '00';
      setter.set(
        carrier,
        UBER_TRACE_ID_HEADER,
        `${spanContext.traceId}:${spanContext.spanId}:0:${flags}`,
      );
    }
    const baggage = propagation.getBaggage(context);
    for (const [key, entry] of baggage?.getAllEntries() ?? [])
      setter.set(
        carrier,
        `${UBER_BAGGAGE_PREFIX}${key}`,
        encodeURIComponent(entry.value),
      );
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    let result = context;
    const header = first(getter.get(carrier, UBER_TRACE_ID_HEADER));
    const parsed = header === undefined ? undefined : parseUberTraceId(header);
    if (parsed)
      result = trace.setSpanContext(result, {
        traceId: parsed.traceId,
        spanId: parsed.spanId,
        traceFlags: parsed.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
        isRemote: true,
      });

    const entries: Record<string, { value: string }> = {};
    for (const key of getter.keys(carrier)) {
      if (!key.toLowerCase().startsWith(UBER_BAGGAGE_PREFIX)) continue;
      const value = first(getter.get(carrier, key));
      if (value === undefined) continue;
      try {
        entries[key.slice(UBER_BAGGAGE_PREFIX.length)] = {
          value: decodeURIComponent(value),
        };
      } catch {
        // a broken %-escape: skip this entry only
      }
    }
    if (Object.keys(entries).length === 0) return result;
    const existing = propagation.getBaggage(result);
    const merged = Object.entries(entries).reduce(
      (baggage, [key, entry]) => baggage.setEntry(key, entry),
      existing ?? propagation.createBaggage(),
    );
    return propagation.setBaggage(result, merged);
  }

  fields(): string[] {
    return [UBER_TRACE_ID_HEADER];
  }
}
