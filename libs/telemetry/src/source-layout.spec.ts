/**
 * Issue 22: Nx's esbuild build of a non-bundled app (`bundle: false`, the default of a new Nx 23
 * Node application) compiles every source of the workspace libraries it uses file by file to
 * `.js`. Two sources that differ only in their extension (`index.ts` and `index.mts`) become the
 * same file there, and the app's build stops with "Two output files share the same path".
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = __dirname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.[mc]?ts$/.test(entry.name) && !/\.d\.[mc]?ts$/.test(entry.name)
      ? [relative(SRC, path)]
      : [];
  });
}

describe('the library sources', () => {
  it('never compile two files to the same .js', () => {
    const byOutput = new Map<string, string[]>();
    for (const source of sources(SRC)) {
      const output = `${source.replace(/\.[mc]?ts$/, '')}.js`;
      byOutput.set(output, [...(byOutput.get(output) ?? []), source]);
    }
    const clashes = [...byOutput.values()].filter((s) => s.length > 1);
    expect(clashes).toEqual([]);
    // The ES module entries exist, in a directory of their own.
    expect(sources(SRC)).toEqual(
      expect.arrayContaining([
        'esm/index.mts',
        'esm/register.mts',
        'esm/testing.mts',
        'esm/redact.mts',
      ]),
    );
  });
});
