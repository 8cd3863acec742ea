/**
 * `node --import @otel-dice/telemetry/register app.js` — or `--require` for a CommonJS app:
 * starts telemetry before the app's first module is loaded, configured by the OTEL_* variables
 * alone (see lib/zero-code.ts), so its http and express are patched whether they are required
 * or imported.
 */
import { startFromEnvironment } from './lib/zero-code.js';

startFromEnvironment();
