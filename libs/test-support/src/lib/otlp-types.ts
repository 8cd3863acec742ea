/**
 * Shapes used by the OTLP test receivers: the common ones and traces (metrics and logs have their
 * own files).
 *
 * `Wire*` types describe what the decoder hands us for an Export*ServiceRequest with the loader
 * options in otlp-proto.ts (camelCase fields, 64-bit ints as decimal strings, enums as numbers,
 * bytes as Buffer, defaults filled in, oneof discriminator in `value`) — the same for OTLP/gRPC,
 * OTLP/HTTP protobuf and OTLP/HTTP JSON. `Received*` types are the flattened, assertion-friendly
 * view that tests work with.
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
  scope: ReceivedScope;
}

/** The instrumentation scope (tracer, meter or logger) that produced an item. */
export interface ReceivedScope {
  name: string;
  version: string;
}

/** The three OTLP signals, named like their OTLP/HTTP paths (/v1/traces, /v1/metrics, /v1/logs). */
export type OtlpSignal = 'traces' | 'metrics' | 'logs';

/** How a request arrived, named like OTEL_EXPORTER_OTLP_PROTOCOL's values. */
export type OtlpProtocol = 'grpc' | 'http/protobuf' | 'http/json';

/** Request headers (HTTP) or metadata (gRPC): lowercase names, repeated values joined by ', '. */
export type ReceivedHeaders = Readonly<Record<string, string>>;

/** Bookkeeping for one accepted Export call, whatever the signal and protocol. */
export interface ReceivedExport {
  signal: OtlpSignal;
  /** Items in the request: spans, metric data points or log records (the units OTLP counts in). */
  itemCount: number;
  /** Spans in the request (0 for metrics and logs). */
  spanCount: number;
  protocol: OtlpProtocol;
  /** 'gzip' when the body (HTTP Content-Encoding) or message (gRPC grpc-encoding) was gzipped. */
  compression: 'gzip' | 'none';
  /** gRPC method path or HTTP request path, e.g. '/v1/traces'. */
  path: string;
  /** Every request header / metadata entry as received, e.g. headers['authorization']. */
  headers: ReceivedHeaders;
  /** The exporter's user-agent header, e.g. 'OTel-OTLP-Exporter-JavaScript/0.301.0 grpc-node-js/…'. */
  userAgent: string | undefined;
  /** True when the request came over TLS. */
  secure: boolean;
  /** Subject of the client certificate the peer presented (mTLS), e.g. 'CN=otel-dice test client'. */
  clientCertificateSubject: string | undefined;
}

/** A request the receiver answered with an error instead of recording it. */
export interface RejectedRequest {
  transport: 'grpc' | 'http';
  method: string;
  path: string;
  /** HTTP status, or the gRPC status code for OTLP/gRPC. */
  status: number;
  reason: string;
  headers: ReceivedHeaders;
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

export interface WireScope {
  name: string;
  version: string;
}

export interface WireResource {
  attributes: WireKeyValue[];
}

export interface WireScopeSpans {
  scope?: WireScope | null;
  spans: WireSpan[];
}

export interface WireResourceSpans {
  resource?: WireResource | null;
  scopeSpans: WireScopeSpans[];
}

export interface WireExportTraceServiceRequest {
  resourceSpans: WireResourceSpans[];
}
