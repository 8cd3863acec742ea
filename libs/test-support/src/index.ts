export * from './lib/wait.js';
export * from './lib/ports.js';
export * from './lib/http.js';
export * from './lib/otlp-types.js';
export * from './lib/otlp-metric-types.js';
export * from './lib/otlp-log-types.js';
export {
  flattenExportRequest,
  toAttributes,
  unwrapAnyValue,
} from './lib/otlp-decode.js';
export { flattenMetricsRequest } from './lib/otlp-decode-metrics.js';
export { flattenLogsRequest } from './lib/otlp-decode-logs.js';
export { decodeProtobufRequest, otlpProtoDir } from './lib/otlp-proto.js';
export type { ReceivedTelemetry } from './lib/otlp-store.js';
export type { ReceiverTlsOptions } from './lib/receiver-tls.js';
export {
  createOtlpReceiver,
  startOtlpReceiver,
  type OtlpReceiver,
  type OtlpReceiverOptions,
} from './lib/otlp-receiver.js';
export {
  createOtlpHttpReceiver,
  startOtlpHttpReceiver,
  type OtlpHttpReceiver,
  type OtlpHttpReceiverOptions,
} from './lib/otlp-http-receiver.js';
export {
  DEFAULT_OTLP_HTTP_PATHS,
  decodeStatusBody,
} from './lib/otlp-http-request.js';
export * from './lib/test-pki.js';
export * from './lib/process.js';
export {
  spawnManaged,
  type ExitInfo,
  type ManagedProcess,
  type SpawnManagedOptions,
  type StopResult,
} from './lib/managed-process.js';
export { stopAllProcesses, liveProcessCount } from './lib/process-registry.js';
export {
  parseJsonObject,
  type OutputLine,
  type OutputStream,
} from './lib/process-output.js';
export * from './lib/prometheus.js';
export { findExecutable, withParentDeathSignal } from './lib/executables.js';
export {
  parseReadout,
  serializeReadout,
  type Readout,
} from './lib/readout-json.js';
export { fetchReadout } from './lib/readout-client.js';
export {
  startReadoutServer,
  type ReadoutServer,
  type ReadoutServerOptions,
} from './lib/readout-server.js';
export {
  startTcpRelay,
  type TcpRelay,
  type TcpRelayOptions,
} from './lib/tcp-relay.js';
export * from './lib/proc-status.js';
export * from './lib/stalled-clients.js';
