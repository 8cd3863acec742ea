import type {
  Attributes,
  ReceivedScope,
  ReceivedSpan,
  StatusCode,
  WireExportTraceServiceRequest,
  WireSpan,
} from './otlp-types.js';
import {
  toAttributes,
  toBigInt,
  toHex,
  toOptionalHex,
  toScope,
} from './otlp-values.js';

export { toAttributes, unwrapAnyValue } from './otlp-values.js';

/** Flattens an ExportTraceServiceRequest into one record per span, resource and scope inlined. */
export function flattenExportRequest(
  request: WireExportTraceServiceRequest,
): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const resource = toAttributes(resourceSpans.resource?.attributes);
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      const scope = toScope(scopeSpans.scope);
      for (const span of scopeSpans.spans ?? []) {
        spans.push(toReceivedSpan(span, resource, scope));
      }
    }
  }
  return spans;
}

function toReceivedSpan(
  span: WireSpan,
  resource: Attributes,
  scope: ReceivedScope,
): ReceivedSpan {
  return {
    traceId: toHex(span.traceId),
    spanId: toHex(span.spanId),
    // An empty parent id means a root span.
    parentSpanId: toOptionalHex(span.parentSpanId),
    traceState: span.traceState ?? '',
    flags: span.flags ?? 0,
    name: span.name,
    kind: span.kind ?? 0,
    startTimeUnixNano: toBigInt(span.startTimeUnixNano),
    endTimeUnixNano: toBigInt(span.endTimeUnixNano),
    attributes: toAttributes(span.attributes),
    status: {
      code: toStatusCode(span.status?.code),
      message: span.status?.message ?? '',
    },
    events: (span.events ?? []).map((event) => ({
      name: event.name,
      timeUnixNano: toBigInt(event.timeUnixNano),
      attributes: toAttributes(event.attributes),
    })),
    links: (span.links ?? []).map((link) => ({
      traceId: toHex(link.traceId),
      spanId: toHex(link.spanId),
      attributes: toAttributes(link.attributes),
    })),
    resource,
    scope,
  };
}

function toStatusCode(code: number | undefined): StatusCode {
  if (code === 1 || code === 2) return code;
  return 0;
}
