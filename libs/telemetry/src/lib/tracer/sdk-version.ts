/**
 * The version of the installed @opentelemetry/sdk-trace: the SDK's span metrics carry it as
 * their meter's version, and the compact tracer's carry it too, so a dashboard or query that
 * names `otel_scope_version` sees the same series whichever tracer is in use. The package does
 * not export its package.json; it is read next to the resolved entry point, once.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let version: string | undefined;

export function sdkTraceVersion(): string {
  if (version === undefined) {
    try {
      const entry = require.resolve('@opentelemetry/sdk-trace');
      const manifest = JSON.parse(
        readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8'),
      ) as { name?: string; version?: string };
      version =
        manifest.name === '@opentelemetry/sdk-trace' && manifest.version
          ? manifest.version
          : '';
    } catch {
      version = '';
    }
  }
  return version;
}
