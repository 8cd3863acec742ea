/**
 * The ES module entry (`import` in the package's exports map, built as dist/esm/index.mjs). It
 * re-exports the CommonJS build instead of being a second copy of the library: whichever way an
 * app loads @otel-dice/telemetry (import, require, or both through its dependencies), the
 * process holds one instance of it and of every OpenTelemetry package it loads — one set of
 * require hooks, one loader hook, one telemetry — and the optional packages the library loads on
 * demand with require() are found the same way in both.
 *
 * It lives in a directory of its own, not next to index.ts: a tool that compiles a workspace
 * library's sources file by file to `.js` (Nx's esbuild build of a non-bundled app does, for
 * every library the app depends on) would turn an index.ts and an index.mts beside it into the
 * same index.js and stop with "Two output files share the same path".
 */
export * from '../index.js';
