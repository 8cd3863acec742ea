/**
 * Shapes used by the OTLP test receiver.
 *
 * `Wire*` types describe what @grpc/proto-loader hands us for an ExportTraceServiceRequest with
 * the loader options in otlp-proto.ts (camelCase fields, 64-bit ints as decimal strings, enums as
 * numbers, bytes as Buffer, defaults filled in, oneof discriminator in `value`).
 * `Received*` types are the flattened, assertion-friendly view that tests work with.
 */

/** An unwrapped OTLP AnyValue. Integers outside the safe range stay exact as bigint. */
export type AttributeValue =
  | string
  | number
  | bigint
  | boolean
  | Buffer
  | null
  | AttributeValue[]
  | { [key: string]: AttributeValue };

export type Attributes = Record<string, AttributeValue>;

export interface ReceivedSpanEvent {
  name: string;
  timeUnixNano: bigint;
  attributes: Attributes;
}

export interface ReceivedSpanLink {
  traceId: string;
  spanId: string;
  attributes: Attributes;
}

/** OTLP status code: 0 UNSET, 1 OK, 2 ERROR. */
export type StatusCode = 0 | 1 | 2;

/** OTLP span kind: 0 UNSPECIFIED, 1 INTERNAL, 2 SERVER, 3 CLIENT, 4 PRODUCER, 5 CONSUMER. */
export const SpanKindNumber = {
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
} as const;

export interface ReceivedSpan {
  /** 32 lowercase hex chars. */
  traceId: string;
  /** 16 lowercase hex chars. */
  spanId: string;
  /** 16 lowercase hex chars; undefined for a root span. */
  parentSpanId: string | undefined;
  traceState: string;
  /** W3C trace flags and remote-parent bits as sent (Span.flags). */
  flags: number;
  name: string;
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attributes;
  status: { code: StatusCode; message: string };
  events: ReceivedSpanEvent[];
  links: ReceivedSpanLink[];
  /** Resource attributes of the ResourceSpans the span arrived in (e.g. service.name). */
  resource: Attributes;
  scope: { name: string; version: string };
}

/** Bookkeeping for one Export call. */
export interface ReceivedExport {
  spanCount: number;
  /** The exporter's user-agent header, e.g. 'OTel-OTLP-Exporter-JavaScript/0.301.0 grpc-node-js/…'. */
  userAgent: string | undefined;
}

export interface WireAnyValue {
  value?:
    | 'stringValue'
    | 'boolValue'
    | 'intValue'
    | 'doubleValue'
    | 'arrayValue'
    | 'kvlistValue'
    | 'bytesValue';
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values: WireAnyValue[] };
  kvlistValue?: { values: WireKeyValue[] };
  bytesValue?: Buffer;
}

export interface WireKeyValue {
  key: string;
  value?: WireAnyValue | null;
}

export interface WireEvent {
  timeUnixNano: string;
  name: string;
  attributes: WireKeyValue[];
}

export interface WireLink {
  traceId: Buffer;
  spanId: Buffer;
  attributes: WireKeyValue[];
}

export interface WireSpan {
  traceId: Buffer;
  spanId: Buffer;
  traceState: string;
  parentSpanId: Buffer;
  flags: number;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: WireKeyValue[];
  events: WireEvent[];
  links: WireLink[];
  status?: { code: number; message: string } | null;
}

export interface WireScopeSpans {
  scope?: { name: string; version: string } | null;
  spans: WireSpan[];
}

export interface WireResourceSpans {
  resource?: { attributes: WireKeyValue[] } | null;
  scopeSpans: WireScopeSpans[];
}

export interface WireExportTraceServiceRequest {
  resourceSpans: WireResourceSpans[];
}
