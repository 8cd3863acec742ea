import type {
  AttributeValue,
  Attributes,
  ReceivedSpan,
  StatusCode,
  WireAnyValue,
  WireExportTraceServiceRequest,
  WireKeyValue,
  WireSpan,
} from './otlp-types.js';

/** Flattens an ExportTraceServiceRequest into one record per span, resource and scope inlined. */
export function flattenExportRequest(
  request: WireExportTraceServiceRequest,
): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const resource = toAttributes(resourceSpans.resource?.attributes);
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      const scope = {
        name: scopeSpans.scope?.name ?? '',
        version: scopeSpans.scope?.version ?? '',
      };
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
  scope: ReceivedSpan['scope'],
): ReceivedSpan {
  const parentSpanId = toHex(span.parentSpanId);
  return {
    traceId: toHex(span.traceId),
    spanId: toHex(span.spanId),
    // Proto3 cannot tell "unset" from "empty": an empty parent id means a root span.
    parentSpanId: parentSpanId === '' ? undefined : parentSpanId,
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

/** Turns OTLP's repeated KeyValue into a plain object (a later duplicate key wins). */
export function toAttributes(
  keyValues: readonly WireKeyValue[] | undefined | null,
): Attributes {
  const attributes: Attributes = {};
  for (const { key, value } of keyValues ?? []) {
    attributes[key] = unwrapAnyValue(value);
  }
  return attributes;
}

/** Unwraps an OTLP AnyValue to the JS value it carries; an empty AnyValue becomes null. */
export function unwrapAnyValue(
  value: WireAnyValue | null | undefined,
): AttributeValue {
  switch (value?.value) {
    case 'stringValue':
      return value.stringValue ?? '';
    case 'boolValue':
      return value.boolValue ?? false;
    case 'intValue':
      return toSafeNumber(value.intValue ?? '0');
    case 'doubleValue':
      return value.doubleValue ?? 0;
    case 'arrayValue':
      return (value.arrayValue?.values ?? []).map(unwrapAnyValue);
    case 'kvlistValue':
      return toAttributes(value.kvlistValue?.values);
    case 'bytesValue':
      return value.bytesValue ?? Buffer.alloc(0);
    default:
      return null;
  }
}

/** int64 arrives as a decimal string; keep it exact (bigint) when a number would round. */
function toSafeNumber(decimal: string): number | bigint {
  const asBigInt = BigInt(decimal);
  const asNumber = Number(asBigInt);
  return Number.isSafeInteger(asNumber) ? asNumber : asBigInt;
}

function toBigInt(decimal: string | undefined): bigint {
  return BigInt(decimal ?? '0');
}

function toHex(bytes: Buffer | Uint8Array | undefined | null): string {
  return bytes ? Buffer.from(bytes).toString('hex') : '';
}

function toStatusCode(code: number | undefined): StatusCode {
  if (code === 1 || code === 2) return code;
  return 0;
}
