/**
 * `@otel-dice/telemetry/redact`: the library's one redaction routine for what an app prints —
 * URLs with credentials in any of their shapes, free text that may quote one, a setting's value
 * echoed in an error (see lib/config/redact.ts for the rules). A subpath of its own, importing
 * nothing but node:util, so an app's configuration code can use it before the OpenTelemetry SDK
 * is loaded (loading it first would keep the instrumentations from patching http and express).
 *
 * @packageDocumentation
 */
export { redactText, redactUrl, redactValue } from './lib/config/redact.js';
