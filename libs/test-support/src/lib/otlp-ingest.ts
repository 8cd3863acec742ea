import {
  countDataPoints,
  flattenMetricsRequest,
} from './otlp-decode-metrics.js';
import { flattenLogsRequest } from './otlp-decode-logs.js';
import { flattenExportRequest } from './otlp-decode.js';
import type {
  ReceivedLogRecord,
  WireExportLogsServiceRequest,
} from './otlp-log-types.js';
import type {
  ReceivedMetric,
  WireExportMetricsServiceRequest,
} from './otlp-metric-types.js';
import type {
  OtlpSignal,
  ReceivedSpan,
  WireExportTraceServiceRequest,
} from './otlp-types.js';

/** One decoded Export request, flattened, with the item count OTLP would report it by. */
export type IngestedExport =
  | { signal: 'traces'; items: ReceivedSpan[]; itemCount: number }
  | { signal: 'metrics'; items: ReceivedMetric[]; itemCount: number }
  | { signal: 'logs'; items: ReceivedLogRecord[]; itemCount: number };

/**
 * Flattens a request decoded with the OTLP schema (any protocol: the decoders all produce the
 * Wire* shape). Throws when the content is not valid OTLP (e.g. a Metric without data).
 */
export function ingestExport(
  signal: OtlpSignal,
  decoded: unknown,
): IngestedExport {
  switch (signal) {
    case 'traces': {
      const items = flattenExportRequest(
        decoded as WireExportTraceServiceRequest,
      );
      return { signal, items, itemCount: items.length };
    }
    case 'metrics': {
      const items = flattenMetricsRequest(
        decoded as WireExportMetricsServiceRequest,
      );
      return { signal, items, itemCount: countDataPoints(items) };
    }
    case 'logs': {
      const items = flattenLogsRequest(decoded as WireExportLogsServiceRequest);
      return { signal, items, itemCount: items.length };
    }
  }
}
