/** The ES module form of `@otel-dice/telemetry/testing`: the CommonJS build, re-exported (see index.mts here for why it is in esm/). */
export * from '../testing.js';
