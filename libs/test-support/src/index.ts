export * from './lib/wait.js';
export * from './lib/ports.js';
export * from './lib/http.js';
export * from './lib/otlp-types.js';
export {
  flattenExportRequest,
  toAttributes,
  unwrapAnyValue,
} from './lib/otlp-decode.js';
export { otlpProtoDir } from './lib/otlp-proto.js';
export * from './lib/otlp-receiver.js';
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
