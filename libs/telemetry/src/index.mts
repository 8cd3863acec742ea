/**
 * The ES module entry. It re-exports the CommonJS build instead of being a second copy of the
 * library: whichever way an app loads @otel-dice/telemetry (import, require, or both through
 * its dependencies), the process holds one instance of it and of every OpenTelemetry package it
 * loads — one set of require hooks, one loader hook, one telemetry — and the optional packages
 * the library loads on demand with require() are found the same way in both.
 */
export * from './index.js';
