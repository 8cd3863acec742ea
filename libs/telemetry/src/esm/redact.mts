/** The ES module form of `@otel-dice/telemetry/redact`: the CommonJS build, re-exported (see index.mts here for why it is in esm/). */
export * from '../redact.js';
