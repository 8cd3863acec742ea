/**
 * OTLP log records as the receivers record them (`Received*`) and as the decoder hands them over
 * (`Wire*`, see otlp-types.ts for the conventions).
 */
import type {
  AttributeValue,
  Attributes,
  ReceivedScope,
  WireAnyValue,
  WireKeyValue,
  WireResource,
  WireScope,
} from './otlp-types.js';

/** OTLP SeverityNumber ranges start here: TRACE 1-4, DEBUG 5-8, INFO 9-12, WARN 13-16, ERROR 17-20, FATAL 21-24. */
export const SeverityNumber = {
  UNSPECIFIED: 0,
  TRACE: 1,
  DEBUG: 5,
  INFO: 9,
  WARN: 13,
  ERROR: 17,
  FATAL: 21,
} as const;

export interface ReceivedLogRecord {
  /** 0n when the sender left it unset (the event time is unknown). */
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  /** The body unwrapped from its AnyValue (string, number, object…); null when absent. */
  body: AttributeValue;
  attributes: Attributes;
  /** 32 lowercase hex chars; undefined when the record carries no trace context. */
  traceId: string | undefined;
  /** 16 lowercase hex chars; undefined when the record carries no trace context. */
  spanId: string | undefined;
  /** LogRecordFlags: W3C trace flags in the low byte. */
  flags: number;
  /** LogRecord.event_name; '' for ordinary log records. */
  eventName: string;
  /** Resource attributes of the ResourceLogs the record arrived in (e.g. service.name). */
  resource: Attributes;
  scope: ReceivedScope;
}

export interface WireLogRecord {
  timeUnixNano: string;
  observedTimeUnixNano: string;
  severityNumber: number;
  severityText: string;
  body?: WireAnyValue | null;
  attributes: WireKeyValue[];
  flags: number;
  traceId: Buffer;
  spanId: Buffer;
  eventName: string;
}

export interface WireScopeLogs {
  scope?: WireScope | null;
  logRecords: WireLogRecord[];
}

export interface WireResourceLogs {
  resource?: WireResource | null;
  scopeLogs: WireScopeLogs[];
}

export interface WireExportLogsServiceRequest {
  resourceLogs: WireResourceLogs[];
}
