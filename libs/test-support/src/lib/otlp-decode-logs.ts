import type {
  ReceivedLogRecord,
  WireExportLogsServiceRequest,
  WireLogRecord,
} from './otlp-log-types.js';
import type { Attributes, ReceivedScope } from './otlp-types.js';
import {
  toAttributes,
  toBigInt,
  toOptionalHex,
  toScope,
  unwrapAnyValue,
} from './otlp-values.js';

/** Flattens an ExportLogsServiceRequest into one record per log record, resource and scope inlined. */
export function flattenLogsRequest(
  request: WireExportLogsServiceRequest,
): ReceivedLogRecord[] {
  const records: ReceivedLogRecord[] = [];
  for (const resourceLogs of request.resourceLogs ?? []) {
    const resource = toAttributes(resourceLogs.resource?.attributes);
    for (const scopeLogs of resourceLogs.scopeLogs ?? []) {
      const scope = toScope(scopeLogs.scope);
      for (const record of scopeLogs.logRecords ?? []) {
        records.push(toReceivedLogRecord(record, resource, scope));
      }
    }
  }
  return records;
}

export function toReceivedLogRecord(
  record: WireLogRecord,
  resource: Attributes,
  scope: ReceivedScope,
): ReceivedLogRecord {
  return {
    timeUnixNano: toBigInt(record.timeUnixNano),
    observedTimeUnixNano: toBigInt(record.observedTimeUnixNano),
    severityNumber: record.severityNumber ?? 0,
    severityText: record.severityText ?? '',
    body: unwrapAnyValue(record.body),
    attributes: toAttributes(record.attributes),
    traceId: toOptionalHex(record.traceId),
    spanId: toOptionalHex(record.spanId),
    flags: record.flags ?? 0,
    eventName: record.eventName ?? '',
    resource,
    scope,
  };
}
