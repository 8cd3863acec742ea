/** The ES module form of `@otel-dice/telemetry/testing`: the CommonJS build, re-exported (see index.mts). */
export * from './testing.js';
