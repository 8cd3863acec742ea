/** The ES module form of `@otel-dice/telemetry/register` (see register.ts). */
import './register.js';
