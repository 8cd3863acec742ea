export * from './lib/wait.js';
export * from './lib/ports.js';
export * from './lib/otlp-types.js';
export { flattenExportRequest, toAttributes, unwrapAnyValue } from './lib/otlp-decode.js';
export { otlpProtoDir } from './lib/otlp-proto.js';
export * from './lib/otlp-receiver.js';
