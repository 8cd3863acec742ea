// Read by support/dice-api.ts: every app the suite starts runs with TELEMETRY_TRACER=sdk.
process.env['DICE_API_E2E_TRACER'] = 'sdk';
