// The wire proofs again, with the app's spans made by @opentelemetry/sdk-trace's TracerProvider
// (TELEMETRY_TRACER=sdk) instead of the library's compact tracer: both paths must put the same
// telemetry on the wire. `nx run dice-api-e2e:e2e-sdk-tracer`.
const base = require('./jest.config.cts');

module.exports = {
  ...base,
  displayName: 'dice-api-e2e (sdk tracer)',
  setupFiles: ['<rootDir>/src/support/sdk-tracer.setup.ts'],
  testMatch: [
    'traces',
    'conformance',
    'signals',
    'propagation',
    'log-correlation',
    'shutdown-flush',
    'collector-lost',
    'collector-down-at-start',
    'export-security',
    'prometheus-scrape',
    'edge',
  ].map((name) => `<rootDir>/src/${name}.e2e.ts`),
};
