import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Absolute path of a non-TypeScript file shipped in this package (proto/…, runtime/…).
 * Walks up from this module's directory, so it works from src/ (jest via swc) and dist/ alike,
 * then falls back to package resolution for code that was relocated (e.g. bundled).
 */
export function packageAsset(relativePath: string): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, relativePath);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  try {
    const root = dirname(
      require.resolve('@otel-dice/test-support/package.json'),
    );
    const candidate = join(root, relativePath);
    if (existsSync(candidate)) return candidate;
  } catch {
    // not resolvable as a package from here; report below
  }
  throw new Error(
    `@otel-dice/test-support asset not found: ${relativePath} (searched above ${__dirname})`,
  );
}
